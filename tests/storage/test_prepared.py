"""Statements compiled once (storage/prepared.py), and the one statement that starts every update.

Both against the real databases: the values a prepared statement gives back must be the ones the ORM gives
(aware datetimes, JSON, booleans), and the resident's claim must count floods exactly as the Python rule does.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, event, select, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import col

from bot.services import quota
from bot.services import residents as resident_rules
from storage import residents as store
from storage.db import Database
from storage.models import Feedback, Resident
from storage.prepared import Prepared, loaded, write_changes

T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


async def test_values_come_back_as_the_orm_gives_them(db: Database) -> None:
    async with db.unit_of_work() as s:
        resident = await store.ensure_resident(s, telegram_id=7001)
        resident.draft, resident.state, resident.consent_at = {"kata": ["é", 1]}, "comment", T0
        store.touch(s, resident)
    columns = [col(Resident.draft), col(Resident.consent_at), col(Resident.subscribed), col(Resident.state)]
    prepared = Prepared(select(*columns).where(col(Resident.telegram_id) == bindparam("rid")), columns)
    async with db.unit_of_work() as s:
        assert await prepared.rows(s, rid=7001) == [({"kata": ["é", 1]}, T0, False, "comment")]
        assert await prepared.first(s, rid=7002) is None
        [(_draft, at, subscribed, _state)] = await prepared.rows(s, rid=7001)
        assert at.tzinfo is not None and subscribed is False  # not SQLite's naive string or 0


async def test_a_literal_in_the_statement_is_sent_with_it(db: Database) -> None:
    async with db.unit_of_work() as s:
        await store.ensure_resident(s, telegram_id=7003)
    prepared = Prepared(
        select(col(Resident.telegram_id)).where(col(Resident.telegram_id) == bindparam("rid"), col(Resident.state).is_(None),
                                                col(Resident.blocked) == False),  # noqa: E712  # a bound literal
        [col(Resident.telegram_id)],
    )
    async with db.unit_of_work() as s:
        assert await prepared.rows(s, rid=7003) == [(7003,)]
        with pytest.raises(KeyError):
            await prepared.rows(s)  # a named parameter left out is an error, not a NULL


async def test_errors_are_sqlalchemy_errors_in_the_sessions_transaction(db: Database) -> None:
    """The turn's retry reads DBAPIError; and a failed statement rolls back what the session did before it."""
    insert = Prepared(
        Feedback.__table__.insert().values(resident_id=bindparam("rid"), program_id=bindparam("pid"),  # type: ignore[attr-defined]
                                           region_code="32.74", rating=9, status="baru", ticket="3274-TEST",
                                           superseded=False, needs_review=False, created_at=T0, updated_at=T0),
        [],
    )
    with pytest.raises(DBAPIError):
        async with db.unit_of_work() as s:
            await store.ensure_resident(s, telegram_id=7004)
            await insert.rows(s, rid=7004, pid=1)  # rating 9 breaks the check constraint
    async with db.unit_of_work() as s:
        assert await store.get_resident(s, telegram_id=7004) is None


async def test_a_column_left_to_its_default_is_refused(db: Database) -> None:
    """SQLAlchemy fills Python-side defaults in while it executes, which a prepared statement skips: an insert
    that leaves `needs_review` out would store NULL (or break NOT NULL), so it is refused before it runs."""
    insert = Prepared(
        Feedback.__table__.insert().values(resident_id=bindparam("rid"), program_id=1, region_code="32.74",  # type: ignore[attr-defined]
                                           rating=4, status="baru", ticket="3274-TEST", superseded=False,
                                           created_at=T0, updated_at=T0),
        [],
    )
    async with db.unit_of_work() as s:
        with pytest.raises(ValueError, match="defaults"):
            await insert.rows(s, rid=7005)


async def _stored(db: Database, telegram_id: int) -> Resident:
    async with db.unit_of_work() as s:
        row = await store.get_resident(s, telegram_id=telegram_id)
    assert row is not None
    return row


async def _arrive(db: Database, telegram_id: int, update_id: int, now: datetime) -> resident_rules.Arrival:
    async with db.unit_of_work() as s:
        return await resident_rules.begin_update(s, telegram_id=telegram_id, update_id=update_id, now=now)


async def test_the_claim_locks_marks_and_skips_a_redelivered_update(db: Database) -> None:
    first = await _arrive(db, 7010, 100, T0)
    assert (first.duplicate, first.counted) == (False, False)  # a new resident: created the long way
    again = await _arrive(db, 7010, 101, T0)
    assert (again.duplicate, again.counted, again.resident.last_update_id) == (False, True, 101)
    assert again.resident.blocked is False and again.resident.pseudonym_salt == first.resident.pseudonym_salt
    old = await _arrive(db, 7010, 101, T0)
    assert old.duplicate is True
    assert (await _stored(db, 7010)).last_update_id == 101


