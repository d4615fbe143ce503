"""Staff accounts in Redis and the `flask staff add|remove|list` commands."""

from __future__ import annotations

import pytest
import redis
from flask import Flask
from staff_support import PASSWORD

from checker.staff import StaffAccounts, StaffError


@pytest.fixture
def accounts(redis_client: redis.Redis, key_prefix: str) -> StaffAccounts:
    return StaffAccounts(redis_client, key_prefix)


def test_add_verify_remove(accounts: StaffAccounts, redis_client: redis.Redis) -> None:
    accounts.add("Alice", PASSWORD)
    assert accounts.usernames() == ["alice"]
    assert accounts.verify("alice", PASSWORD).username == "alice"
    assert accounts.verify(" ALICE ", PASSWORD) is not None  # names are case-insensitive
    assert accounts.verify("alice", PASSWORD + "x") is None
    assert accounts.verify("bob", PASSWORD) is None
    stored = redis_client.hget(accounts.key, "alice").decode()
    assert PASSWORD not in stored and "scrypt:" in stored  # a Werkzeug hash, never the password
    assert accounts.remove("alice") and not accounts.remove("alice")
    assert accounts.verify("alice", PASSWORD) is None


def test_duplicate_and_reset(accounts: StaffAccounts) -> None:
    first = accounts.add("alice", PASSWORD)
    with pytest.raises(StaffError, match="already"):
        accounts.add("alice", "another long password")
    reset = accounts.add("alice", "another long password", replace=True)
    assert reset.generation != first.generation  # ends sessions signed in with the old one
    assert accounts.verify("alice", "another long password") is not None
    assert accounts.verify("alice", PASSWORD) is None


@pytest.mark.parametrize(("username", "password", "message"), [
    ("a", PASSWORD, "username"), ("al ice", PASSWORD, "username"), ("../x", PASSWORD, "username"),
    ("alice", "short", "at least 12"), ("alice", "x" * 300, "at most"),
])
def test_rejects_bad_accounts(accounts: StaffAccounts, username: str, password: str,
                              message: str) -> None:
    with pytest.raises(StaffError, match=message):
        accounts.add(username, password)
    assert accounts.usernames() == []


def test_cli_add_from_stdin_list_remove(staff_app: Flask) -> None:
    runner = staff_app.test_cli_runner()
    result = runner.invoke(args=["staff", "add", "alice"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Added alice" in result.output
    result = runner.invoke(args=["staff", "add", "bob", "--password-stdin"],
                           input="another long password\n")
    assert result.exit_code == 0, result.output
    accounts = staff_app.extensions["clotcheck"].staff
    assert accounts.verify("alice", PASSWORD) is not None
    assert accounts.verify("bob", "another long password") is not None
    assert runner.invoke(args=["staff", "list"]).output.split() == ["alice", "bob"]
    result = runner.invoke(args=["staff", "remove", "bob"])
    assert result.exit_code == 0 and "Removed bob" in result.output
    assert runner.invoke(args=["staff", "list"]).output.split() == ["alice"]


def test_cli_errors_are_readable(staff_app: Flask) -> None:
    runner = staff_app.test_cli_runner()
    result = runner.invoke(args=["staff", "add", "alice"], input="short\n")
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    runner.invoke(args=["staff", "add", "alice"], input=PASSWORD + "\n")
    result = runner.invoke(args=["staff", "add", "alice"], input=PASSWORD + "\n")
    assert result.exit_code == 1 and "already an account" in result.output
    result = runner.invoke(args=["staff", "add", "alice", "--replace"],
                           input="a new long password\n")
    assert result.exit_code == 0 and "Password reset for alice" in result.output
    result = runner.invoke(args=["staff", "remove", "nobody"])
    assert result.exit_code == 1 and "no account called 'nobody'" in result.output
