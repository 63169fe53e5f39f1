"""The arguments of the `quickwin` subcommands that keep the roster, tokens and the catalogue (the parser itself is
bot/cli/__init__.py's; each caller sets the function that runs the command)."""

from __future__ import annotations

import argparse
from typing import Any

Subparsers = Any  # argparse's _SubParsersAction, private in typeshed


def add_import(sub: Subparsers) -> argparse.ArgumentParser:
    imp = sub.add_parser("import", help="import a region's programs from a CSV file (all or nothing)")
    imp.add_argument("file", help="CSV with columns region_code,name,description,dimension,agency,status,source_url"
                                  "[,source_date]")
    return imp


def add_official(sub: Subparsers) -> argparse.ArgumentParser:
    off = sub.add_parser("official", help="manage the officials who read and answer a region's feedback")
    off_sub = off.add_subparsers(dest="official_command", required=True)
    add = off_sub.add_parser("add", help="make a Telegram user an official of one or more regions")
    add.add_argument("--telegram-id", type=int, required=True, help="the official's numeric Telegram user id")
    add.add_argument("--region", action="append", default=[], help="Kemendagri code, e.g. 32.73 (repeatable)")
    add.add_argument("--admin", action="store_true", help="an admin: sees every region")
    add.add_argument("--coordinator", action=argparse.BooleanOptionalAction, default=None,
                     help="told of the region's overdue tickets (--no-coordinator ends it; default: unchanged)")
    rem = off_sub.add_parser("remove", help="remove an official, or only some of their regions")
    rem.add_argument("--telegram-id", type=int, required=True)
    rem.add_argument("--region", action="append", default=[], help="remove only this region (repeatable)")
    off_sub.add_parser("list", help="list officials and their regions")
    return off


def add_token(sub: Subparsers) -> argparse.ArgumentParser:
    tok = sub.add_parser("token", help="manage the data API's tokens (one region each)")
    tok_sub = tok.add_subparsers(dest="token_command", required=True)
    create = tok_sub.add_parser("create", help="create a token for a region; it is printed once, only its hash is kept")
    create.add_argument("--region", required=True, help="Kemendagri code, e.g. 32.73")
    create.add_argument("--label", help='who uses it, e.g. "Satu Data Bandung"')
    tok_sub.add_parser("list", help="list tokens (never their secrets)")
    revoke = tok_sub.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("id", type=int, help="the token's id, as in `quickwin token list`")
    return tok


def add_demo(sub: Subparsers) -> argparse.ArgumentParser:
    demo = sub.add_parser("demo", help="the bot, the dashboard and the simulator on 127.0.0.1, seeded, no token needed")
    demo.add_argument("--port", type=int, default=8080, help="where the dashboard listens (default 8080)")
    demo.add_argument("--keep", action="store_true", help="keep the demo's database folder when it stops")
    return demo


def add_export_programs(sub: Subparsers) -> argparse.ArgumentParser:
    exp = sub.add_parser("export-programs", help="the listed programs as CSV, in the format `import` reads")
    exp.add_argument("--region", help="only this region (Kemendagri code)")
    exp.add_argument("--output", help="write to this file instead of standard output")
    return exp
