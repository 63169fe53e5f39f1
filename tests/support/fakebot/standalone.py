"""The standalone server for manual trials: ``python -m tests.support.fakebot --help``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
from collections.abc import Callable, Iterable
from typing import Any

from tests.support.fakebot.records import DEFAULT_TOKEN
from tests.support.fakebot.server import FakeBotAPI


async def _serve(args: argparse.Namespace) -> None:
    api = FakeBotAPI(
        args.token,
        host=args.host,
        port=args.port,
        flood_control=args.flood,
        global_rate=args.global_rate,
        per_chat_rate=args.per_chat_rate,
        per_chat_burst=args.per_chat_burst,
        group_limit=args.group_limit,
        group_window=args.group_window,
        paid_rate=args.paid_rate,
        store_messages=args.store_messages,
        accept_any_chat=args.accept_any_chat,
        blocked_users=args.blocked,
        record_calls=args.record_calls,
    )
    await api.start()
    print(api.url, flush=True)
    if args.flood:
        print(
            f"flood control: {args.global_rate:g}/s overall, {args.per_chat_rate:g}/s per chat "
            f"(burst {args.per_chat_burst}), {args.group_limit} per {args.group_window:g}s per group, "
            f"{args.paid_rate:g}/s paid",
            flush=True,
        )
    print(
        f"token {api.token}; bot base_url {api.bot_base_url}; base_file_url {api.file_base_url}\n"
        f'push a message: curl -X POST {api.url}/_fake/message -d \'{{"user_id": 1, "text": "/start"}}\'\n'
        f"press a button: curl -X POST {api.url}/_fake/callback "
        f'-d \'{{"user_id": 1, "message_id": 2, "data": "..."}}\'\n'
        f"see replies:    curl {api.url}/_fake/sent/1   errors: curl {api.url}/_fake/errors\n"
        f"inject a fault: curl -X POST {api.url}/_fake/fail "
        f'-d \'{{"method": "sendMessage", "status": 403}}\'   stats: curl {api.url}/_fake/stats\n'
        f"random faults:  curl -X POST {api.url}/_fake/fail_randomly "
        f'-d \'{{"methods": ["sendMessage"], "status": 0, "drop": "before", "probability": 0.1}}\'\n'
        f"outage:         curl -X POST {api.url}/_fake/down -d '{{\"seconds\": 5}}'"
        f"   (or kill -USR1 / -USR2 {os.getpid()} for down / up)",
        flush=True,
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stopping.set)
    outage_tasks: set[asyncio.Task[None]] = set()

    def toggle(action: Callable[[], Any]) -> None:
        task = loop.create_task(action())
        outage_tasks.add(task)
        task.add_done_callback(outage_tasks.discard)

    outage_signals = (("SIGUSR1", api.go_down), ("SIGUSR2", api.come_back))  # not on Windows
    for name, action in outage_signals:
        if hasattr(signal, name):
            loop.add_signal_handler(getattr(signal, name), toggle, action)
    try:
        await stopping.wait()
    finally:
        await api.stop()
        print("stopped", flush=True)


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.fakebot", description="Fake Telegram Bot API server for manual trials"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument(
        "--flood", action="store_true", help="enable Telegram-like flood control (429s)"
    )
    parser.add_argument("--global-rate", type=float, default=30.0, metavar="PER_SECOND")
    parser.add_argument("--per-chat-rate", type=float, default=1.0, metavar="PER_SECOND")
    parser.add_argument(
        "--per-chat-burst", type=int, default=3, metavar="N", help="messages a private chat may get at once"
    )
    parser.add_argument(
        "--group-limit", type=int, default=20, metavar="N", help="messages per group within --group-window"
    )
    parser.add_argument("--group-window", type=float, default=60.0, metavar="SECONDS")
    parser.add_argument("--paid-rate", type=float, default=1000.0, metavar="PER_SECOND")
    parser.add_argument(
        "--accept-any-chat", action="store_true", help="let the bot write to chats never seen"
    )
    parser.add_argument(
        "--no-store-messages",
        dest="store_messages",
        action="store_false",
        help="keep delivery counters only, not the messages",
    )
    parser.add_argument(
        "--no-record-calls", dest="record_calls", action="store_false", help="keep no Call objects"
    )
    parser.add_argument(
        "--blocked",
        type=lambda v: [int(x) for x in v.split(",") if x.strip()],
        default=[],
        metavar="ID,ID",
        help="users who blocked the bot (sends get 403)",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C where signal handlers are unsupported
        asyncio.run(_serve(args))