async def test_a_claimed_resident_is_written_back_only_when_changed(db: Database) -> None:
    await _arrive(db, 7011, 1, T0)
    async with db.unit_of_work() as s:
        arrival = await resident_rules.begin_update(s, telegram_id=7011, update_id=2, now=T0)
        assert not s.is_modified(arrival.resident)  # as if loaded: the claim already wrote what it changed
        resident_rules.set_state(s, arrival.resident, "comment", {"program_id": 3})
    row = await _stored(db, 7011)
    assert (row.state, row.draft, row.last_update_id) == ("comment", {"program_id": 3}, 2)


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_claim_counts_floods_as_the_python_rule_does(db: Database, seed: int) -> None:
    """A random walk of updates (bursts, pauses, quiet minutes): the row after each one, SQL or Python, agrees."""
    limits = quota.Limits(messages_per_minute=5, flood_pause=timedelta(minutes=2))
    rng = random.Random(seed)
    model = Resident(telegram_id=0)
    now = T0
    await _arrive(db, 7020, 0, now)  # created the long way; counted in Python below, as the turn does
    quota.count_update(model, limits, now)
    async with db.unit_of_work() as s:
        row = await store.get_resident(s, telegram_id=7020, for_update=True)
        assert row is not None
        quota.count_update(row, limits, now)
        s.add(row)
    for update_id in range(1, 80):
        now += timedelta(seconds=rng.choice([0.5, 1, 3, 10, 60, 61, 130]))
        expected = quota.count_update(model, limits, now)
        async with db.unit_of_work() as s:
            arrival = await resident_rules.begin_update(s, telegram_id=7020, update_id=update_id, now=now)
            assert arrival.counted
            got = quota.count_update(arrival.resident, limits, now, counted=True)
            s.add(arrival.resident)
        assert got is expected, (update_id, now)
        seen = arrival.resident
        assert (seen.flood_count, seen.flood_started_at, seen.paused_until) == (
            model.flood_count, model.flood_started_at, model.paused_until), (update_id, now)


async def test_the_write_writes_only_what_the_update_changed(db: Database) -> None:
    """One statement for the changed columns; the flush then writes nothing more; a column changed by someone
    else in between (a broadcast marking the resident blocked) is not overwritten with the value read earlier."""
    await _arrive(db, 7030, 1, T0)
    seen: list[str] = []

    def log(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    async with db.unit_of_work() as s:
        arrival = await resident_rules.begin_update(s, telegram_id=7030, update_id=2, now=T0)
        resident = arrival.resident
        await s.exec(update(Resident).where(col(Resident.telegram_id) == 7030).values(subscribed=True))  # type: ignore[call-overload]
        resident.draft, resident.consent_at = {"kata": "ü 🙂", "n": [1, 2]}, T0 + timedelta(hours=1)
        store.touch(s, resident)
        event.listen(db.engine.sync_engine, "before_cursor_execute", log)
        try:
            assert await write_changes(s) == 1
            await s.flush()
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", log)
        assert not s.dirty and not s.is_modified(resident)
    [write] = [sql for sql in seen if "UPDATE" in sql]
    assert "draft" in write and "consent_at" in write and "updated_at" in write and "subscribed" not in write
    row = await _stored(db, 7030)
    assert (row.draft, row.consent_at, row.subscribed) == ({"kata": "ü 🙂", "n": [1, 2]}, T0 + timedelta(hours=1), True)
    assert row.updated_at == resident.updated_at


async def test_the_write_of_a_new_resident_and_of_an_unchanged_one(db: Database) -> None:
    async with db.unit_of_work() as s:
        arrival = await resident_rules.begin_update(s, telegram_id=7031, update_id=1, now=T0)
        assert not arrival.counted  # no row yet: created the long way (inserted at once, then marked)
        assert await write_changes(s) == 1
        assert not s.dirty and not s.new
    async with db.unit_of_work() as s:
        arrival = await resident_rules.begin_update(s, telegram_id=7031, update_id=2, now=T0)
        assert await write_changes(s) == 0  # nothing changed: nothing written
        assert not s.dirty
    assert (await _stored(db, 7031)).last_update_id == 2


async def test_a_row_the_session_holds_already_is_not_made_twice(db: Database) -> None:
    """As with the ORM: a statement's row for an object the session has gives back that object, unchanged."""
    await _arrive(db, 7032, 1, T0)
    async with db.unit_of_work() as s:
        held = await store.get_resident(s, telegram_id=7032)
        assert held is not None
        held.state = "comment"
        again = loaded(s, Resident, {**{key: getattr(held, key) for key in store._RESIDENT.keys}, "state": None})
        assert again is held and again.state == "comment"
