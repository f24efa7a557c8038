"""The audit trail keeps every entry, reads back newest first with its filters, and takes over the
analyst queries recorded before it existed (migration 0006), on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

from exchange import db
from exchange.audit import AuditFilter, read_trail, record


def test_entries_read_back_newest_first_and_filtered(db_engine: Engine) -> None:
    first = record(db_engine, "ann", "flags.list", {"codes": ["DC01"]}, row_count=4, output_format="csv")
    second = record(db_engine, "olga", "dlq.redrive", {"reason": "partner fixed"}, subject="exchange.dlq/0/3")
    assert second > first
    rows = list(read_trail(db_engine, AuditFilter()))
    assert [row["id"] for row in rows[:2]] == [second, first]
    assert rows[1]["details"] == {"codes": ["DC01"]} and rows[1]["at"].tzinfo is not None
    [only] = read_trail(db_engine, AuditFilter(action_prefix="dlq."))
    assert (only["actor"], only["subject"], only["row_count"]) == ("olga", "exchange.dlq/0/3", None)
    assert list(read_trail(db_engine, AuditFilter(actor="nobody"))) == []
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert list(read_trail(db_engine, AuditFilter(since=tomorrow))) == []
    assert len(list(read_trail(db_engine, AuditFilter(until=tomorrow), limit=1))) == 1


def test_migration_keeps_the_analyst_queries_recorded_before(db_engine: Engine) -> None:
    db.downgrade(db_engine, "0005")
    with db_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO analyst_query (analyst, queried_at, command, filters, row_count, output_format) "
                "VALUES ('ann', :at, 'show', :filters, 1, 'json')"
            ),
            {"at": datetime(2026, 11, 30, tzinfo=UTC), "filters": '{"flag_id": 7}'},
        )
    db.upgrade(db_engine)
    [entry] = read_trail(db_engine, AuditFilter(actor="ann"))
    assert (entry["action"], entry["details"], entry["row_count"]) == ("flags.show", {"flag_id": 7}, 1)
    # New entries after the copied ones get fresh ids on PostgreSQL too (the sequence was moved on).
    assert record(db_engine, "bob", "flags.study", {}) > entry["id"]
