"""A packet above max_packet_bytes is refused from its size alone, before a byte of it is read, and the
refusal is a dead letter with its reason: as a file (`exchange process`), inline on Kafka, and behind a
claim check. The big files are sparse (truncate), so nothing big is written; what the process read is
measured by the kernel's count of bytes read (/proc/self/io), not by time."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from consumers.admin import ensure_topics, product_topics
from consumers.claim_check import ClaimCheck
from consumers.messages import CLAIM_CHECK_CONTENT_TYPE, CONTENT_TYPE_HEADER, REASON_HEADER
from consumers.pipeline_handler import PipelineHandler
from consumers.runner import ConsumerTuning, InboundRunner
from crypto.provision import AuthorityFolders
from exchange.cli.main import main
from exchange.db import create_db_engine, upgrade
from exchange.pipeline import Pipeline
from exchange.settings import Settings
from tests.kafka_helpers import produce, read_topic, wait_for
from tests.pipeline.conftest import crs_file, on_own_topics, seal

GIB = 1024**3
LIMIT = 1024 * 1024
FAST = ConsumerTuning(session_timeout_ms=2000, heartbeat_interval_ms=300, max_poll_interval_ms=10_000)


def _bytes_read() -> int:
    with open("/proc/self/io") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("rchar:"))


@contextmanager
def reads_at_most(limit: int) -> Iterator[None]:
    if not Path("/proc/self/io").exists():
        pytest.skip("needs Linux's /proc/self/io to count the bytes read")
    before = _bytes_read()
    yield
    assert _bytes_read() - before < limit


def sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def test_a_packet_file_above_the_limit_is_refused_unread(settings: Settings, tmp_path: Path) -> None:
    limited = settings.model_copy(update={"max_packet_bytes": LIMIT})
    engine = create_db_engine(limited.effective_database_url)
    upgrade(engine)
    big = sparse(tmp_path / "huge.zip", 8 * GIB)
    try:
        with reads_at_most(16 * 1024 * 1024):
            result = Pipeline(limited, engine).process(big)
    finally:
        engine.dispose()
    assert result.dead_letter == f"the packet is {8 * GIB} bytes, larger than the {LIMIT} bytes accepted"
    assert result.outcome is None and result.answer is None


def test_exchange_process_refuses_it_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EXCHANGE_MAX_PACKET_BYTES", str(LIMIT))
    monkeypatch.setenv("EXCHANGE_LOG_LEVEL", "error")
    big = sparse(tmp_path / "huge.zip", 8 * GIB)
    capsys.readouterr()
    with reads_at_most(64 * 1024 * 1024):
        assert main(["process", str(big)]) == 1
    assert capsys.readouterr().out.strip().splitlines() == [
        f"dead-letter: the packet is {8 * GIB} bytes, larger than the {LIMIT} bytes accepted"
    ]


def test_oversized_records_and_claim_checks_are_dead_lettered_with_the_reason(
    be_settings: Settings,
    benelux: dict[str, AuthorityFolders],
    kafka_bootstrap: str,
    tmp_path: Path,
) -> None:
    good = seal(crs_file("LU", message_ref_id="LU2025BE0001"), benelux["LU"], benelux["BE"], tmp_path)
    # A real packet, one byte too many.
    settings = on_own_topics(be_settings, kafka_bootstrap, 1, max_packet_bytes=len(good) - 1)
    store = settings.effective_claim_check_dir
    store.mkdir(parents=True)
    huge = sparse(store / "huge.zip", 8 * GIB)
    honest = ClaimCheck(uri=huge.as_uri(), sha256="0" * 64, size=8 * GIB)
    understated = ClaimCheck(uri=huge.as_uri(), sha256="0" * 64, size=100)
    marked = [(CONTENT_TYPE_HEADER, CLAIM_CHECK_CONTENT_TYPE.encode())]
    engine = create_db_engine(str(settings.database_url))
    upgrade(engine)
    runner = InboundRunner(settings, PipelineHandler(Pipeline(settings, engine)), tuning=FAST)

    async def scenario() -> list[str]:
        await ensure_topics(kafka_bootstrap, product_topics(settings), 1, 1)
        await produce(kafka_bootstrap, settings.topic_inbound, good, b"LU")
        for check in (honest, understated):
            await produce(kafka_bootstrap, settings.topic_inbound, check.to_json(), b"NL", marked)
        task = asyncio.create_task(runner.run())
        with reads_at_most(64 * 1024 * 1024):
            await wait_for(lambda: runner.files_done == 3 or task.done(), 60)
        runner.request_stop()
        await task
        dead = await read_topic(kafka_bootstrap, settings.topic_dlq, 3)
        return [dict(record.headers)[REASON_HEADER].decode() for record in dead]

    try:
        reasons = asyncio.run(scenario())
    finally:
        engine.dispose()
    assert sorted(reasons) == [
        "claim-check size does not match the file",
        f"claimed packet of {8 * GIB} bytes exceeds the limit of {len(good) - 1}",
        f"the packet is {len(good)} bytes, larger than the {len(good) - 1} bytes accepted",
    ]
