"""One bot process that sends N messages at once through the outbound path (for the multi-process test).

    python -m tests.support.outbound_sender --api URL --token T --first 1000 --count 100 [--redis URL] [--processes N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from telegram.ext import ExtBot

from bot.telegram.outbound import Limits, Outbound
from bot.telegram.runner import quiet_ptb_warnings


async def main(args: argparse.Namespace) -> dict[str, float]:
    limits = Limits(rate=args.rate, processes=args.processes, redis_url=args.redis,
                    redis_key=f"quickwin:outbound:test:{args.key}", chat_rate=1.0, chat_burst=2)
    outbound = Outbound(limits, api_url=args.api)
    bot: ExtBot[dict[str, object]] = ExtBot(args.token, base_url=f"{args.api}/bot", rate_limiter=outbound)
    await bot.initialize()
    started = time.monotonic()
    try:
        await asyncio.gather(*(bot.send_message(chat, f"Pesan {chat}") for chat in
                               range(args.first, args.first + args.count)))
    finally:
        await bot.shutdown()
    return {"seconds": time.monotonic() - started, "sent": args.count,
            "retry_after": outbound.report.rate_limited}


if __name__ == "__main__":
    quiet_ptb_warnings()
    p = argparse.ArgumentParser()
    p.add_argument("--api", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--first", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--rate", type=float, default=28.0)
    p.add_argument("--processes", type=int, default=1)
    p.add_argument("--redis")
    p.add_argument("--key", default="default")
    print(json.dumps(asyncio.run(main(p.parse_args()))))
    sys.exit(0)
