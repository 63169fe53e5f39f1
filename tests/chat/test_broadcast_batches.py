"""The broadcast sender's in-flight window: outcomes written in batches, a crash repeats at most the window."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.workers.broadcast_sender import Sender
from bot.workers.broadcast_window import Window
from storage import broadcasts as store
from storage.broadcasts import Outcome
from storage.models import Resident
from tests.support.broadcasts import DAY, announce, received, residents, statuses
from tests.support.harness import BotHarness
from tests.support.people import BANDUNG


async def settle() -> None:
    """Let every task that can run, run."""
    for _ in range(50):
        await asyncio.sleep(0)


class Sends:
    """Sends that finish when the test says so."""

    def __init__(self) -> None:
        self.done: dict[int, asyncio.Future[Outcome | None]] = {}
        self.started: list[int] = []

    async def send(self, rid: int) -> Outcome | None:
        self.started.append(rid)
        self.done[rid] = asyncio.get_running_loop().create_future()
        return await self.done[rid]

    def finish(self, *rids: int, outcome: str | None = "sent") -> None:
        for rid in rids:
            self.done[rid].set_result(Outcome(rid, outcome) if outcome else None)


async def feed(window: Window, sends: Sends, rids: range) -> None:
    for rid in rids:
        await window.room()
        window.start(sends.send(rid))
    await window.close()


async def test_the_window_holds_at_most_its_size_and_writes_outcomes_in_batches() -> None:
    written: list[list[int]] = []

    async def record(outcomes: list[Outcome]) -> None:
        written.append([o.resident_id for o in outcomes])

    sends = Sends()
    window = Window(4, record, batch=2, interval=60.0)
    task = asyncio.create_task(feed(window, sends, range(10)))
    await settle()
    assert sends.started == [0, 1, 2, 3]  # full: nobody else is claimed
    sends.finish(0)
    await settle()
    assert written == [] and sends.started == [0, 1, 2, 3]  # sent, not yet written: still in the window
    sends.finish(1)
    await settle()
    assert written == [[0, 1]] and sends.started == [0, 1, 2, 3, 4, 5]  # a batch written: two places free
    sends.finish(2, 3, 4, 5)
    await settle()
    assert written == [[0, 1], [2, 3, 4, 5]] and sends.started == list(range(10))
    sends.finish(6, 7)
    sends.finish(8, outcome=None)  # Telegram made it wait too long: still pending, nothing to write
    sends.finish(9)
    await task  # closing writes the rest
    assert written == [[0, 1], [2, 3, 4, 5], [6, 7, 9]]
    assert window.held == 0 and window.recorded == 9


async def test_when_writing_stalls_sending_stops() -> None:
    database = asyncio.Event()
    written: list[int] = []

    async def record(outcomes: list[Outcome]) -> None:
        await database.wait()
        written.extend(o.resident_id for o in outcomes)

    sends = Sends()
    window = Window(3, record, batch=1, interval=60.0)
    task = asyncio.create_task(feed(window, sends, range(6)))
    await settle()
    sends.finish(0, 1, 2)
    await settle()
    assert sends.started == [0, 1, 2] and written == []  # sent, but the database does not answer: no more
    database.set()
    await settle()
    assert written == [0, 1, 2] and sends.started == [0, 1, 2, 3, 4, 5]
    sends.finish(3, 4, 5)
    await task
    assert written == list(range(6))


async def test_a_cancelled_sender_stops_even_as_a_send_finishes() -> None:
    async def record(outcomes: list[Outcome]) -> None:
        return None

    for steps in range(8):  # the cancellation comes that many loop steps after the send finished
        sends = Sends()
        window = Window(1, record, batch=1, interval=60.0)
        task = asyncio.create_task(feed(window, sends, range(3)))
        await settle()
        sends.finish(0)
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        await settle()
        stopped = task.done() and task.cancelled()
        if not stopped:
            task.cancel()
        await window.abandon()
        await asyncio.gather(task, return_exceptions=True)
        assert stopped, steps


async def test_outcomes_are_written_at_once_per_kind(harness: BotHarness) -> None:
    await residents(harness, BANDUNG, range(22001, 22007))
    bid = await announce(harness, BANDUNG, "Satu")
    outcomes = [Outcome(22001, "sent"), Outcome(22002, "sent"), Outcome(22003, "blocked", "Forbidden: bot was blocked"),
                Outcome(22004, "failed", "Bad Request: chat not found"), Outcome(22005, "pending", "Bad Gateway", DAY)]
    async with harness.db.unit_of_work() as s:
        await store.record(s, broadcast_id=bid, outcomes=outcomes)
    assert await statuses(harness, bid) == {"sent": 2, "blocked": 1, "failed": 1, "pending": 2}
    async with harness.db.unit_of_work() as s:
        blocked = (await s.exec(select(Resident.telegram_id).where(Resident.blocked.is_(True)))).all()  # type: ignore[call-overload, attr-defined]
        retry = await store.next_batch(s, broadcast_id=bid, now=DAY, zones=None, limit=10)
    assert [r[0] for r in blocked] == [22003]
    assert [(p.resident_id, p.attempts) for p in retry] == [(22005, 1), (22006, 0)]  # due again, one attempt spent


async def test_a_crash_mid_batch_repeats_at_most_the_window_and_loses_nobody(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = range(22101, 22161)
    await residents(harness, BANDUNG, ids)
    harness.clock.now = DAY
    bid = await announce(harness, BANDUNG, "Pengumuman darurat")
    written: list[int] = []
    real_record = store.record

    async def dying(session: object, *, broadcast_id: int, outcomes: list[Outcome]) -> None:
        if len(written) >= 10:  # from here on the database is gone: as if the process had been killed
            raise ConnectionError("the database went away")
        await real_record(session, broadcast_id=broadcast_id, outcomes=outcomes)  # type: ignore[arg-type]
        written.extend(o.resident_id for o in outcomes)

    monkeypatch.setattr(store, "record", dying)
    sender = Sender(harness.app)
    with pytest.raises(ConnectionError):
        await sender.tick()
    delivered = {rid for rid in ids if received(harness, rid, "Pengumuman darurat")}
    assert await statuses(harness, bid) == {"sent": len(written), "pending": 60 - len(written)}
    unrecorded = delivered - set(written)
    assert set(written) <= delivered and 0 < len(unrecorded) <= sender.window  # at most the window in doubt

    monkeypatch.undo()
    await Sender(harness.app).tick()  # the restarted process
    assert await statuses(harness, bid) == {"sent": 60}
    counts = {rid: received(harness, rid, "Pengumuman darurat") for rid in ids}
    assert [rid for rid, n in counts.items() if n == 0] == []  # nobody lost
    assert {rid for rid, n in counts.items() if n > 1} <= unrecorded  # only those in doubt hear it twice


async def test_each_resident_gets_the_stop_button_in_their_language(harness: BotHarness) -> None:
    await residents(harness, BANDUNG, range(22201, 22203))
    async with harness.db.unit_of_work() as s:
        (await s.get(Resident, 22202)).language = "en"  # type: ignore[union-attr]
    harness.clock.now = DAY
    await announce(harness, BANDUNG, "Dua bahasa")
    await Sender(harness.app).tick()
    [in_indonesian] = harness.fake.sent(22201)
    [in_english] = harness.fake.sent(22202)
    assert in_indonesian.reply_markup["inline_keyboard"][0][0]["text"] == "🔕 Berhenti menerima pengumuman"
    assert in_english.reply_markup["inline_keyboard"][0][0]["text"] == "🔕 Stop announcements"
