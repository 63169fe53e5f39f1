"""A resident's own data for /dataku: the JSON file with everything the bot holds, and the summary shown in the chat."""

from __future__ import annotations

import html
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import Translator
from storage import evidence as evidence_store
from storage import regions as region_store
from storage import resident_data as store
from storage import surveys as survey_store
from storage.evidence import Mark
from storage.models import Resident

FILENAME = "quickwin-data.json"
WHO = {"answer": "official", "status": "official", "followup": "you", "satisfaction": "you"}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class Counts:
    """What the summary in the chat counts."""

    ratings: int
    comments: int
    replies: int
    answers: int
    follows: int
    subscribed: bool
    draft: bool
    photos: int = 0  # photos added to comments (the file says which tickets; the images themselves are not in it)
    locations: int = 0
    survey_answers: int = 0  # answers (and skips) given in surveys


async def resident_data(session: AsyncSession, resident: Resident) -> tuple[dict[str, Any], Counts]:
    """Everything about the resident, as the JSON document holds it, and the figures of the chat's summary."""
    rid = resident.telegram_id
    rated = await store.ratings(session, resident_id=rid)
    said: dict[int, list[store.Said]] = defaultdict(list)
    for entry in await store.conversations(session, feedback_ids=[row.id for row in rated]):
        said[entry.feedback_id].append(entry)
    followed = await store.follows(session, resident_id=rid)
    marks = await evidence_store.marks(session, feedback_ids=[row.id for row in rated])
    moves: dict[int, list[store.Forwarded]] = defaultdict(list)
    for move in await store.forwards(session, feedback_ids=[row.id for row in rated]):
        moves[move.feedback_id].append(move)
    region = await region_store.cached_region(session, code=resident.region_code) if resident.region_code else None
    given = await survey_store.answers_of(session, resident_id=rid)
    data = {
        "telegram_id": rid,
        "language": resident.language,
        "region_code": resident.region_code,
        "region": region.name if region else None,
        "consent_at": _iso(resident.consent_at),
        "declined_at": _iso(resident.declined_at),
        "first_seen_at": _iso(resident.created_at),
        "last_seen_at": _iso(resident.updated_at),
        "bot_blocked": resident.blocked,
        "ratings_and_comments_refused_until": _iso(resident.muted_until),  # an admin's mute, if any
        "announcements": {
            "subscribed": resident.subscribed,
            "asked": resident.subscription_asked,
            "notify_new_programs": resident.notify_new_programs,
            "received": [{"announcement": d.broadcast_id, "status": d.status, "send_at": _iso(d.send_at)}
                         for d in await store.deliveries(session, resident_id=rid)],
        },
        "programs_followed": [{"program_id": f.program_id, "program": f.program, "region": f.region,
                               "since": _iso(f.since)} for f in followed],
        "feedback": [_ticket(row, said[row.id], marks.get(row.id), moves[row.id]) for row in rated],
        "survey_answers": [_survey_answer(a) for a in given],
        "current_step": resident.state,
        "draft": resident.draft,  # e.g. a comment too long to save, kept until the resident decides
        "admin_actions": [{"action": n.action, "at": _iso(n.at), "detail": n.detail}
                          for n in await store.notes(session, resident_id=rid)],
    }
    entries = [e for row in rated for e in said[row.id]]
    counts = Counts(
        ratings=len(rated), comments=sum(1 for row in rated if row.comment), follows=len(followed),
        replies=sum(1 for e in entries if e.kind == "followup"), answers=sum(1 for e in entries if e.kind == "answer"),
        subscribed=resident.subscribed, draft=bool(resident.draft),
        photos=sum(1 for m in marks.values() if m.photo), locations=sum(1 for m in marks.values() if m.district_code),
        survey_answers=len(given),
    )
    return data, counts


