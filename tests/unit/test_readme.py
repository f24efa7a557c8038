"""The README keeps its promises: the two commands first, every setting documented, every command listed."""

from __future__ import annotations

import re

import click

from exchange.cli.main import cli
from exchange.settings import setting_env_names
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def test_readme_starts_with_the_two_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block is not None and README.index("```sh") < README.index("## ")
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (REPO_ROOT / ".ci" / "run").read_text()


def test_every_setting_is_documented() -> None:
    missing = {name for name in setting_env_names() if f"`{name}`" not in README}
    assert not missing, f"settings missing from the README table: {sorted(missing)}"


def test_every_command_is_documented() -> None:
    missing = {name for name in cli.list_commands(click.Context(cli)) if f"`exchange {name}" not in README}
    assert not missing, f"commands missing from the README: {sorted(missing)}"
