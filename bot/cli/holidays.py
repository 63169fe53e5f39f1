"""`quickwin holidays add/remove/list`: the days off that due dates skip, besides weekends.

Indonesia's national holidays and the cuti bersama of the joint decree come from the `holidays` package; an
admin adds what it does not know yet (`quickwin holidays add 2026-12-24 --name "Cuti bersama Natal"`).
Every change is written to the audit log.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import workdays


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-12-24") from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="holidays_command", required=True)
    add = sub.add_parser("add", help="add a day off for the whole country (a cuti bersama, say), or rename one")
    add.add_argument("day", type=_day, help="YYYY-MM-DD")
    add.add_argument("--name", required=True, help='what it is, e.g. "Cuti bersama Natal"')
    rem = sub.add_parser("remove", help="remove a day you added (national holidays stay)")
    rem.add_argument("day", type=_day, help="YYYY-MM-DD")
    lst = sub.add_parser("list", help="the year's days off: national holidays, cuti bersama and the days added")
    lst.add_argument("--year", type=int, default=None, help="default: this year")


async def holidays_command(session: AsyncSession, args: argparse.Namespace) -> tuple[int, list[str]]:
    """Run one holidays command; (exit code, lines to print)."""
    if args.holidays_command == "add":
        if not args.name.strip():
            return 2, ["--name must say what the day is."]
        new = await workdays.add_day_off(session, None, day=args.day, name=args.name)
        return 0, [f"{'Added' if new else 'Renamed'} {args.day.isoformat()}: {' '.join(args.name.split())}."]
    if args.holidays_command == "remove":
        if not await workdays.remove_day_off(session, None, day=args.day):
            return 1, [f"{args.day.isoformat()} was not added with `quickwin holidays add` (national holidays "
                       "come from the holidays package and cannot be removed here)."]
        return 0, [f"Removed {args.day.isoformat()}."]
    calendar = await workdays.load_calendar(session)
    year = args.year or datetime.now(UTC).year
    added = set(calendar.extra)
    return 0, [f"{day.isoformat()} {day.strftime('%a')}\t{name}{' (added)' if day in added else ''}"
               for day, name in calendar.days_off([year])]
