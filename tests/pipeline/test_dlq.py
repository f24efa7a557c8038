"""`exchange dlq` as operators use it, with the real `exchange run` filling the dead-letter topic: list
(filtered, decided records hidden or shown), show (headers and reason, never the content), discard with
a reason, redrive once (a partner registered late is answered after the redrive), every act audited.
Through the real broker, on both databases."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from consumers.dlq import REDRIVEN_FROM_HEADER
from consumers.messages import REASON_HEADER
from crypto.provision import AuthorityFolders, provision_authorities
from exchange.audit import AuditFilter, read_trail
from exchange.cli.main import main
from exchange.db import create_db_engine, upgrade
from exchange.settings import Settings
from exchange.states import FileState
from exchange.store.models import ReceivedFile
from tests.kafka_helpers import produce
from tests.pipeline.conftest import builders, crs_file, on_own_topics, seal
from tests.pipeline.consumer_process import ConsumerProcess, wait_until
from tests.pipeline.effects import publish, topic_records, wait_for_lag

pytestmark = pytest.mark.slow  # a real `exchange run` process


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    assert main(["dlq", *args, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _fails(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["dlq", *args]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_dead_letters_are_listed_shown_discarded_and_redriven_once(
    be_settings: Settings,
    benelux: dict[str, AuthorityFolders],
    kafka_bootstrap: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # BE's partner certificates, in a folder of this test's own: FR is registered only later.
    partners = tmp_path / "be-partners"
    shutil.copytree(benelux["BE"].partners_dir, partners)
    france = provision_authorities(tmp_path / "fr", ["FR"])["FR"]
    (france.partners_dir / "BE").mkdir(parents=True)
    shutil.copy(benelux["NL"].partners_dir / "BE" / "current.pem", france.partners_dir / "BE" / "current.pem")
    settings = on_own_topics(be_settings, kafka_bootstrap, partners_dir=partners)
    for name in ("database_url", "kafka_bootstrap_servers", "topic_inbound", "topic_status", "topic_dlq",
                 "topic_flags", "partners_dir", "keys_dir"):  # fmt: skip
        monkeypatch.setenv(f"EXCHANGE_{name.upper()}", str(getattr(settings, name)))
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("EXCHANGE_LOG_LEVEL", "warning")
    monkeypatch.setenv("EXCHANGE_OPERATOR", "olga")
    french = seal(
        crs_file("FR", header=builders.header(transmitting="FR", message_ref_id="FR2025BE0001")),
        france,
        benelux["BE"],
        tmp_path,
    )
    engine = create_db_engine(str(settings.database_url))
    upgrade(engine)
    publish(settings, [])  # the topics, two partitions each
    processes: list[ConsumerProcess] = []
    try:
        runner = ConsumerProcess(settings, tmp_path / "runner.log")
        processes.append(runner)
        _produce(settings, b"not a packet at all", b"NL")
        _produce(settings, french, b"FR")
        _produce(settings, b"PK\x03\x04 nor this", b"LU")
        wait_for_lag(settings, 0)

        rows = _cli(capsys, "list")
        assert [row["state"] for row in rows] == ["pending"] * 3
        by_sender = {row["sender"]: row for row in rows}
        assert set(by_sender) == {"NL", "FR", "LU"}
        assert "FR" in by_sender["FR"]["reason"] and by_sender["FR"]["size"] == len(french)
        assert [row["sender"] for row in _cli(capsys, "list", "--reason", "fr")] == ["FR"]
        assert _cli(capsys, "list", "--since", "1h", "--until", "2000-01-01") == []

        shown = _cli(capsys, "show", by_sender["FR"]["position"])
        assert shown["headers"][REASON_HEADER] == by_sender["FR"]["reason"]
        assert shown["sender"] == "FR" and shown["state"] == "pending"
        capsys.readouterr()
        assert main(["dlq", "show", by_sender["NL"]["position"]]) == 0
        assert "not a packet at all" not in capsys.readouterr().out  # never the content
        offset = by_sender["NL"]["offset"]
        assert "has 2 partitions: give PARTITION:OFFSET" in _fails(capsys, "show", str(offset))
        assert "has no record at 0:999" in _fails(capsys, "show", "0:999")

        # Let one go, with a reason: hidden from the list, shown with --all, never redriven.
        capsys.readouterr()
        assert main(["dlq", "discard", by_sender["NL"]["position"]]) == 2  # a reason is required
        [discarded] = _cli(capsys, "discard", by_sender["NL"]["position"], "--reason", "NL confirmed: a test")
        assert discarded["state"] == "discarded"
        assert {row["sender"] for row in _cli(capsys, "list")} == {"FR", "LU"}
        listed_all = {row["sender"]: row for row in _cli(capsys, "list", "--all")}
        assert listed_all["NL"]["state"] == "discarded" and listed_all["NL"]["decided_by"] == "olga"
        assert listed_all["NL"]["decision_reason"] == "NL confirmed: a test"
        assert "was discarded by olga" in _fails(capsys, "redrive", by_sender["NL"]["position"])

        # FR's certificate arrives; its file is redriven, processed and answered; once.
        (partners / "FR").mkdir()
        shutil.copy(france.keys_dir / "FR" / "current.cert.pem", partners / "FR" / "current.pem")
        [redriven] = _cli(capsys, "redrive", by_sender["FR"]["position"])
        assert redriven["state"] == "redriven"
        wait_for_lag(settings, 0)
        wait_until(lambda: _answered(engine, "FR"), 60, "FR's file answered")
        assert [record.key for record in topic_records(settings, settings.topic_status)] == [b"FR"]
        again = [
            r
            for r in topic_records(settings, settings.topic_inbound)
            if dict(r.headers).get(REDRIVEN_FROM_HEADER)
        ]
        assert [r.value for r in again] == [french]
        assert "was redriven by olga" in _fails(capsys, "redrive", by_sender["FR"]["position"])

        # --all takes what is pending and matches: LU's record, which fails again as a new dead letter.
        assert [row["sender"] for row in _cli(capsys, "redrive", "--all", "--reason", "FR")] == []
        assert [row["sender"] for row in _cli(capsys, "redrive", "--all")] == ["LU"]
        wait_for_lag(settings, 0)
        wait_until(lambda: len(topic_records(settings, settings.topic_dlq)) == 4, 30, "LU's new dead letter")
        states = {(row["sender"], row["state"]) for row in _cli(capsys, "list", "--all")}
        assert states == {("NL", "discarded"), ("FR", "redriven"), ("LU", "redriven"), ("LU", "pending")}
        runner.stop()

        trail = list(read_trail(engine, AuditFilter(action_prefix="dlq.", actor="olga")))
        acts = [(entry["action"], entry["subject"]) for entry in reversed(trail)]
        dlq = settings.topic_dlq
        position = {sender: row["position"].replace(":", "/") for sender, row in by_sender.items()}
        assert [act for act in acts if act[0] in {"dlq.discard", "dlq.redrive"}] == [
            ("dlq.discard", f"{dlq}/{position['NL']}"),
            ("dlq.redrive", f"{dlq}/{position['FR']}"),
            ("dlq.redrive", f"{dlq}/{position['LU']}"),
        ]
        assert ("dlq.show", f"{dlq}/{position['FR']}") in acts and ("dlq.list", None) in acts
    finally:
        for process in processes:
            process.close()
        engine.dispose()


def _produce(settings: Settings, value: bytes, key: bytes) -> None:
    asyncio.run(produce(settings.kafka_bootstrap_servers, settings.topic_inbound, value, key))


def _answered(engine: Any, sender: str) -> bool:
    with Session(engine) as session:
        states = session.scalars(select(ReceivedFile.state).where(ReceivedFile.sender == sender)).all()
    return list(states) == [FileState.ANSWERED]
