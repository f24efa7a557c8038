"""docker-compose.yml cannot run here (no Docker engine), so its wiring is checked by reading it."""

from __future__ import annotations

from typing import Any

import yaml

from exchange.settings import setting_env_names
from tests.conftest import REPO_ROOT


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    return loaded


def test_every_exchange_variable_is_a_real_setting() -> None:
    known = setting_env_names()
    for name, service in _compose()["services"].items():
        environment = service.get("environment", {})
        names = (
            environment.keys() if isinstance(environment, dict) else [e.split("=")[0] for e in environment]
        )
        unknown = {var for var in names if var.startswith("EXCHANGE_")} - known
        assert not unknown, f"service {name} sets unknown settings {unknown}"


def test_dependencies_exist_and_are_health_checked() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on missing {dependency}"
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no health check"


def test_the_stack_is_kafka_kraft_postgres_and_the_processor() -> None:
    services = _compose()["services"]
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert "controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]
    assert services["postgres"]["image"] == "postgres:16"
    assert services["processor"]["command"] == ["exchange", "run"]
    assert services["processor"]["build"] == "."
    assert (REPO_ROOT / "Dockerfile").is_file()
    env = services["processor"]["environment"]
    assert env["EXCHANGE_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert "@postgres:5432/" in env["EXCHANGE_DATABASE_URL"]
