"""Rules of rating and commenting."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import deadlines, residents
from storage import feedback as store
from storage import programs as program_store
from storage import regions as region_store
from storage.codes import TICKET_CHARS
from storage.models import Feedback, Program, Resident

COMMENT_MAX = 2000  # characters; long enough for a real complaint, short enough to read and answer
# A comment over the limit waits in the draft for "save the first COMMENT_MAX characters": only those are
# kept, whatever arrived (Telegram's messages stop at 4,096 characters, a forged update need not).
DRAFT_TEXT_MAX = COMMENT_MAX


# A ticket number as stored and shown: the region's code without the dot, a dash, 5 characters of
# Crockford's base32 (storage/codes.py), e.g. 3273-K7PXD. Short to read aloud; random, so not a count.
TICKET = re.compile(r"[0-9]{4}[0-9A-HJKMNP-TV-Z]{" + str(TICKET_CHARS) + "}")
TICKET_TYPED_MAX = 24  # characters, spaces and dashes included
TICKET_EXAMPLE = "3273-K7PXD"
_MISREAD = str.maketrans({"I": "1", "L": "1", "O": "0", " ": None, "-": None})  # Crockford's own decoding


def parse_ticket(text: str) -> str | None:
    """A ticket number as someone typed it ("3273-k7pxd", "3273 K7PXD", "3273k7pxd"), in its stored form."""
    if len(text) > TICKET_TYPED_MAX or not text.isprintable():
        return None
    raw = text.strip().upper().translate(_MISREAD)
    return f"{raw[:4]}-{raw[4:]}" if TICKET.fullmatch(raw) else None


NONCE_LENGTH = 16  # hex characters: 8 random, then 8 of a signature


def _signature(key: bytes, resident_id: int, program_id: int, token: str) -> str:
    message = f"rate:{resident_id}:{program_id}:{token}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:8]


def new_nonce(key: bytes, *, resident_id: int, program_id: int) -> str:
    """Identifies one showing of the rating buttons (double taps and re-deliveries share it).

    Signed with the deployment's key over the resident and the program, so a button cannot be
    minted: a forged one, another resident's, or one moved to another program is refused.
    """
    token = secrets.token_hex(4)
    return token + _signature(key, resident_id, program_id, token)


def nonce_valid(key: bytes, *, resident_id: int, program_id: int, nonce: str) -> bool:
    if len(nonce) != NONCE_LENGTH:
        return False
    token, signature = nonce[:8], nonce[8:]
    return hmac.compare_digest(signature, _signature(key, resident_id, program_id, token))


class RateOutcome(Enum):
    STORED = "stored"
    ALREADY = "already"  # the same buttons were pressed before (double tap, re-delivery)
    NO_CONSENT = "no_consent"
    NO_PROGRAM = "no_program"
    OTHER_REGION = "other_region"  # the program is not in the resident's region
    FORGED = "forged"  # the button was not issued by us to this resident for this program


@dataclass(frozen=True, slots=True)
class RateResult:
    outcome: RateOutcome
    feedback: Feedback | None = None
    program: Program | None = None


async def rate(
    session: AsyncSession, resident: Resident, *, program_id: int, stars: int, nonce: str, key: bytes
) -> RateResult:
    """Store a 1–5 rating and move the resident on to the optional comment."""
    if not 1 <= stars <= 5:
        raise ValueError("stars out of range")
    if not nonce_valid(key, resident_id=resident.telegram_id, program_id=program_id, nonce=nonce):
        return RateResult(RateOutcome.FORGED)
    if not residents.has_consented(resident):
        return RateResult(RateOutcome.NO_CONSENT)
    program = await program_store.get_program(session, program_id=program_id)
    if program is None:
        return RateResult(RateOutcome.NO_PROGRAM)
    if program.region_code != resident.region_code:
        return RateResult(RateOutcome.OTHER_REGION, program=program)
    row, created = await store.add_rating(
        session, resident_id=resident.telegram_id, program_id=program.id, region_code=program.region_code,  # type: ignore[arg-type]
        rating=stars, dedup_key=f"rate:{resident.telegram_id}:{nonce}",
    )
    if not created:
        return RateResult(RateOutcome.ALREADY, row, program)
    residents.set_state(session, resident, residents.COMMENTING, {"feedback_id": row.id, "program_id": program.id})
    return RateResult(RateOutcome.STORED, row, program)


class CommentOutcome(Enum):
    SAVED = "saved"
    TOO_LONG = "too_long"
    EMPTY = "empty"
    NOT_WAITING = "not_waiting"


def pending_feedback_id(resident: Resident) -> int | None:
    if resident.state != residents.COMMENTING or not resident.draft:
        return None
    value = resident.draft.get("feedback_id")
    return value if isinstance(value, int) else None


async def add_comment(
    session: AsyncSession, resident: Resident, text: str, *, now: datetime, default_days: int
) -> tuple[CommentOutcome, Feedback | None]:
    """Attach the comment to the rating just given, and start its answer's clock (bot/services/deadlines.py).

    A too-long text is kept in the draft, not lost."""
    feedback_id = pending_feedback_id(resident)
    if feedback_id is None:
        return CommentOutcome.NOT_WAITING, None
    row = await store.get_feedback(session, feedback_id=feedback_id)
    if row is None or row.resident_id != resident.telegram_id:
        residents.set_state(session, resident, None)
        return CommentOutcome.NOT_WAITING, None
    text = text.strip()
    if not text:
        return CommentOutcome.EMPTY, row
    if len(text) > COMMENT_MAX:
        kept = text[:DRAFT_TEXT_MAX]
        residents.set_state(session, resident, residents.COMMENTING, {**(resident.draft or {}), "long_text": kept})
        return CommentOutcome.TOO_LONG, row
    row.comment = text
    region = await region_store.cached_region(session, code=row.region_code)
    await deadlines.start_clock(session, row, zone=region.timezone if region else "WIB", now=now,
                                default_days=default_days)
    store.save(session, row)
    residents.set_state(session, resident, None)
    return CommentOutcome.SAVED, row


async def save_trimmed_comment(
    session: AsyncSession, resident: Resident, feedback_id: int, *, now: datetime, default_days: int
) -> Feedback | None:
    """Save the first COMMENT_MAX characters of a comment that was too long."""
    if pending_feedback_id(resident) != feedback_id:
        return None
    long_text = (resident.draft or {}).get("long_text")
    if not isinstance(long_text, str):
        return None
    outcome, row = await add_comment(session, resident, long_text[:COMMENT_MAX], now=now, default_days=default_days)
    return row if outcome is CommentOutcome.SAVED else None


async def finish_without_comment(session: AsyncSession, resident: Resident, feedback_id: int) -> Feedback | None:
    """The resident skipped the comment; the rating stands. None if this rating is not the pending one."""
    if pending_feedback_id(resident) != feedback_id:
        return None
    row = await store.get_feedback(session, feedback_id=feedback_id)
    residents.set_state(session, resident, None)
    return row


async def program_to_rate(session: AsyncSession, *, program_id: int) -> Program | None:
    return await program_store.get_program(session, program_id=program_id)
