"""`exchange users`: the people who may log in to the console (`exchange serve`), each with one role.

A password is generated and printed once unless one is read from standard input (`--password-stdin`);
`--no-password` makes a user who logs in only through the single-sign-on proxy. Changing a password or
removing a user ends their sessions at once.
"""

from __future__ import annotations

import secrets
import sys
from typing import Any

import click

from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.cli.store_access import open_store
from exchange.users import Role, add_user, list_users, remove_user, set_password
from exchange.users.accounts import UserInfo


def generated_password() -> str:
    """A password to print once: 120 random bits, URL-safe characters."""
    return secrets.token_urlsafe(15)


def _password(password_stdin: bool, no_password: bool) -> tuple[str | None, bool]:
    """The password to set and whether it was generated here (so it must be printed)."""
    if password_stdin and no_password:
        raise click.UsageError("--password-stdin and --no-password exclude each other")
    if no_password:
        return None, False
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    return generated_password(), True


password_options = [
    click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin."),
    click.option(
        "--no-password",
        is_flag=True,
        help="No password: the user logs in only through the single-sign-on proxy "
        "(EXCHANGE_CONSOLE_TRUSTED_PROXY_HEADER).",
    ),
]


def _with_password_options(command: Any) -> Any:
    for option in reversed(password_options):
        command = option(command)
    return command


def _row(user: UserInfo) -> dict[str, Any]:
    return {
        "name": user.name,
        "role": user.role.value,
        "password": user.has_password,
        "created_at": user.created_at.isoformat(),
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
    }


@click.group("users")
def users_group() -> None:
    """The console's users: add, list, remove, and set a password."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@_with_password_options
@json_option
@pass_context
def add_command(
    context: CliContext, name: str, role: str, password_stdin: bool, no_password: bool, as_json: bool
) -> None:
    """Add a console user with a ROLE: operator (files, codes, dead letters, keys), analyst (flags with
    personal data, audited), auditor (the audit trail) or admin (users and the operators' pages).

    The generated password is printed once, here; it is stored only as an Argon2id hash.
    """
    password, generated = _password(password_stdin, no_password)
    engine = open_store(context.settings)
    try:
        user = add_user(engine, name, Role(role), password)
    finally:
        engine.dispose()
    result = _row(user) | {"generated_password": password if generated else None}
    emit(result, as_json, _human_added)


def _human_added(result: dict[str, Any]) -> str:
    line = f"console user {result['name']} ({result['role']}) added"
    if result["generated_password"]:
        return f"{line}; password (shown once): {result['generated_password']}"
    return line + ("" if result["password"] else "; no password: single sign-on only")


@users_group.command("list")
@json_option
@pass_context
def list_command(context: CliContext, as_json: bool) -> None:
    """The console's users with their role, whether they have a password, and their last login."""
    engine = open_store(context.settings)
    try:
        rows = [_row(user) for user in list_users(engine)]
    finally:
        engine.dispose()
    emit(rows, as_json, _human_list)


def _human_list(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no console users: add one with `exchange users add NAME --role ROLE`"
    lines = [f"{'name':<24}  {'role':<8}  {'password':<8}  last login (UTC)"]
    for row in rows:
        last = (row["last_login_at"] or "-")[:19].replace("T", " ")
        lines.append(f"{row['name']:<24}  {row['role']:<8}  {'yes' if row['password'] else 'sso':<8}  {last}")
    return "\n".join(lines)


@users_group.command("remove")
@click.argument("name")
@pass_context
def remove_command(context: CliContext, name: str) -> None:
    """Remove a console user; their sessions end at once."""
    engine = open_store(context.settings)
    try:
        remove_user(engine, name)
    finally:
        engine.dispose()
    click.echo(f"console user {name} removed")


@users_group.command("password")
@click.argument("name")
@_with_password_options
@json_option
@pass_context
def password_command(
    context: CliContext, name: str, password_stdin: bool, no_password: bool, as_json: bool
) -> None:
    """Give a console user a new password (generated and printed once unless --password-stdin); their
    sessions end at once."""
    password, generated = _password(password_stdin, no_password)
    engine = open_store(context.settings)
    try:
        set_password(engine, name, password)
    finally:
        engine.dispose()
    result = {"name": name, "generated_password": password if generated else None, "password": bool(password)}
    emit(result, as_json, _human_password)


def _human_password(result: dict[str, Any]) -> str:
    if result["generated_password"]:
        return f"new password for {result['name']} (shown once): {result['generated_password']}"
    return f"password of {result['name']} " + (
        "set" if result["password"] else "removed: single sign-on only"
    )
