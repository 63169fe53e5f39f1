"""`quickwin broadcast …` and `quickwin export-programs`: announcements and the catalogue from the command line."""

from __future__ import annotations

import argparse
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import broadcast as service
from bot.services.telegram_html import escape_ampersands
from bot.telegram.priority import Priority
from storage import outbound_status as outbound_store
from storage import programs as program_store
from storage.seed import PROGRAM_COLUMNS

BAR = 30


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", nargs="?", choices=["status", "cancel"], help="without it: create a broadcast")
    p.add_argument("id", nargs="?", type=int, help="the broadcast id, for status and cancel")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--region", help="subscribers of one region (Kemendagri code, e.g. 32.73)")
    who.add_argument("--province", help="subscribers of a province (two-digit code, e.g. 32)")
    who.add_argument("--program", type=int, help="followers of a program (its id)")
    who.add_argument("--all", action="store_true", help="every subscriber")
    p.add_argument("--text-file", type=Path, help="the announcement, Telegram HTML, UTF-8")
    p.add_argument("--photo", type=Path, help="a JPEG or PNG to send with it (the text becomes its caption)")
    p.add_argument("--at", help='when, in the audience\'s local time: "2026-12-01 09:00" (default: now)')
    p.add_argument("--urgent", action="store_true", help="a warning: sent at once, quiet hours or not")


def bar(done: int, total: int) -> str:
    filled = round(BAR * done / total) if total else BAR
    return "[" + "#" * filled + "-" * (BAR - filled) + "]"


async def run(session: AsyncSession, args: argparse.Namespace) -> tuple[int, list[str]]:
    """One broadcast command; (exit code, lines to print)."""
    now = datetime.now(UTC)
    if args.action in ("status", "cancel"):
        if args.id is None:
            return 2, [f"Give the broadcast id: quickwin broadcast {args.action} ID"]
        if args.action == "cancel":
            cancelled = await service.cancel(session, None, args.id)
            return (0, [f"Broadcast {args.id} cancelled."]) if cancelled else (1, [f"Broadcast {args.id} is not running."])
        p = await service.progress(session, args.id, now=now)
        if p is None:
            return 1, [f"No broadcast {args.id}."]
        percent = 100 * p.done // p.total if p.total else 100
        line = (f"{bar(p.done, p.total)} {percent}%  sent {p.sent} · blocked {p.blocked} · failed {p.failed} · "
                f"waiting {p.pending} of {p.total}")
        if p.rate:
            line += f" · {p.rate:.1f}/s"
        if p.eta:
            line += f" · about {int(p.eta.total_seconds())} s left"
        return 0, [f"Broadcast {args.id}: {p.broadcast.state}", line, *await outbound_lines(session, now)]
    kind, code = ("region", args.region) if args.region else ("province", args.province) if args.province else (
        ("program", str(args.program)) if args.program else ("all", None) if args.all else (None, None))
    if kind is None or args.text_file is None:
        return 2, ["Say who it is for (--region, --province, --program or --all) and give --text-file."]
    audience = await service.resolve_audience(session, None, kind, code)
    if audience is None:
        return 2, [f"No such audience: {kind} {code}."]
    try:
        text = escape_ampersands(args.text_file.read_text(encoding="utf-8").strip())
        photo = args.photo.read_bytes() if args.photo else None
    except (OSError, UnicodeDecodeError) as exc:
        return 2, [f"Cannot read the file: {exc}"]
    problem = service.validate(text, with_photo=photo is not None)
    if problem is not None:
        return 2, [f"Telegram would refuse this text: {problem.kind} {problem.detail}".strip()]
    if photo is not None and not photo.startswith((b"\xff\xd8", b"\x89PNG")):
        return 2, ["The photo must be a JPEG or PNG file."]
    try:
        send_at = service.parse_local_time(args.at, audience.zone) if args.at else now
    except ValueError:
        return 2, ['--at must look like "2026-12-01 09:00" (local time of the audience).']
    b = await service.create(session, None, audience, text=text, photo=photo, urgent=args.urgent, send_at=send_at)
    when = "now" if send_at <= now else f"at {args.at} {audience.zone}"
    return 0, [f"Broadcast {b.id} to {b.total} recipients ({audience.name}) will be sent {when} by the running bot.",
               f"Follow it with: quickwin broadcast status {b.id}"]


async def outbound_lines(session: AsyncSession, now: datetime) -> list[str]:
    """What each running bot process's outbound path reported in the last minute."""
    reports = await outbound_store.recent(session, since=now - timedelta(minutes=1))
    if not reports:
        return ["Outbound path: no bot process has reported in the last minute (is `quickwin run`/`serve` running?)."]
    lines = []
    for at, r in reports:
        waiting = r.get("queued", {})
        queued = " ".join(f"{p.name.lower()} {waiting.get(p.name.lower(), 0)}" for p in Priority)
        state = "reachable" if r.get("reachable", True) else "TELEGRAM UNREACHABLE"
        lines.append(
            f"Outbound path of {r.get('process')} ({int((now - at).total_seconds())} s ago): Telegram {state} · "
            f"{r.get('rate', 0):.1f} messages/s · queued: {queued} · longest wait {r.get('max_wait', 0):.1f} s · "
            f"{r.get('retries', 0)} retries · {r.get('rate_limited', 0)} × 429 since start"
        )
    return lines


async def export_programs(session: AsyncSession, region: str | None) -> str:
    """The listed programs as CSV in the import format (so an export can be edited and imported elsewhere)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PROGRAM_COLUMNS)
    for p in await program_store.listed_programs(session, region_code=region):
        writer.writerow([getattr(p, column) or "" for column in PROGRAM_COLUMNS])
    return out.getvalue()
