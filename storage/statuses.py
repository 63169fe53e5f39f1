"""The statuses the tables store, as `StrEnum`s: each member equals the stored string, so rows, callback data and
addresses keep their values, and a comparison with a plain string still holds."""

from __future__ import annotations

from enum import StrEnum


class FeedbackStatus(StrEnum):
    """A ticket's (a feedback row's) place in the officials' work."""

    NEW = "baru"
    IN_PROGRESS = "diproses"
    DONE = "selesai"


class ForwardBody(StrEnum):
    """Where a ticket goes that is not the kabupaten/kota's to handle (feedback.forwarded_to)."""

    PROVINCE = "provinsi"
    NATIONAL = "pusat"  # a national ministry or agency
    UTILITY = "utilitas"  # PLN, PDAM, a telecom operator…
    LAPOR = "lapor"  # SP4N-LAPOR!


class ProgramStatus(StrEnum):
    PLANNED = "direncanakan"
    RUNNING = "berjalan"
    COMPLETED = "selesai"


class BroadcastState(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


BROADCAST_GOING = (BroadcastState.SCHEDULED, BroadcastState.SENDING)  # may still send
BROADCAST_ENDED = (BroadcastState.DONE, BroadcastState.CANCELLED)


class RecipientStatus(StrEnum):
    """One recipient of a broadcast."""

    PENDING = "pending"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


def sql_list(statuses: type[StrEnum]) -> str:
    """The members as an SQL list, for a CHECK constraint: 'a', 'b', 'c'."""
    return ", ".join(f"'{s}'" for s in statuses)


class QuestionKind(StrEnum):
    """A survey question: one of up to 6 options, a 1–5 scale, or a short text."""

    CHOICE = "choice"
    SCALE = "scale"
    TEXT = "text"