def _survey_answer(a: survey_store.Given) -> dict[str, Any]:
    """One survey answer as the resident gave it: the option's text, the 1–5 value, or what they wrote."""
    option = a.options[a.choice] if a.options and a.choice is not None and 0 <= a.choice < len(a.options) else None
    return {"survey_id": a.survey_id, "survey": a.survey, "question_number": a.position, "question": a.question,
            "kind": a.kind, "skipped": a.skipped, "option": option, "scale": a.scale, "text": a.text,
            "answered_at": _iso(a.answered_at)}


def _evidence(mark: Mark | None) -> dict[str, Any]:
    """Whether a photo and a location were stored; the photo itself is not copied into the file."""
    if mark is None:
        return {"photo_stored": False, "location": None}
    location = None
    if mark.district_code is not None:
        location = {"kecamatan_code": mark.district_code, "lat": mark.lat, "lon": mark.lon,
                    "precision": "exact point" if mark.exact else "centre of the kecamatan"}
    return {"photo_stored": mark.photo, "location": location}


def _ticket(row: store.Rated, conversation: list[store.Said], mark: Mark | None = None,
            moves: list[store.Forwarded] | None = None) -> dict[str, Any]:
    return {
        "ticket": row.ticket, "program": row.program, "region": row.region, "rating": row.rating,
        "comment": row.comment, "status": row.status, "satisfied": row.satisfied,
        "first_answer_due_at": _iso(row.due_at), "first_answer_at": _iso(row.answered_at),
        "closed_at": _iso(row.closed_at), "passed_to": row.forwarded_to,
        "forwarded": [{"from_region": m.from_region, "to_region": m.to_region, "to_body": m.body, "reason": m.reason,
                       "reference": m.reference, "at": _iso(m.at)} for m in moves or []],
        "counts_in_figures": not row.superseded and row.moderation is None,
        "marked_by_officials": row.moderation,  # spam | abusive, if an official marked it
        "created_at": _iso(row.created_at), "updated_at": _iso(row.updated_at),
        "evidence": _evidence(mark),
        "conversation": [
            {"from": WHO[e.kind], "kind": e.kind, "text": e.text, "status": e.status, "at": _iso(e.at)}
            for e in conversation
        ],
    }


def to_json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def summary(t: Translator, counts: Counts, region_name: str | None) -> str:
    """A few lines for the chat, under the file (a document's caption: well within Telegram's 1,024 characters)."""
    _ = t.gettext
    lines = [_("<b>Your data</b>: this file holds everything we keep about you."), ""]
    lines.append(_("Region: {region}").format(region=html.escape(region_name)) if region_name else _("Region: not chosen"))
    parts = [
        t.ngettext("{n} rating", "{n} ratings", counts.ratings).format(n=counts.ratings),
        t.ngettext("{n} comment", "{n} comments", counts.comments).format(n=counts.comments),
        t.ngettext("{n} reply of yours", "{n} replies of yours", counts.replies).format(n=counts.replies),
        t.ngettext("{n} answer from officials", "{n} answers from officials", counts.answers).format(n=counts.answers),
        t.ngettext("Following {n} program", "Following {n} programs", counts.follows).format(n=counts.follows),
    ]
    lines += [", ".join(parts[:2]), ", ".join(parts[2:4]), parts[4]]
    lines.append(_("Announcements: on") if counts.subscribed else _("Announcements: off"))
    if counts.photos or counts.locations:
        lines.append(_("Photos added: {photos}, locations added: {locations} (the file says which ticket; "
                       "the photos themselves are not in it).").format(photos=counts.photos, locations=counts.locations))
    if counts.survey_answers:
        lines.append(t.ngettext("{n} survey answer", "{n} survey answers", counts.survey_answers).format(
            n=counts.survey_answers))
    if counts.draft:
        lines.append(_("Also kept: your unfinished step (“draft” in the file)."))
    lines += ["", _("To delete all of it, type /hapusdata.")]
    return "\n".join(lines)
