"""`quickwin holidays …` and `quickwin region …`: what working-day due dates count with.

`holidays` keeps the days off admins add (bot/cli/holidays.py); `region set-days 32.73 7` gives a region its
own number of working days for a first answer (`default` goes back to ANSWER_DAYS), `region show 32.73` says what
applies. Every change is written to the audit log.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli.holidays import add_arguments as add_holiday_arguments
from bot.cli.holidays import holidays_command
from bot.config import StoreSettings, load_settings
from bot.services import deadlines
from storage import regions as region_store

DAYS_MAX = 60


def _days(text: str) -> int | None:
    if text == "default":
        return None
    if not text.isdigit() or not 1 <= int(text) <= DAYS_MAX:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of working days from 1 to {DAYS_MAX}, or default")
    return int(text)


def add_parsers(sub: argparse._SubParsersAction, command: Callable[[argparse.Namespace], int]) -> None:
    hol = sub.add_parser("holidays", help="the days off that working-day due dates skip (national ones, cuti bersama, added)")
    add_holiday_arguments(hol)
    hol.set_defaults(fn=command)
    reg = sub.add_parser("region", help="a region's own number of working days for a first answer")
    reg_sub = reg.add_subparsers(dest="region_command", required=True)
    days = reg_sub.add_parser("set-days", help="set the working days for a first answer (or `default`)")
    days.add_argument("code", help="Kemendagri code, e.g. 32.73")
    days.add_argument("days", type=_days, help=f"1–{DAYS_MAX}, or default (ANSWER_DAYS)")
    show = reg_sub.add_parser("show", help="what a region's due dates count with")
    show.add_argument("code", help="Kemendagri code, e.g. 32.73")
    reg.set_defaults(fn=command)


async def deadlines_command(session: AsyncSession, args: argparse.Namespace) -> tuple[int, list[str]]:
    """Run `holidays …` or `region …`; (exit code, lines to print)."""
    if args.command == "holidays":
        return await holidays_command(session, args)
    default = load_settings(StoreSettings).answer_days
    region = await region_store.get_region(session, code=args.code)
    if region is None:
        return 2, [f"Unknown region code: {args.code} (use Kemendagri codes such as 32.73)."]
    if args.region_command == "set-days":
        await deadlines.set_region_days(session, None, region_code=region.code, days=args.days)
        days = args.days if args.days is not None else default
        source = "its own" if args.days is not None else "ANSWER_DAYS, the default"
        return 0, [f"{region.name} ({region.code}): a first answer is due within {days} working days ({source})."]
    days = region.answer_days if region.answer_days is not None else default
    source = "its own" if region.answer_days is not None else "ANSWER_DAYS, the default"
    return 0, [f"{region.name} ({region.code}, {region.timezone}): {days} working days for a first answer ({source})."]
