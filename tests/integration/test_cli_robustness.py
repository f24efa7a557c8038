"""Every command against every way its surroundings can be wrong: no store, a store without schema, an
empty store, an unreachable database, an unknown database URL scheme, an unreachable broker, and bad
option values. None may end in "internal error" or a traceback, leak a password, print info-level log
lines, or (unless it is one of the commands that make a store) create the SQLite store or its folder.

The commands come from the click tree itself, recursively through the groups: a command added later
without an entry in INVOCATIONS fails `test_every_command_has_an_invocation`.
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from consumers.embedded_broker import free_port
from exchange import db
from exchange.cli.main import cli, main
from exchange.instance import claim_store
from exchange.settings import Settings
from tests.pipeline.conftest import crs_file
from tests.services import PostgresCluster

SECRET = "s3cret-pw"
ALL_SCENARIOS = frozenset(
    {
        "no_store",
        "no_schema",
        "empty_store",
        "empty_store_postgresql",
        "unreachable_database",
        "unknown_url_scheme",
        "unreachable_broker",
        "bad_options",
    }
)
_LOG_LINE = re.compile(r"""\[(info|debug)\s*\]|"level": ?"(info|debug)"|^exchange\.\w+: """)


@dataclass(frozen=True)
class Invocation:
    """A minimal valid call of a command (placeholders in braces are files the test makes) and the
    option values it must refuse as usage errors."""

    args: tuple[str, ...] = ()
    bad: tuple[tuple[str, ...], ...] = ()
    creates_store: bool = False  # one of the commands that make the store when there is none
    service: bool = False  # serves until stopped: its log is its output
    skip: frozenset[str] = frozenset()
    why_skipped: str = ""


INVOCATIONS: dict[str, tuple[Invocation, ...]] = {
    "answers resend": (
        Invocation(bad=(("--file", "x"), ("--since", "whenever"))),
        Invocation(("--since", "24h", "--operator", "olga", "--json")),
    ),
    "audit": (
        Invocation(bad=(("--since", "whenever"), ("--format", "xls"))),
        Invocation(("--action", "flags.", "--since", "7d", "--format", "json")),
    ),
    "config": (Invocation(),),
    "db current": (Invocation(),),
    "db upgrade": (Invocation(bad=(("--revision", "nope"),), creates_store=True),),
    "demo": (
        Invocation(
            ("--size", "20"),
            bad=(("--size", "many"),),
            skip=ALL_SCENARIOS - {"bad_options"},
            why_skipped="runs its own broker and store in its own folder; test_demo.py runs it whole",
        ),
    ),
    "dlq discard": (Invocation(("0:0", "--reason", "tested"), bad=(("0:0",), ("zero", "--reason", "x"))),),
    "dlq list": (
        Invocation(bad=(("--since", "whenever"),)),
        Invocation(("--all", "--reason", "x", "--json")),
    ),
    "dlq redrive": (Invocation(("--all",), bad=(("zero",),)),),
    "dlq show": (Invocation(("0:0",), bad=(("zero",),)),),
    "files errors": (
        Invocation(("50007",), bad=(("not-a-code",), ("50007", "--since", "last week"))),
        Invocation(("60002", "--since", "24h", "--until", "2099-01-01", "--sender", "LU")),
    ),
    "files list": (
        Invocation(bad=(("--limit", "0"), ("--until", "soon"), ("--outcome", "maybe"))),
        Invocation(("--since", "7d", "--outcome", "rejected", "--state", "answered", "--json")),
    ),
    "files show": (
        Invocation(("1",), bad=(("not-an-id",),)),
        Invocation(("0" * 64, "--json")),
    ),
    "flags": (Invocation(bad=(("--limit", "-1"),)),),
    "flags evaluate": (Invocation(bad=(("--file", "x"),)),),
    "flags rules": (Invocation(),),
    "flags show": (Invocation(("1",), bad=(("one",),)),),
    "flags study": (Invocation(bad=(("--format", "xls"),)),),
    "health": (Invocation(("--max-age", "5"), bad=(("--max-age", "never"),)),),
    "keys generate": (Invocation(("BE", "--keys-dir", "{tmp}/keys"), bad=(("BE", "--days", "0"),)),),
    "keys import": (Invocation(("LU", "{garbage}", "{garbage}"), bad=(("L-U", "{garbage}", "{garbage}"),)),),
    "keys list": (Invocation(),),
    "outbound cut": (
        Invocation(
            ("--period", "2025"), bad=(("--period", "soon"), ("--period", "2025", "--partner", "N-L"))
        ),
        Invocation(("--period", "2025", "--partner", "nl", "--json")),
    ),
    "outbound list": (
        Invocation(bad=(("--limit", "0"), ("--partner", "Netherlands"))),
        Invocation(("--partner", "LU", "--json")),
    ),
    "outbound send": (
        Invocation(bad=(("--message", "first"), ("--partner", "N-L"))),
        Invocation(("--partner", "NL", "--message", "1", "--json")),
    ),
    "outbound resend": (Invocation(("1",), bad=((),)), Invocation(("BE2025NL0000", "--json"))),
    "outbound show": (Invocation(("1",), bad=((),)), Invocation(("BE2025NL0000", "--json"))),
    "packet create": (
        Invocation(("{document}", "--to", "LU", "--out", "{tmp}/out"), bad=(("{document}",),)),
    ),
    "packet open": (Invocation(("{garbage}", "--out", "{tmp}/opened"), bad=(("{garbage}",),)),),
    "packet verify": (Invocation(("{garbage}",), bad=(("{tmp}/missing.zip",),)),),
    "partners add": (Invocation(("NL", "{garbage}"), bad=(("N-L", "{garbage}"),)),),
    "partners list": (Invocation(("--json",)),),
    "process": (
        Invocation(("{garbage}",), bad=(("{tmp}/missing.zip",),), creates_store=True),
        Invocation(("{garbage}", "--answer-dir", "{tmp}/answers"), creates_store=True),
    ),
    "reconcile": (Invocation(bad=(("--file", "x"),)),),
    "registry generate": (Invocation(("--size", "20", "--out", "{tmp}/synthetic"), bad=(("--size", "0"),)),),
    "registry load": (Invocation(("{taxpayers}",), bad=(("{taxpayers}", "--table", "nope"),)),),
    "rules": (Invocation(bad=(("--format", "cbc"),)),),
    "run": (
        Invocation(
            creates_store=True,
            service=True,
            skip=ALL_SCENARIOS - {"unknown_url_scheme", "bad_options"},
            why_skipped="a service: it waits (with logged backoff) for a broker or database that is down, "
            "and with both up it serves until SIGTERM (test_stop.py, test_runner.py)",
        ),
    ),
    "serve": (
        Invocation(
            ("--port", "0"),
            bad=(("--port", "eighty"), ("--port", "70000")),
            service=True,
            skip=frozenset({"empty_store", "empty_store_postgresql", "unreachable_broker"}),
            why_skipped="a service: on a store it can read it serves until SIGTERM (tests/console/)",
        ),
    ),
    "status": (
        Invocation(("--broker-timeout", "1"), bad=(("--interval", "0"), ("--since", "tomorrowish"))),
        Invocation(("--broker-timeout", "1", "--since", "24h", "--json")),
    ),
    "submissions": (
        Invocation(
            creates_store=True,
            service=True,
            skip=ALL_SCENARIOS - {"unknown_url_scheme", "bad_options"},
            why_skipped="a service like `run`: it waits for a broker or database that is down and serves "
            "until SIGTERM when both are up (tests/submissions/test_service.py)",
        ),
    ),
    "submit": (
        Invocation(("{document}",), bad=(("{tmp}/missing.xml",),)),
        Invocation(
            ("{document}", "--institution", "0403019261", "--json"), bad=(("{document}", "--institution"),)
        ),
    ),
    "users add": (
        Invocation(("ana", "--role", "analyst"), bad=(("ana",), ("ana", "--role", "boss"))),
        Invocation(("sso-user", "--role", "auditor", "--no-password", "--json")),
    ),
    "users list": (Invocation(("--json",)),),
    "users password": (Invocation(("nobody",), bad=(("nobody", "--password-stdin", "--no-password"),)),),
    "users remove": (Invocation(("nobody",), bad=((),)),),
    "validate": (
        Invocation(("{document}",), bad=(("{tmp}/missing.xml",),)),
        Invocation(("{document}", "--store")),
    ),
}


def _leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[str]:
    """Every command a user can run: leaves, and groups that do something without a subcommand."""
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        path = (*prefix, name)
        if isinstance(command, click.Group):
            if command.invoke_without_command:
                found.append(" ".join(path))
            found += _leaf_commands(command, path)
        else:
            found.append(" ".join(path))
    return found


COMMANDS = _leaf_commands(cli)


def test_every_command_has_an_invocation() -> None:
    missing = sorted(set(COMMANDS) - set(INVOCATIONS))
    assert not missing, f"give these commands an entry in INVOCATIONS: {missing}"
    assert not set(INVOCATIONS) - set(COMMANDS), "INVOCATIONS names commands that no longer exist"
    for name, invocations in INVOCATIONS.items():
        for invocation in invocations:
            assert not invocation.skip or invocation.why_skipped, f"{name}: say why scenarios are skipped"


@pytest.fixture(scope="session")
def migrated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty store at head, copied for each test that needs one (migrating each time is slow)."""
    store = tmp_path_factory.mktemp("migrated") / "exchange.db"
    engine = db.create_db_engine(f"sqlite:///{store}")
    try:
        db.upgrade(engine)
        claim_store(engine, Settings())
    finally:
        engine.dispose()
    return store


