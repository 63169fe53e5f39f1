"""One photo and one location a resident may add to a comment, kept private by default.

A photo is decoded and re-encoded (Pillow, bot/services/photos.py), never stored as sent: upright as the camera
meant it, at most LONG_SIDE pixels on its long side, as a JPEG without EXIF, ICC or XMP — so no camera position,
device or time survives. It is kept in the database (evidence.photo) or, with EVIDENCE_DIR set, in that folder under a random
name (evidence.photo_file). A location is kept as the centre of its kecamatan (bot/services/kecamatan.py) unless
the resident agrees to keep the exact point. A second photo or location replaces the first.

Where the resident is in this flow lives in the database (state EVIDENCE, the ticket's id in the draft), as the
comment flow does: any process can take the next message, a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import photos
from bot.services.kecamatan import Kecamatan, shared
from bot.services.photos import BadPhoto, Photo, PhotoProblem
from storage import evidence as store
from storage import feedback as feedback_store
from storage import residents as resident_store
from storage.evidence import Mark
from storage.models import Feedback, Resident, utcnow
from storage.tables_tickets import Evidence

EVIDENCE = "evidence"  # the flow state: a comment was saved, a photo or a location may follow
OFFER_HOURS = 24
DOWNLOAD_MAX = 10 * 1024 * 1024  # bytes fetched from Telegram at most (its getFile allows 20 MB)
PIXELS_MAX = 40_000_000  # a larger picture is refused before it is decoded (a decompression bomb)
SIDE_MIN = 32  # a smaller picture shows nothing an official could use
LONG_SIDE = 1600
QUALITY = 85
FORMATS = frozenset({"JPEG", "PNG", "WEBP"})  # what Telegram's photos and phones' pictures come as

__all__ = ["EVIDENCE", "BadPhoto", "Mark", "Photo", "PhotoProblem", "offer", "reencode", "waiting_for"]


def reencode(data: bytes) -> Photo:
    """The picture decoded, turned upright, downscaled and saved again as a JPEG with no metadata at all.

    Raises BadPhoto for anything that is not a sane picture. CPU work: call it off the event loop."""
    width, height = photos.probe(data, bytes_max=DOWNLOAD_MAX, formats=FORMATS)
    if width * height > PIXELS_MAX:
        raise BadPhoto(PhotoProblem.TOO_BIG)
    if min(width, height) < SIDE_MIN:
        raise BadPhoto(PhotoProblem.TOO_SMALL)
    return photos.encode(data, long_side=LONG_SIDE, quality=QUALITY)


# --- the flow -----------------------------------------------------------------------------------------------


def offer(session: AsyncSession, resident: Resident, feedback_id: int, *, now: datetime) -> None:
    """The comment is saved: a photo or a location for it may follow, for OFFER_HOURS."""
    _set_state(session, resident, EVIDENCE, {"evidence": feedback_id, "since": now.isoformat()})


def _set_state(session: AsyncSession, resident: Resident, state: str | None, draft: dict[str, object] | None) -> None:
    # As bot.services.residents.set_state, which imports this module for the erasure.
    resident.state, resident.draft = state, draft
    resident_store.touch(session, resident)


def waiting_for(resident: Resident, now: datetime) -> int | None:
    """The ticket a photo or location would go to, or None when no comment is waiting for one.

    A location shared days later is meant for something else (the region, handlers/region.py): the offer ends
    after OFFER_HOURS, or with the resident's next text."""
    if resident.state != EVIDENCE or not resident.draft:
        return None
    value, since = resident.draft.get("evidence"), resident.draft.get("since")
    try:
        started = datetime.fromisoformat(since) if isinstance(since, str) else None
    except ValueError:
        started = None
    if not isinstance(value, int) or started is None or now - started > timedelta(hours=OFFER_HOURS):
        return None
    return value


async def own_ticket(session: AsyncSession, resident: Resident, feedback_id: int) -> Feedback | None:
    """The resident's own commented ticket, or None (someone else's, erased, or a forged id)."""
    row = await feedback_store.get_feedback(session, feedback_id=feedback_id)
    if row is None or row.resident_id != resident.telegram_id or not row.comment:
        return None
    return row


