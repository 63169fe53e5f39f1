"""One signed-in dashboard request (Ctx), what a view answers with, and the refusals it may raise."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy, MultiMapping
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup

from bot.i18n import N_, Translator
from bot.services import officials
from bot.services.auth import Actor
from bot.services.deps import Deps
from bot.services.summaries import Scope, resolve_scope
from storage.models import Region, WebSession

SCOPE_TOKEN = re.compile(r"r[0-9]{2}\.[0-9]{2}|p[0-9]{2}|all")


class Refusal(Exception):
    """A request the dashboard turns down, with a message for the official (an msgid and its values)."""

    def __init__(self, status: int, message: str, **values: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.values = values


def bad_param(message: str, **values: Any) -> Refusal:
    return Refusal(400, message, **values)


@dataclass
class Page:
    template: str
    data: dict[str, Any]
    status: int = 200
    finish: Callable[[dict[str, Any]], Awaitable[None]] | None = None  # after the commit, before rendering (CPU work)


@dataclass
class Notice:
    """A message for a resident, sent after the commit; `failed` is the flash shown if it cannot arrive."""

    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None
    failed: str


@dataclass
class Redirect:
    location: str
    flash: str | None = None
    notice: Notice | None = None
    sign_out: bool = False  # also drop the session cookie


@dataclass
class Later:
    """A response built after the commit (CPU work such as a chart or a spreadsheet)."""

    build: Callable[[], Awaitable[web.StreamResponse]]


Result = Page | Redirect | Later


@dataclass
class Ctx:
    """One signed-in request: the unit of work, the official, their language."""

    request: web.Request
    deps: Deps
    db: AsyncSession
    session: WebSession
    actor: Actor
    t: Translator
    now: datetime
    form: MultiDictProxy[Any] | None = None
    scope: Scope | None = None  # what the page shows, once the view has resolved it
    _regions: list[Region] | None = field(default=None, repr=False)

    @property
    def query(self) -> MultiMapping[str]:
        return self.request.query

    def audit(self, action: str, target: str | None = None, **detail: Any) -> None:
        officials.record(self.db, self.actor.telegram_id, action, target, **detail)

    async def regions(self) -> list[Region]:
        """The regions this official may see, by name (every region for an admin)."""
        if self._regions is None:
            self._regions = await officials.regions_of(self.db, self.actor)
        return self._regions

    async def resolve_scope(self) -> Scope:
        """The region, province or country named by ?wilayah= (default: the first region, or all for admins)."""
        given = self.query.getall("wilayah", [])
        if len(given) > 1:
            raise bad_param(N_("The parameter {name} is given more than once."), name="wilayah")
        token = given[0].strip() if given else ""
        if not token:
            if self.actor.is_admin:
                token = "all"
            else:
                regions = await self.regions()
                if not regions:
                    raise Refusal(403, N_("You are not registered for any region yet. Please contact the admin."))
                token = f"r{regions[0].code}"
        elif not SCOPE_TOKEN.fullmatch(token):
            raise bad_param(N_("The region in the address is not valid: {value}"), value=token[:20])
        scope = await resolve_scope(self.db, self.actor, token)
        if scope is None:
            raise Refusal(403, N_("You may not see the data of this region."))
        self.scope = scope
        return scope
