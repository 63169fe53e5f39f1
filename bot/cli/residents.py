"""`quickwin resident mute/unmute/muted`: an admin mutes a resident who abuses the service, for a time.

A muted resident can still read programs and announcements; their ratings, comments and replies are
refused politely, with the time the mute ends. Every mute and unmute is written to the audit log.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import moderation


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="resident_command", required=True)
    mute = sub.add_parser("mute", help="refuse a resident's ratings, comments and replies for some hours")
    mute.add_argument("--telegram-id", type=int, required=True, help="the resident's numeric Telegram user id")
    mute.add_argument("--hours", type=int, default=24, help=f"1 to {moderation.MUTE_MAX_HOURS} (default 24)")
    mute.add_argument("--reason", help="why, for the audit log")
    unmute = sub.add_parser("unmute", help="end a resident's mute now")
    unmute.add_argument("--telegram-id", type=int, required=True)
    sub.add_parser("muted", help="the residents muted now, and until when")


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


async def resident_command(session: AsyncSession, args: argparse.Namespace) -> tuple[int, list[str]]:
    """Run one resident command; (exit code, lines to print)."""
    now = datetime.now(UTC)
    if args.resident_command == "muted":
        rows = await moderation.muted_residents(session, now=now)
        if not rows:
            return 0, ["Nobody is muted."]
        return 0, [f"{telegram_id}\tmuted until {_utc(until)}" for telegram_id, until in rows]
    unknown = (f"No resident with Telegram id {args.telegram_id} (they never wrote to the bot, "
               "or they deleted their data).")
    if args.resident_command == "unmute":
        ended = await moderation.unmute(session, actor_id=None, telegram_id=args.telegram_id, now=now)
        if ended is None:
            return 1, [unknown]
        return 0, [f"{args.telegram_id} can rate and comment again." if ended else f"{args.telegram_id} was not muted."]
    if not 1 <= args.hours <= moderation.MUTE_MAX_HOURS:
        return 2, [f"--hours must be between 1 and {moderation.MUTE_MAX_HOURS}."]
    until = await moderation.mute(session, actor_id=None, telegram_id=args.telegram_id, hours=args.hours,
                                  reason=args.reason, now=now)
    if until is None:
        return 1, [unknown]
    done = (f"{args.telegram_id} is muted until {_utc(until)}: they can read programs, "
            "but their ratings, comments and replies are refused.")
    return 0, [done]