def finish(session: AsyncSession, resident: Resident) -> None:
    if resident.state == EVIDENCE:
        _set_state(session, resident, None, None)


def location_received(session: AsyncSession, resident: Resident) -> None:
    """A location came (or the keyboard was closed): the keyboard may be asked for again, the choice is open."""
    draft = resident.draft or {}
    resident.draft = {key: draft[key] for key in ("evidence", "since") if key in draft}
    session.add(resident)


def decide_location(session: AsyncSession, resident: Resident) -> bool:
    """The resident chose the precision of the latest location; False when they already had (a double tap)."""
    if (resident.draft or {}).get("decided"):
        return False
    resident.draft = {**(resident.draft or {}), "decided": True}
    session.add(resident)
    return True


def mark_location_asked(session: AsyncSession, resident: Resident) -> bool:
    """The location keyboard is being shown; False when it already was (a double tap)."""
    if (resident.draft or {}).get("asked"):
        return False
    resident.draft = {**(resident.draft or {}), "asked": True}
    session.add(resident)
    return True


async def _row(session: AsyncSession, feedback_id: int) -> Evidence:
    row = await store.get(session, feedback_id=feedback_id)
    return row if row is not None else Evidence(feedback_id=feedback_id)


async def put_photo(session: AsyncSession, feedback_id: int, photo: Photo, *, folder: str | None) -> tuple[bool, str | None]:
    """Keep the photo (replacing an earlier one); (replaced, the earlier file to delete once committed)."""
    row = await _row(session, feedback_id)
    replaced = row.photo is not None or row.photo_file is not None
    old_file = row.photo_file
    if folder:
        row.photo, row.photo_file = None, await asyncio.to_thread(_write, Path(folder), photo.jpeg)
    else:
        row.photo, row.photo_file = photo.jpeg, None
    row.photo_width, row.photo_height, row.at = photo.width, photo.height, utcnow()
    store.save(session, row)
    return replaced, old_file


def _write(folder: Path, data: bytes) -> str:
    """A new file under a random name in the folder (never a name from input); the name."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.jpg"
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return name


async def put_location(session: AsyncSession, feedback_id: int, place: Kecamatan, *, exact: tuple[float, float] | None = None) -> bool:
    """Keep the location: the kecamatan's centre, or the exact point the resident agreed to; True if it replaced one."""
    row = await _row(session, feedback_id)
    replaced = row.district_code is not None
    row.lat, row.lon = exact if exact is not None else (place.lat, place.lon)
    row.district_code, row.exact, row.at = place.code, exact is not None, utcnow()
    store.save(session, row)
    return replaced and exact is None


def locate(lat: float, lon: float, region: str | None) -> Kecamatan:
    return shared().locate(lat, lon, region)


def place(code: str) -> Kecamatan | None:
    return shared().get(code)


def kecamatan_name(code: str | None) -> str | None:
    """The kecamatan's name, for the inbox and the dashboard."""
    found = shared().get(code) if code else None
    return found.name if found else None


async def marks(session: AsyncSession, feedback_ids: list[int]) -> dict[int, Mark]:
    return await store.marks(session, feedback_ids=feedback_ids)


async def photo_bytes(session: AsyncSession, feedback_id: int, *, folder: str | None) -> bytes | None:
    """The stored photo of a ticket (the caller checked who may see it), or None."""
    data, name = await store.photo_of(session, feedback_id=feedback_id)
    if data is not None:
        return bytes(data)
    if name and folder:
        return await asyncio.to_thread(_read, Path(folder), name)
    return None


def _read(folder: Path, name: str) -> bytes | None:
    try:
        return (folder / Path(name).name).read_bytes()
    except FileNotFoundError:
        return None


def remove_files(folder: str | None, names: list[str]) -> None:
    """Delete photo files from the folder (already deleted ones are fine)."""
    if not folder:
        return
    for name in names:
        (Path(folder) / Path(name).name).unlink(missing_ok=True)


async def erase(session: AsyncSession, resident: Resident, *, folder: str | None) -> None:
    """Delete the photos and locations of every ticket of the resident, files in the folder too."""
    names = await store.remove_for_resident(session, resident_id=resident.telegram_id)
    await asyncio.to_thread(remove_files, folder, names)