@dataclass
class World:
    tmp: Path
    data_dir: Path
    env: dict[str, str]

    def fill(self, args: tuple[str, ...]) -> list[str]:
        names = {
            "tmp": str(self.tmp),
            "document": str(self.tmp / "document.xml"),
            "garbage": str(self.tmp / "garbage.zip"),
            "taxpayers": str(self.tmp / "taxpayers.csv"),
        }
        return [arg.format(**names) for arg in args]


@pytest.fixture
def world(
    scenario: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    migrated_store: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> World:
    (tmp_path / "document.xml").write_bytes(crs_file("LU", message_ref_id="LU2025BE000001"))
    (tmp_path / "garbage.zip").write_bytes(b"this is not a packet")
    (tmp_path / "taxpayers.csv").write_text("national_id,kind\n85073003328,individual\n")
    data_dir = tmp_path / "data"
    env = {
        "EXCHANGE_DATA_DIR": str(data_dir),
        "EXCHANGE_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",  # nothing listens there
        "EXCHANGE_METRICS_PORT": "0",
    }
    if scenario == "no_schema":
        data_dir.mkdir()
        (data_dir / "exchange.db").touch()
    elif scenario in {"empty_store", "unreachable_broker"}:
        data_dir.mkdir()
        shutil.copy(migrated_store, data_dir / "exchange.db")
    elif scenario == "empty_store_postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        env["EXCHANGE_DATABASE_URL"] = cluster.create_database(f"robust_{uuid.uuid4().hex[:12]}")
    elif scenario == "unreachable_database":
        env["EXCHANGE_DATABASE_URL"] = f"postgresql://nobody:{SECRET}@127.0.0.1:{free_port()}/none"
    elif scenario == "unknown_url_scheme":
        env["EXCHANGE_DATABASE_URL"] = f"nosuchdb://nobody:{SECRET}@somewhere/none"
    if scenario in {"empty_store", "empty_store_postgresql"}:
        env["EXCHANGE_KAFKA_BOOTSTRAP_SERVERS"] = request.getfixturevalue("kafka_bootstrap")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if scenario == "empty_store_postgresql":
        assert main(["db", "upgrade"]) == 0
    return World(tmp_path, data_dir, env)


def _cases() -> list[object]:
    return [
        pytest.param(name, number, scenario, id=f"{name}#{number}-{scenario}")
        for name in COMMANDS
        for number, invocation in enumerate(INVOCATIONS.get(name, ()))
        for scenario in sorted(ALL_SCENARIOS - invocation.skip)
    ]


@pytest.mark.parametrize(("name", "number", "scenario"), _cases())
def test_no_internal_error(
    name: str, number: int, scenario: str, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    invocation = INVOCATIONS[name][number]
    capsys.readouterr()  # what setting the world up printed
    if scenario == "bad_options":
        for args in [("--no-such-option",), *invocation.bad]:
            code, out, err = _run([*name.split(), *world.fill(args)], capsys)
            _assert_clean(out, err)
            assert code == 2, f"{name} {args}: exit {code}, not a usage error\n{out}{err}"
        return
    code, out, err = _run([*name.split(), *world.fill(invocation.args)], capsys)
    _assert_clean(out, err)
    assert code in (0, 1), f"exit {code}\n{out}{err}"
    lines = err.strip().splitlines()
    if invocation.service:
        assert code == 1 and lines[-1].startswith("error: "), err  # no broker: it cannot serve
    else:
        assert not [line for line in lines if _LOG_LINE.search(line)], f"log lines on stderr:\n{err}"
        if code == 1:
            assert out.strip() or len(lines) == 1, f"a failure is one line on stderr:\n{err}"
            assert len([line for line in lines if line.startswith("error")]) <= 1, err
    if scenario == "no_store" and not invocation.creates_store:
        assert not world.data_dir.exists(), (
            f"{name} created {world.data_dir} ({sorted(world.data_dir.rglob('*'))})"
        )


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _assert_clean(out: str, err: str) -> None:
    assert "internal error" not in err, err
    assert "Traceback" not in out + err, out + err
    assert SECRET not in out + err, "a password was printed"
