"""`quickwin official add/list/remove`: the roster of officials, kept from the command line."""

from __future__ import annotations

import argparse

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.officials import record
from storage import officials as store
from storage import regions as region_store


async def roster_command(session: AsyncSession, args: argparse.Namespace) -> tuple[int, list[str]]:
    """Run one roster command; (exit code, lines to print)."""
    if args.official_command == "list":
        rows = await store.list_officials(session)
        if not rows:
            return 0, ["No officials yet. Add one with: quickwin official add --telegram-id N --region 32.73"]
        return 0, [
            f"{o.telegram_id}\t{o.role}\tdigest {'on' if o.digest else 'off'}\t{', '.join(codes) or '-'}"
            + (f"\tcoordinator of {', '.join(led)}" if led else "")
            for o, codes, led in rows
        ]
    codes = [code.strip() for code in args.region]
    unknown = [code for code in codes if await region_store.get_region(session, code=code) is None]
    if unknown:
        return 2, [f"Unknown region code(s): {', '.join(unknown)} (use Kemendagri codes such as 32.73)."]
    if args.official_command == "add":
        if not codes and not args.admin:
            return 2, ["Give at least one --region, or --admin."]
        coordinator = getattr(args, "coordinator", None)
        if coordinator is not None and not codes:
            return 2, ["--coordinator needs the --region(s) the official coordinates."]
        official = await store.add_official(session, telegram_id=args.telegram_id, region_codes=codes, admin=args.admin,
                                            coordinator=coordinator)
        record(session, None, "official.add", str(args.telegram_id), regions=codes, role=official.role,
               coordinator=coordinator)
        now = await store.official_regions(session, telegram_id=args.telegram_id)
        lines = [f"{args.telegram_id} is now {official.role} of: {', '.join(now) or 'every region (admin)'}."]
        if coordinator is not None:
            lines.append(f"{'Coordinator' if coordinator else 'No longer coordinator'} of: {', '.join(codes)} "
                         "(told when a ticket there is overdue).")
        return 0, lines
    removed = await store.remove_official(session, telegram_id=args.telegram_id, region_codes=codes or None)
    if not removed:
        return 1, [f"Nothing to remove for {args.telegram_id}."]
    record(session, None, "official.remove", str(args.telegram_id), regions=codes or "all")
    return 0, [f"Removed {args.telegram_id}" + (f" from {', '.join(codes)}." if codes else ".")]
