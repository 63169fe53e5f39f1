"""The data API's rules: tokens (created and revoked from the command line), who may read what, and the reads.

A token belongs to one region. Only its SHA-256 hash is stored: the secret is shown once, when it is created,
and a request is recognised by looking up the hash of the token it carries.
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import auth
from bot.services.officials import record
from bot.services.summaries import Scope, Summary, summarize
from storage import api_tokens as store
from storage import regions as region_store
from storage.api_tokens import FeedItem
from storage.models import ApiToken, Region, utcnow

TOKEN_PREFIX = "qwk_"  # recognisable in a config file, a log or a secret scanner's rules
LABEL_MAX = 100
FEED_LIMIT_MAX = 500
FEED_LIMIT_DEFAULT = 100


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Refusal(Enum):
    """Why a request for data is refused."""

    MISSING_TOKEN = "missing_token"
    INVALID_TOKEN = "invalid_token"
    REVOKED_TOKEN = "revoked_token"
    UNKNOWN_REGION = "unknown_region"
    OTHER_REGION = "other_region"


async def authenticate(session: AsyncSession, *, secret: str | None) -> ApiToken | Refusal:
    """The live token a request carries, or why there is none."""
    if not secret:
        return Refusal.MISSING_TOKEN
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return Refusal.INVALID_TOKEN
    # A lookup by hash: the secret itself is never compared, so its timing reveals nothing.
    token = await store.token_by_hash(session, token_hash=hash_secret(secret))
    if token is None:
        return Refusal.INVALID_TOKEN
    if token.revoked_at is not None:
        return Refusal.REVOKED_TOKEN
    return token


async def readable_region(session: AsyncSession, token: ApiToken, *, code: str) -> Region | Refusal:
    """The region, if it exists and the token is that region's: a token reads its own region's data only."""
    region = await region_store.get_region(session, code=code)
    if region is None:
        return Refusal.UNKNOWN_REGION
    if not auth.api_token_may_read(token.region_code, region.code):
        return Refusal.OTHER_REGION
    return region


async def regions(session: AsyncSession) -> list[Region]:
    """Every region, by code: the list is public knowledge, any valid token may read it."""
    return sorted(await region_store.all_regions(session), key=lambda r: r.code)


async def region_summary(session: AsyncSession, region: Region, *, days: int, now: datetime) -> Summary:
    """The figures officials see in /ringkasan, for one region (not written to the audit log: no official)."""
    scope = Scope(f"r{region.code}", "region", region.name, [region.code], region.timezone)
    return await summarize(session, None, scope, days=days, now=now)


async def feed(
    session: AsyncSession, region: Region, *, since: datetime | None, after: tuple[datetime, int] | None, limit: int
) -> tuple[list[FeedItem], tuple[datetime, int] | None]:
    """One page of the region's feedback, oldest first, and the key to continue after it (None: no more)."""
    rows = await store.feed_page(session, region_code=region.code, since=since, after=after, limit=limit + 1)
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, (rows[-1].created_at, rows[-1].id)


# --- `quickwin token create/list/revoke` ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Created:
    token: ApiToken
    region: Region
    secret: str  # shown once, never stored


async def create_token(session: AsyncSession, *, region_code: str, label: str | None) -> Created | None:
    """A new token for a region (None if there is no such region), written to the audit log."""
    region = await region_store.get_region(session, code=region_code)
    if region is None:
        return None
    secret = new_secret()
    token = await store.add_token(session, token_hash=hash_secret(secret), region_code=region.code, label=label)
    record(session, None, "api_token.create", str(token.id), region=region.code, label=label)
    return Created(token, region, secret)


class RevokeOutcome(Enum):
    REVOKED = "revoked"
    ALREADY = "already"
    UNKNOWN = "unknown"


async def revoke_token(session: AsyncSession, *, token_id: int, now: datetime) -> tuple[RevokeOutcome, ApiToken | None]:
    """Revoke a token at once: its next request is refused."""
    token = await store.get_token(session, token_id=token_id)
    if token is None:
        return RevokeOutcome.UNKNOWN, None
    if token.revoked_at is not None:
        return RevokeOutcome.ALREADY, token
    token.revoked_at = now
    session.add(token)
    record(session, None, "api_token.revoke", str(token_id), region=token.region_code, label=token.label)
    return RevokeOutcome.REVOKED, token


def _label(raw: str | None) -> str | None:
    label = (raw or "").strip()
    if len(label) > LABEL_MAX:
        raise ValueError(f"The label is {len(label)} characters long; keep it to {LABEL_MAX}.")
    if not label.isprintable():
        raise ValueError("The label must be one line of printable text.")
    return label or None


def _when(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC"


async def token_command(session: AsyncSession, args: argparse.Namespace) -> tuple[int, list[str], list[str]]:
    """Run one `quickwin token` command; (exit code, lines for stdout, lines for stderr).

    `create` prints only the token on stdout, so that `TOKEN=$(quickwin token create ...)` works.
    """
    if args.token_command == "list":
        rows = await store.list_tokens(session)
        if not rows:
            return 0, ['No API tokens yet. Create one with: quickwin token create --region 32.73 --label "Satu Data"'], []
        return 0, [
            f"{t.id}\t{t.region_code} {name}\t{t.label or '-'}\tcreated {_when(t.created_at)}\t"
            + (f"revoked {_when(t.revoked_at)}" if t.revoked_at else "active")
            for t, name in rows
        ], []
    if args.token_command == "create":
        try:
            label = _label(args.label)
        except ValueError as exc:
            return 2, [], [str(exc)]
        created = await create_token(session, region_code=args.region.strip(), label=label)
        if created is None:
            return 2, [], [f"Unknown region code: {args.region} (use Kemendagri codes such as 32.73)."]
        named = f' "{label}"' if label else ""
        return 0, [created.secret], [
            f"Created API token {created.token.id}{named} for {created.region.name} ({created.region.code}).",
            "This is the only time it is shown (only its hash is stored): keep it somewhere safe now.",
            "Send it as the header  Authorization: Bearer <token>",
        ]
    outcome, token = await revoke_token(session, token_id=args.id, now=utcnow())
    if outcome is RevokeOutcome.UNKNOWN:
        return 1, [], [f"No API token with id {args.id} (see: quickwin token list)."]
    assert token is not None and token.revoked_at is not None
    if outcome is RevokeOutcome.ALREADY:
        return 1, [], [f"API token {args.id} was already revoked on {_when(token.revoked_at)}."]
    return 0, [f"Revoked API token {args.id} ({token.region_code}, {token.label or 'no label'}): it is refused from now on."], []
