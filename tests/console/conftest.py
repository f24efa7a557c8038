"""The console on a real store: the flag tests' world (files from LU and NL, reconciled and evaluated),
with a user of each role; served in-process for the HTTP tests and by uvicorn for the browser tests."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from exchange import db
from exchange.console import create_app
from exchange.settings import Settings
from exchange.users import Role, add_user
from tests.anomalies.conftest import _build, world_settings
from tests.conftest import DATABASES
from tests.services import PostgresCluster

PASSWORD = "correct horse battery staple"
USERS = {role: f"{role.value}-1" for role in Role}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Store:
    engine: Engine
    settings: Settings


def _store(request: pytest.FixtureRequest, tmp: Path, name: str) -> Iterator[Store]:
    if name == "sqlite":
        url = f"sqlite:///{tmp / 'exchange.db'}"
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database(f"c_{uuid.uuid4().hex[:16]}")
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    settings = world_settings(tmp).model_copy(update={"database_url": url})
    _build(engine, settings)
    for role, user in USERS.items():
        add_user(engine, user, role, PASSWORD)
    try:
        yield Store(engine, settings)
    finally:
        engine.dispose()


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(name, marks=[pytest.mark.postgres] if name == "postgresql" else []) for name in DATABASES
    ],
)
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    yield from _store(request, tmp_path_factory.mktemp("console"), request.param)


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store.settings, store.engine), base_url="http://console.test") as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def log_in(client: TestClient, role: Role, password: str = PASSWORD) -> None:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"name": USERS[role], "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
