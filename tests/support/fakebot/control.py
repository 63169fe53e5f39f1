"""The control API under ``/_fake/``, for the standalone server: push messages and presses, read replies,
errors and stats, inject faults, go down for a while."""

from __future__ import annotations

import asyncio

from aiohttp import web

from tests.support.fakebot.records import _json_dumps


class ControlMixin:
    """The /_fake/ control API.

    A part of ``FakeBotAPI``, whose ``__init__`` holds the state.
    """

    async def _fake_message(self, request: web.Request) -> web.Response:
        """{"user_id", "text"?, "first_name"?, "language_code"?, "chat_id"?, "title"?}: a message
        from the user, in a group when ``chat_id`` (negative) is given."""
        body = await request.json()
        user = self.user(
            int(body["user_id"]), body.get("first_name", "Warga"), body.get("language_code", "id")
        )
        chat = None
        if body.get("chat_id") is not None:
            try:
                chat = self.group(int(body["chat_id"]), str(body.get("title", "Grup")))
            except ValueError as exc:
                return web.json_response({"error": str(exc)}, status=400)
        update_id = self.push_update(self.message_update(user, body.get("text"), chat=chat))
        return web.json_response({"update_id": update_id})

    async def _fake_callback(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self.user(
            int(body["user_id"]), body.get("first_name", "Warga"), body.get("language_code", "id")
        )
        try:
            update = self.callback_update(user, int(body["message_id"]), str(body["data"]))
        except LookupError as exc:
            return web.json_response({"error": str(exc)}, status=404)
        return web.json_response({"update_id": self.push_update(update)})

    async def _fake_sent(self, request: web.Request) -> web.Response:
        messages = self.sent(int(request.match_info["chat_id"]))
        return web.json_response(
            [
                {
                    "message_id": m.message_id,
                    "text": m.text,
                    "raw": m.raw,
                    "reply_markup": m.reply_markup,
                    "edited": m.edited,
                    "deleted": m.deleted,
                    "document": m.document[0] if m.document else None,
                    "photo": m.photo is not None,
                }
                for m in messages
            ],
            dumps=_json_dumps,
        )

    async def _fake_errors(self, request: web.Request) -> web.Response:
        return web.json_response(self.errors, dumps=_json_dumps)

    async def _fake_fail(self, request: web.Request) -> web.Response:
        """``fail_next`` over HTTP: {"method", "status", "description"?, "chat_id"?, "times"?,
        "retry_after"?, "drop"?}."""
        body = await request.json()
        try:
            self.fail_next(
                str(body["method"]),
                status=int(body["status"]),
                description=body.get("description"),
                chat_id=body.get("chat_id"),
                times=int(body.get("times", 1)),
                retry_after=body.get("retry_after"),
                drop=body.get("drop"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"pending_failures": self.pending_failures})

    async def _fake_fail_randomly(self, request: web.Request) -> web.Response:
        """``fail_randomly`` over HTTP: {"methods" (a name or a list), "status", "probability",
        "seed"?, "retry_after"?, "description"?, "drop"?}."""
        body = await request.json()
        try:
            self.fail_randomly(
                body["methods"],
                status=int(body["status"]),
                probability=float(body["probability"]),
                seed=int(body.get("seed", 0)),
                retry_after=body.get("retry_after"),
                description=body.get("description"),
                drop=body.get("drop"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"random_failures": len(self.random_failures)})

    async def _fake_clear_failures(self, request: web.Request) -> web.Response:
        self.clear_failures()
        return web.json_response({"pending_failures": 0, "random_failures": 0})

    async def _fake_down(self, request: web.Request) -> web.Response:
        """{"seconds": N}: answer, then ``down_for(N)``.  The control API goes down with the
        rest, hence the mandatory duration (standalone mode also comes back on SIGUSR2)."""
        body = await request.json() if request.can_read_body else {}
        try:
            seconds = float(body["seconds"])
            if not 0 < seconds <= 3600:
                raise ValueError("seconds must be in (0, 3600]")
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": f"need 'seconds': {exc}"}, status=400)
        response = web.json_response({"down_for": seconds})
        await response.prepare(request)
        await response.write_eof()  # the answer is out before the connection is closed
        task = asyncio.get_running_loop().create_task(self.down_for(seconds))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return response

    async def _fake_block(self, request: web.Request) -> web.Response:
        """{"user_id": 5, "blocked": true|false}: the user blocks (or unblocks) the bot."""
        body = await request.json()
        user_id = int(body["user_id"])
        if body.get("blocked", True):
            self.blocked_users.add(user_id)
        else:
            self.blocked_users.discard(user_id)
        return web.json_response({"blocked_users": sorted(self.blocked_users)})

    async def _fake_stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "counts": dict(self.counts),
                "delivered": self.delivered,
                "chats_delivered_to": len(self.delivered_by_chat),
                "rate_limited": len(self.rate_limited),
                "injected": len(self.injected),
                "dropped": len(self.dropped),
                "errors": len(self.errors),
                "max_per_second": self.max_in_window(1.0),
                "max_paid_per_second": self.max_in_window(1.0, paid=True),
                "max_free_per_second": self.max_in_window(1.0, paid=False),
                "pending_failures": self.pending_failures,
                "random_failures": [
                    {"methods": sorted(f.methods), "draws": f.draws, "hits": f.hits}
                    for f in self.random_failures
                ],
                "outages": [list(outage) for outage in self.outages],
            }
        )
