"""The group settings of `exchange run` reach its consumer: timings, and static membership (KIP-345)
with the host name as the member id unless one is set. Pure functions: the effect of static membership
(a restarted member takes its partitions back without a rebalance) is Apache Kafka's and is not tested
against the test broker, which does not implement it faithfully."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from consumers.runner import ConsumerTuning, consumer_options, group_instance_id
from exchange.settings import Settings, load_settings


def test_static_membership_by_default_with_the_host_name(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert group_instance_id(settings) == socket.gethostname()
    named = settings.model_copy(update={"kafka_group_instance_id": "processor-1"})
    assert group_instance_id(named) == "processor-1"
    dynamic = named.model_copy(update={"kafka_static_membership": False})
    assert group_instance_id(dynamic) is None


def test_the_settings_reach_the_consumer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXCHANGE_KAFKA_SESSION_TIMEOUT_MS", "45000")
    monkeypatch.setenv("EXCHANGE_KAFKA_HEARTBEAT_INTERVAL_MS", "5000")
    monkeypatch.setenv("EXCHANGE_KAFKA_MAX_POLL_INTERVAL_MS", "600000")
    monkeypatch.setenv("EXCHANGE_KAFKA_GROUP_INSTANCE_ID", "be-processor-2")
    monkeypatch.setenv("EXCHANGE_RETRY_MAX_SECONDS", "10")
    monkeypatch.setenv("EXCHANGE_BROKER_CHECK_SECONDS", "20")
    settings = load_settings(data_dir=tmp_path)
    tuning = ConsumerTuning.from_settings(settings)
    assert tuning.retry_max_s == 10
    options = consumer_options(settings, "exchange", group_instance_id(settings), tuning)
    assert {key: options[key] for key in (
        "group_id", "group_instance_id", "session_timeout_ms", "heartbeat_interval_ms",
        "max_poll_interval_ms", "metadata_max_age_ms", "enable_auto_commit",
    )} == {
        "group_id": "exchange", "group_instance_id": "be-processor-2", "session_timeout_ms": 45000,
        "heartbeat_interval_ms": 5000, "max_poll_interval_ms": 600000, "metadata_max_age_ms": 20000,
        "enable_auto_commit": False,
    }  # fmt: skip


def test_nonsense_is_refused_naming_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from exchange.errors import ConfigError

    monkeypatch.setenv("EXCHANGE_STOP_GRACE_SECONDS", "0")
    with pytest.raises(ConfigError, match="EXCHANGE_STOP_GRACE_SECONDS"):
        load_settings(data_dir=tmp_path)
