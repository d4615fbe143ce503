"""`flask --app app staff add|remove|list`: staff accounts, stored in Redis."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from checker.staff import StaffError, normalise_username
from checker.web.pages import services

staff_cli = AppGroup("staff", help="Manage staff accounts (stored in Redis).")


def _read_password(password_stdin: bool) -> str:
    if password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@staff_cli.command("add")
@click.argument("username")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input (automatic when it is not a TTY).")
@click.option("--replace", is_flag=True, help="Reset the password of an existing account.")
def add_command(username: str, password_stdin: bool, replace: bool) -> None:
    """Add a staff account (or reset its password with --replace)."""
    password = _read_password(password_stdin)
    try:
        account = services().staff.add(username, password, replace=replace)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{'Password reset for' if replace else 'Added'} {account.username}.")


@staff_cli.command("remove")
@click.argument("username")
def remove_command(username: str) -> None:
    """Remove a staff account; its sessions end at once."""
    if not services().staff.remove(username):
        raise click.ClickException(f"There is no account called {normalise_username(username)!r}.")
    click.echo(f"Removed {normalise_username(username)}.")


@staff_cli.command("list")
def list_command() -> None:
    """List staff usernames."""
    for name in services().staff.usernames():
        click.echo(name)
