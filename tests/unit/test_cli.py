"""The command line's promises: help everywhere, JSON where it reports, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from exchange.cli.main import cli, main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found += _commands(command, path)
    return found


def test_a_command_loads_only_its_own_modules() -> None:
    # `exchange validate` starts without the database, broker and linkage code of the other commands.
    code = (
        "import sys; from exchange.cli.main import main; main(['validate', '--help']); "
        "print(sorted(m for m in ('sqlalchemy', 'aiokafka', 'exchange.reconcile') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("config", "db", "demo"):
        assert name in out


@pytest.mark.parametrize("path", _commands(cli), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*path, "--help"]) == 0
    assert "Usage:" in capsys.readouterr().out


def test_config_json_prints_the_settings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "LU")
    assert main(["config", "--json"]) == 0
    settings = json.loads(capsys.readouterr().out)
    assert settings["home_jurisdiction"] == "LU"
    assert settings["topic_inbound"] == "exchange.inbound"


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    assert main(["config", "--no-such-flag"]) == 2
    assert "No such" in capsys.readouterr().err


def test_bad_settings_exit_1_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_HOME_JURISDICTION", "Belgium")
    assert main(["config"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: invalid settings") and err.count("\n") == 1


def test_missing_config_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--config", str(tmp_path / "nope.toml"), "config"]) == 1
    assert capsys.readouterr().err.strip() == f"error: config file not found: {tmp_path / 'nope.toml'}"


def test_console_script_never_shows_a_traceback(tmp_path: Path) -> None:
    """Through the installed console script, as a user runs it: an unreachable database."""
    env = {
        "PATH": str(Path(sys.executable).parent),
        "HOME": str(tmp_path),
        "EXCHANGE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
    }
    result = subprocess.run(
        [str(Path(sys.executable).parent / "exchange"), "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "unreachable" in result.stderr


def _validate_logs(args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from tests.pipeline.conftest import crs_file

    document = tmp_path / "document.xml"
    document.write_bytes(crs_file("LU", message_ref_id="LU2025BE000001"))
    code = main([*args, "validate", str(document)])
    return code, capsys.readouterr().err


def test_a_command_prints_no_info_log_lines_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _validate_logs([], tmp_path, capsys)
    assert code == 0 and err == ""


@pytest.mark.parametrize(
    ("args", "shown", "hidden"),
    [
        (["-v"], "business rules checked", "schema validation finished"),
        (["-vv"], "schema validation finished", None),
        (["--log-level", "info"], "business rules checked", "schema validation finished"),
    ],
)
def test_verbose_shows_the_log(
    args: list[str], shown: str, hidden: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _validate_logs(args, tmp_path, capsys)
    assert code == 0 and shown in err
    assert hidden is None or hidden not in err


def test_the_environment_or_config_file_asks_for_the_log_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXCHANGE_LOG_LEVEL", "info")
    assert "business rules checked" in _validate_logs([], tmp_path, capsys)[1]
    monkeypatch.delenv("EXCHANGE_LOG_LEVEL")
    config = tmp_path / "settings.toml"
    config.write_text('log_level = "info"\n')
    assert "business rules checked" in _validate_logs(["--config", str(config)], tmp_path, capsys)[1]


def test_a_service_logs_at_info_by_default_and_other_commands_at_warning() -> None:
    from exchange.cli.context import CliContext
    from exchange.settings import Settings

    assert CliContext(service=True).log_level(Settings()) == "info"
    assert CliContext().log_level(Settings()) == "warning"
    assert CliContext().log_level(Settings(log_level="debug")) == "debug"  # asked for
    assert CliContext(service=True).log_level(Settings(log_level="error")) == "error"
