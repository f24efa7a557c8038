"""The test harness: a real Kafka-compatible broker and a real PostgreSQL cluster per test process.

Each pytest-xdist worker is its own process, so each gets its own broker and cluster. Both die with the
process that started them, even when pytest is killed. Under CI (or EXCHANGE_REQUIRE_SERVICES=1) a missing
service fails the run instead of skipping, so the broker and PostgreSQL tests never vanish silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine

from consumers.embedded_broker import EmbeddedBroker
from exchange import db
from exchange.settings import Settings
from tests.services import PostgresCluster, ServiceMissingError

REPO_ROOT = Path(__file__).resolve().parent.parent

# Property tests and the pipeline fuzz run the same examples on every run (`ci`, the default), so a
# failure in CI is a failure on a developer's machine; `--hypothesis-profile=fuzz` explores afresh.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("fuzz", max_examples=3000, derandomize=False, print_blob=True)
hypothesis_settings.load_profile("ci")
DATABASES = ["sqlite", "postgresql"]


def _services_required() -> bool:
    return (
        os.environ.get("CI", "").lower() in {"1", "true"}
        or os.environ.get("EXCHANGE_REQUIRE_SERVICES") == "1"
    )


def _unavailable(reason: str) -> None:
    if _services_required():
        pytest.fail(f"required test service unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's EXCHANGE_* settings or writes into their data directory."""
    for name in list(os.environ):
        if name.startswith("EXCHANGE_") and name != "EXCHANGE_REQUIRE_SERVICES":
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture(scope="session")
def standards_dir() -> Path:
    """The official schemas, samples and IRS test vectors (oracles only, never copied into the project)."""
    path = Path(os.environ.get("EXCHANGE_STANDARDS_DIR", REPO_ROOT.parent / "shared" / "standards"))
    if not (path / "FACTS.md").is_file():
        pytest.skip(f"the standards folder is absent ({path}): oracle tests need ../shared/standards")
    return path


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address of a memory-only Kafka-compatible broker (Tansu) for this test process."""
    broker = EmbeddedBroker(log_path=tmp_path_factory.mktemp("broker") / "broker.log")
    try:
        broker.start()
    except Exception as exc:
        _unavailable(f"the embedded Kafka broker could not start: {exc}")
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    try:
        cluster = PostgresCluster.start()
    except ServiceMissingError as exc:
        _unavailable(str(exc))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, once on SQLite and once on the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'exchange.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database(f"t_{uuid.uuid4().hex[:16]}")


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty database of each kind, migrated to head."""
    engine = db.create_db_engine(db_url)
    db.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests that use a service carry its marker, so `-m "not kafka"` and `-m postgres` select correctly.
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "kafka_bootstrap" in fixtures:
            item.add_marker(pytest.mark.kafka)
        callspec = getattr(item, "callspec", None)
        if "postgres_cluster" in fixtures or (
            callspec is not None and callspec.params.get("db_url") == "postgresql"
        ):
            item.add_marker(pytest.mark.postgres)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Figures a test wants in the run's output (corpus sizes...), recorded as property `summary`.

    Properties travel from pytest-xdist workers with the reports, where prints would be lost.
    """
    lines = [
        str(value)
        for report in terminalreporter.stats.get("passed", [])
        for name, value in getattr(report, "user_properties", [])
        if name == "summary"
    ]
    if lines:
        terminalreporter.section("figures")
        for line in sorted(lines):
            terminalreporter.write_line(line)
