"""The resident's journey as the benchmarks drive it: the steps, what the bot must answer, and the echo bot's.

A `Resident` sends an update and waits until the bot has made the step's Bot API requests in its chat
(the fake server routes every finished request to the chat's `ChatWatch` through its public observer hook).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.common import now
from tests.support.fakebot import Call, FakeBotAPI, StoredMessage
from tests.support.harness import TICKET

REGION = "32.74"  # Kota Cirebon: four seeded programs


COMMENT = "Pelayanannya cepat dan antrean pendek, terima kasih. Warga nomor {n} 🙂"


@dataclass
class Event:
    """One Bot API request of the bot that concerns a chat, when the fake server finished it."""

    method: str
    ok: bool
    error: str | None
    params: dict[str, Any]
    t: float


class ChatWatch:
    """What the bot did in one chat; a resident waits on it."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.changed = asyncio.Event()


# What a bot calls for itself, not for a chat: at start and while polling.
NOT_A_CHATS = ("getUpdates", "getMe", "setMyCommands", "setMyDescription", "setMyShortDescription", "deleteWebhook")


class BenchFakeAPI(FakeBotAPI):
    """The fake server, with every finished request routed to the watch of its chat (`route`, an observer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.watches: dict[int, ChatWatch] = {}
        self.query_chat: dict[str, int] = {}  # callback_query_id -> chat
        self.per_chat_calls: collections.Counter[int] = collections.Counter()
        self.unrouted: collections.Counter[str] = collections.Counter()
        self.observe(self.route)

    def callback_update(self, user: dict[str, Any], message_id: int, data: str) -> dict[str, Any]:
        update = super().callback_update(user, message_id, data)
        self.query_chat[update["callback_query"]["id"]] = user["id"]
        return update

    def route(self, call: Call) -> None:
        t = now()
        chat_id: Any = call.params.get("chat_id")
        if chat_id is None and call.method == "answerCallbackQuery":
            chat_id = self.query_chat.pop(str(call.params.get("callback_query_id")), None)
        try:
            chat = int(chat_id) if chat_id is not None else None
        except (TypeError, ValueError):
            chat = None
        if chat is None:
            if call.method not in NOT_A_CHATS:
                self.unrouted[call.method] += 1
            return
        self.per_chat_calls[chat] += 1
        watch = self.watches.get(chat)
        if watch is not None:
            watch.events.append(Event(call.method, call.ok, call.error, call.params, t))
            watch.changed.set()


class StepError(Exception):
    pass


@dataclass
class Expect:
    """A Bot API request the bot must make to complete a step (in the resident's chat)."""

    method: str
    match: Callable[[dict[str, Any]], bool] = lambda _p: True


@dataclass
class Step:
    name: str
    kind: str  # "message" | "callback"
    expect: list[Expect]
    check: Callable[[Resident], None] | None = None


def buttons(message: StoredMessage) -> list[tuple[str, str]]:
    markup = message.inline_markup or {}
    return [(b.get("text", ""), b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


class Resident:
    """One simulated resident (one private chat) driving one journey."""

    def __init__(self, fake: BenchFakeAPI, user_id: int, rng: random.Random, step_timeout: float) -> None:
        self.fake = fake
        self.id = user_id
        self.user = fake.user(user_id, first_name="Warga", language_code="id")
        self.rng = rng
        self.step_timeout = step_timeout
        self.watch = ChatWatch()
        fake.watches[user_id] = self.watch
        self.query_id: str | None = None
        self.latencies: list[tuple[str, str, float]] = []  # (step, kind, seconds)
        self.extra: list[str] = []  # requests in this chat no step expected

    # --- what the resident sees

    def messages(self) -> list[StoredMessage]:
        return [m for m in self.fake.sent(self.id) if not m.deleted]

    def find_button(self, want: Callable[[str, str], bool], what: str) -> tuple[int, str]:
        """(message_id, callback_data) of a matching button on the newest message that has one."""
        for message in reversed(self.messages()):
            for text, data in buttons(message):
                if data and want(text, data):
                    return message.message_id, data
        last = self.messages()[-1:] or [None]
        raise StepError(f"no button {what}; last message: {_describe(last[0])}")

    # --- what the resident does

    async def run_step(self, step: Step, make: Callable[[Resident], dict[str, Any]]) -> None:
        update = make(self)
        self.query_id = update["callback_query"]["id"] if "callback_query" in update else None
        expect = [
            Expect("answerCallbackQuery", lambda p, q=self.query_id: str(p.get("callback_query_id")) == q),
            *step.expect,
        ] if self.query_id else list(step.expect)
        start_index = len(self.watch.events)
        pushed = now()
        self.fake.push_update(update)
        done = await self._wait(step, expect, start_index, pushed)
        self.latencies.append((step.name, step.kind, done - pushed))
        if step.check is not None:
            step.check(self)

    async def _wait(self, step: Step, expect: list[Expect], index: int, pushed: float) -> float:
        matched: dict[int, Event] = {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.step_timeout
        events = self.watch.events
        while True:
            while index < len(events):
                event = events[index]
                index += 1
                if not event.ok:
                    raise StepError(f"{event.method} failed: {event.error} (params: {_short(event.params)})")
                for i, exp in enumerate(expect):
                    if i not in matched and exp.method == event.method and exp.match(event.params):
                        matched[i] = event
                        break
                else:
                    self.extra.append(f"{step.name}: {event.method}")
            if len(matched) == len(expect):
                return max(e.t for e in matched.values())
            remaining = deadline - loop.time()
            if remaining <= 0:
                missing = [expect[i].method for i in range(len(expect)) if i not in matched]
                seen = [f"{e.method}{'' if e.ok else ' FAILED'}" for e in events[-8:]]
                raise StepError(
                    f"timeout after {self.step_timeout:g}s waiting for {missing}; "
                    f"seen in this step: {[e.method for e in matched.values()]}; last requests in chat: {seen}"
                )
            self.watch.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.watch.changed.wait(), remaining)


def _short(value: Any, limit: int = 200) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(message: StoredMessage | None) -> str:
    if message is None:
        return "(none)"
    text = (message.text or "").replace("\n", " ")
    return f"#{message.message_id} {text[:120]!r} buttons={[d for _t, d in buttons(message)][:8]}"


def _must(cond: bool, what: str, r: Resident) -> None:
    if not cond:
        last = r.messages()[-1:] or [None]
        raise StepError(f"{what}; last message: {_describe(last[0])}")


def bot_steps() -> list[tuple[Step, Callable[[Resident], dict[str, Any]]]]:
    f = lambda r: r.fake

    def press(r: Resident, want: Callable[[str, str], bool], what: str) -> dict[str, Any]:
        message_id, data = r.find_button(want, what)
        return f(r).callback_update(r.user, message_id, data)

    def check_ticket(r: Resident) -> None:
        _must(TICKET.search(r.messages()[-1].text or "") is not None, "no ticket number (3273-K7PXD) in the last message", r)

    def check_rate_buttons(r: Resident) -> None:
        rates = [d for m in r.messages() for _t, d in buttons(m) if d.startswith("v1:rate:")]
        _must(len(rates) == 5, f"expected five rating buttons, got {len(rates)}", r)

    return [
        (
            Step("start", "message", [Expect("sendMessage")],
                 lambda r: r.find_button(lambda _t, d: d == "v1:consent:yes", "v1:consent:yes") and None),
            lambda r: f(r).message_update(r.user, "/start"),
        ),
        (
            # The greeting becomes the region prompt.
            Step("consent", "callback", [Expect("editMessageText")]),
            lambda r: press(r, lambda _t, d: d == "v1:consent:yes", "v1:consent:yes"),
        ),
        (
            Step("search", "message", [Expect("sendMessage")],
                 lambda r: r.find_button(lambda _t, d: d == f"v1:region:{REGION}", REGION) and None),
            lambda r: f(r).message_update(r.user, "cirebon"),
        ),
        (
            # The choices become the confirmation with the once-only question about announcements.
            Step("region", "callback", [Expect("editMessageText")],
                 lambda r: r.find_button(lambda _t, d: d == "v1:subq:no", "v1:subq:no") and None),
            lambda r: press(r, lambda _t, d: d == f"v1:region:{REGION}", f"v1:region:{REGION}"),
        ),
        (
            # The answer turns the same message into the program list.
            Step("subscribe", "callback", [Expect("editMessageText")],
                 lambda r: r.find_button(lambda _t, d: d.startswith("v1:prog:"), "v1:prog:…") and None),
            lambda r: press(r, lambda _t, d: d == "v1:subq:no", "v1:subq:no"),
        ),
        (
            Step("program", "callback", [Expect("editMessageText")],
                 lambda r: r.find_button(lambda t, d: "Beri nilai" in t and d.startswith("v1:ask:"), "Beri nilai")
                 and None),
            lambda r: _press_program(r),
        ),
        (
            Step("ask", "callback", [Expect("editMessageText")], check_rate_buttons),
            lambda r: press(r, lambda t, d: "Beri nilai" in t and d.startswith("v1:ask:"), "Beri nilai"),
        ),
        (
            Step("rate", "callback", [Expect("editMessageText")],
                 lambda r: r.find_button(lambda t, _d: "Lewati" in t, "Lewati") and None),
            lambda r: _press_rating(r),
        ),
        (
            # The comment: the bot drops the Skip button of the rating message, then sends the ticket.
            Step("comment", "message", [Expect("editMessageReplyMarkup"), Expect("sendMessage")], check_ticket),
            lambda r: f(r).message_update(r.user, COMMENT.format(n=r.id)),
        ),
    ]


def _press_program(r: Resident) -> dict[str, Any]:
    listing = [m for m in r.messages() if any(d.startswith("v1:prog:") for _t, d in buttons(m))]
    if not listing:
        raise StepError("no program list message")
    choices = [d for _t, d in buttons(listing[-1]) if d.startswith("v1:prog:")]
    return r.fake.callback_update(r.user, listing[-1].message_id, r.rng.choice(choices))


def _press_rating(r: Resident) -> dict[str, Any]:
    rated = [m for m in r.messages() if any(d.startswith("v1:rate:") for _t, d in buttons(m))]
    if not rated:
        raise StepError(f"no rating buttons; last message: {_describe(r.messages()[-1])}")
    message = rated[-1]
    choices = [d for _t, d in buttons(message) if d.startswith("v1:rate:")]
    return r.fake.callback_update(r.user, message.message_id, r.rng.choice(choices))


def echo_steps(kinds: list[str]) -> list[tuple[Step, Callable[[Resident], dict[str, Any]]]]:
    """The same sequence of update kinds for the echo bot: text → sendMessage; press → answer + edit."""
    steps = []
    for i, kind in enumerate(kinds):
        if kind == "message":
            steps.append((Step(f"{i + 1}-message", kind, [Expect("sendMessage")]),
                          lambda r, i=i: r.fake.message_update(r.user, "/start" if i == 0 else COMMENT.format(n=r.id))))
        else:
            steps.append((Step(f"{i + 1}-callback", kind, [Expect("editMessageText")]),
                          lambda r: r.fake.callback_update(r.user, *r.find_button(lambda _t, d: d == "echo:press", "echo"))))
    return steps

