"""Who may see and do what. Every authorisation decision of the bot is made here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import feedback as feedback_store
from storage import officials as store
from storage import programs as program_store
from storage.models import Broadcast, Feedback, Program, Survey


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind an update, as far as permissions go."""

    telegram_id: int
    is_admin: bool
    region_codes: frozenset[str]

    @property
    def is_official(self) -> bool:
        return self.is_admin or bool(self.region_codes)

    def can_see_region(self, region_code: str) -> bool:
        return self.is_admin or region_code in self.region_codes

    def visible(self, region_codes: list[str] | None) -> list[str] | None:
        """Narrow a requested scope (None: the whole country) to what this actor may see."""
        if self.is_admin:
            return region_codes
        if region_codes is None:
            return sorted(self.region_codes)
        return [code for code in region_codes if code in self.region_codes]


async def load_actor(session: AsyncSession, *, telegram_id: int, admin_ids: frozenset[int]) -> Actor:
    official = await store.get_official(session, telegram_id=telegram_id)
    regions = frozenset(await store.official_regions(session, telegram_id=telegram_id)) if official else frozenset()
    is_admin = telegram_id in admin_ids or (official is not None and official.role == "admin")
    return Actor(telegram_id=telegram_id, is_admin=is_admin, region_codes=regions)


async def feedback_for(session: AsyncSession, actor: Actor, feedback_id: int) -> Feedback | None:
    """The feedback if it exists and belongs to a region the actor may act on; otherwise None."""
    row = await feedback_store.get_feedback(session, feedback_id=feedback_id)
    if row is None or not actor.can_see_region(row.region_code):
        return None
    return row


async def program_for(session: AsyncSession, actor: Actor, program_id: int) -> Program | None:
    """The program (removed ones included) if it belongs to a region the actor may see; otherwise None."""
    program = await program_store.get_program(session, program_id=program_id, include_removed=True)
    if program is None or not actor.can_see_region(program.region_code):
        return None
    return program


def api_token_may_read(token_region_code: str, region_code: str) -> bool:
    """A data-API token reads its own region's data only."""
    return token_region_code == region_code


def may_broadcast(actor: Actor | None, kind: str, region_code: str | None = None) -> bool:
    """May the actor announce to this audience? (None: the command line, which may reach all.)

    The whole country and a whole province are for admins; a region, or a program in it, for its officials too.
    """
    if actor is None or actor.is_admin:
        return True
    return kind in ("region", "program") and region_code is not None and actor.can_see_region(region_code)


def broadcasts_listed_for(actor: Actor) -> int | None:
    """Whose broadcasts /siaran lists: an admin sees all (None), an official their own."""
    return None if actor.is_admin else actor.telegram_id


def may_create_survey(actor: Actor | None) -> bool:
    """Surveys, to the audiences `may_broadcast` allows: officials and admins (None: the command line)."""
    return actor is None or actor.is_official


def may_see_survey_results(actor: Actor, survey: Survey) -> bool:
    """A survey's results: its author, an admin, or an official of the region it was sent to."""
    if actor.is_admin or survey.created_by == actor.telegram_id:
        return True
    return survey.audience == "region" and survey.audience_code is not None and actor.can_see_region(survey.audience_code)


def surveys_listed_for(actor: Actor) -> tuple[int, list[str]] | None:
    """Which surveys the dashboard lists: an admin all (None); an official their own and those sent to their regions
    or to a program in them (their id, their region codes) — the rule of may_see_survey_results, for a list."""
    return None if actor.is_admin else (actor.telegram_id, sorted(actor.region_codes))


def may_see_survey(actor: Actor, survey: Survey, *, program_region_code: str | None = None) -> bool:
    """A survey in the dashboard: may_see_survey_results, and a program's survey for that program's region too."""
    if may_see_survey_results(actor, survey):
        return True
    return survey.audience == "program" and program_region_code is not None and actor.can_see_region(program_region_code)


def may_cancel_broadcast(actor: Actor | None, broadcast: Broadcast) -> bool:
    """An admin (or the command line) may stop any broadcast; an official only their own."""
    return actor is None or actor.is_admin or broadcast.created_by == actor.telegram_id


def may_see_broadcast(actor: Actor, broadcast: Broadcast, *, audience_in_scope: bool) -> bool:
    """An announcement's page and progress: an admin any; an official their own, while its audience is still theirs."""
    return actor.is_admin or (broadcast.created_by == actor.telegram_id and audience_in_scope)


def may_switch_public_page(actor: Actor) -> bool:
    """Hide or show the public page's national list or a region's page: admins only."""
    return actor.is_admin


def may_manage_catalogue(actor: Actor, region_code: str) -> bool:
    """Add, edit and close programs: a region's officials, and admins."""
    return actor.can_see_region(region_code)


def may_invite_officials(actor: Actor) -> bool:
    """Invite links that make someone an official: admins only."""
    return actor.is_admin


def may_mute_authors(actor: Actor) -> bool:
    """Mute a comment's author from the inbox: admins only."""
    return actor.is_admin


def may_see_summary(actor: Actor, kind: str, region_code: str | None = None) -> bool:
    """A region's summary: its officials and admins; a province's or the country's: admins only."""
    if kind == "region":
        return region_code is not None and actor.can_see_region(region_code)
    return actor.is_admin


def may_manage_officials(actor: Actor) -> bool:
    """The roster in the dashboard (add, remove, coordinator marks, invitations): admins only."""
    return actor.is_admin


def may_remove_official(actor: Actor, official_id: int, configured_admins: frozenset[int]) -> bool:
    """Remove someone from the roster: an admin may, except an admin by configuration (ADMIN_IDS) or themself."""
    return actor.is_admin and official_id not in configured_admins and official_id != actor.telegram_id


def audit_regions_for(actor: Actor) -> list[str] | None:
    """Whose audit log entries the actor reads: an admin every entry (None), an official their regions' only."""
    return None if actor.is_admin else sorted(actor.region_codes)
