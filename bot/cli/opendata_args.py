"""The arguments of `quickwin opendata export/push` (bot/cli/opendata.py runs them; kept apart so that the other
commands start without loading the CKAN client)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path


def _moment(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a moment: write it as 2026-03-31T17:00:00Z") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone: end it with Z (UTC) or +07:00 (WIB)")
    return value.astimezone(UTC)


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="opendata_command", required=True)
    exp = sub.add_parser("export", help="write the open-data files (CSV, JSON, metadata) into a folder")
    exp.add_argument("dir", type=Path, help="the folder to write into (created if missing; our files are replaced)")
    push = sub.add_parser("push", help="create or update the datasets and their files on a CKAN portal")
    push.add_argument("--ckan", required=True, help="the portal's address, e.g. https://data.bandung.go.id")
    push.add_argument("--api-key", help="an API token of a user who may edit the organization's datasets "
                                        "(default: the CKAN_API_KEY environment variable)")
    push.add_argument("--org", help="the organization (its name on the portal) that owns the datasets")
    for command in (exp, push):
        command.add_argument("--region", action="append", default=[],
                             help="only this kabupaten/kota's dataset (Kemendagri code, e.g. 32.73; repeatable); "
                                  "default: the national dataset and every region's")
        command.add_argument("--as-of", type=_moment, default=None,
                             help="count the figures as they stood at this moment, e.g. 2026-03-31T17:00:00Z "
                                  "(default: now)")
