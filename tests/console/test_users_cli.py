"""`exchange users`: a generated password printed once and stored only as an Argon2id hash, a password
from stdin, SSO-only users, listing, a new password and removal ending sessions; clear one-line errors."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from exchange import db
from exchange.cli.main import main
from exchange.users import check_password, open_session, session_of
from exchange.users.models import ConsoleUser


@pytest.fixture
def store_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", db_url)
    monkeypatch.setenv("EXCHANGE_DATA_DIR", str(tmp_path / "data"))
    engine = db.create_db_engine(db_url)
    db.upgrade(engine)
    engine.dispose()
    return db_url


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    capsys.readouterr()
    assert main(["users", *args, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_users_are_added_listed_given_passwords_and_removed(
    store_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    added = _json(capsys, "add", "olga", "--role", "operator")
    assert isinstance(added, dict)
    password = added["generated_password"]
    assert isinstance(password, str) and len(password) >= 16
    engine = db.create_db_engine(store_env)
    try:
        with engine.connect() as connection:
            stored = connection.scalar(select(ConsoleUser.password_hash).where(ConsoleUser.name == "olga"))
        assert stored is not None and stored.startswith("$argon2id$") and password not in stored
        user = check_password(engine, "olga", password)
        assert user is not None and user.role.value == "operator"
        assert check_password(engine, "olga", password + "x") is None
        token = open_session(engine, user.id, timedelta(minutes=5))

        monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
        assert main(["users", "password", "olga", "--password-stdin"]) == 0
        assert session_of(engine, token) is None, "a new password ends the user's sessions"
        assert check_password(engine, "olga", "a long enough password") is not None

        sso = _json(capsys, "add", "anna", "--role", "analyst", "--no-password")
        assert isinstance(sso, dict) and sso["generated_password"] is None and sso["password"] is False
        listed = _json(capsys, "list")
        assert isinstance(listed, list)
        assert [(row["name"], row["role"], row["password"]) for row in listed] == [
            ("anna", "analyst", False),
            ("olga", "operator", True),
        ]
        assert main(["users", "remove", "olga"]) == 0
        assert check_password(engine, "olga", "a long enough password") is None
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["add", "olga", "--role", "operator"], "has a user 'olga' already"),
        (["add", "bad name!", "--role", "operator"], "is not a user name"),
        (["remove", "nobody"], "has no user 'nobody'"),
        (["password", "nobody"], "has no user 'nobody'"),
    ],
)
def test_mistakes_are_one_line(
    store_env: str, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    assert main(["users", "add", "olga", "--role", "operator"]) == 0
    capsys.readouterr()
    assert main(["users", *args]) == 1
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1, err


def test_a_short_password_is_refused(
    store_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "olga", "--role", "admin", "--password-stdin"]) == 1
    assert "at least 12 characters" in capsys.readouterr().err
