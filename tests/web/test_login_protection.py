"""Nobody can lock an account out, and the answer's timing does not tell which accounts exist."""

from __future__ import annotations

import pytest
from flask import Flask

import iris_admin.passwords
from iris_admin.models import Role
from tests.conftest import PASSWORD, make_user
from tests.portal_world import BrowserLikeClient

THROTTLE_MESSAGE = "Too many failed log-in attempts"


def client_at(app: Flask, address: str) -> BrowserLikeClient:
    client = BrowserLikeClient(app.test_client())
    client.http.environ_base["REMOTE_ADDR"] = address
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def test_failed_guesses_from_elsewhere_do_not_lock_the_user_out(app, staff_user):
    attacker = client_at(app, "203.0.113.66")
    for _attempt in range(8):
        attacker.login(staff_user.email, "guess")
    assert attacker.login(staff_user.email, "guess").status_code == 429
    # The user, at an address that has not failed, logs in with the right password ...
    user = client_at(app, "192.0.2.10")
    assert user.login(staff_user.email, PASSWORD).status_code == 302
    # ... and a typo there is an ordinary wrong password, not a lock-out.
    typo = client_at(app, "192.0.2.11")
    response = typo.login(staff_user.email, "typo")
    assert response.status_code == 200 and "Wrong e-mail address or password." in text(response)


def test_the_guessing_address_is_slowed_down_more_with_every_failure(app, staff_user):
    rules_delay = app.config["IRIS_LOGIN_ACCOUNT_DELAY"]
    attacker = client_at(app, "203.0.113.67")
    for _attempt in range(5):
        attacker.login(staff_user.email, "guess")
    first = attacker.login(staff_user.email, "guess")
    assert first.status_code == 429 and THROTTLE_MESSAGE in text(first)
    assert 0 < int(first.headers["Retry-After"]) <= rules_delay
    # Another fresh address fails once more: the delay doubles for the guessing address.
    client_at(app, "203.0.113.68").login(staff_user.email, "guess")
    second = attacker.login(staff_user.email, PASSWORD)
    assert second.status_code == 429
    assert rules_delay < int(second.headers["Retry-After"]) <= 2 * rules_delay


def test_per_address_limit_still_refuses_everything_from_that_address(app, staff_user):
    attacker = client_at(app, "203.0.113.69")
    for number in range(20):
        attacker.login(f"guess{number}@test.example", "nope")
    assert attacker.login(staff_user.email, PASSWORD).status_code == 429


class CountingHasher:
    def __init__(self, real) -> None:
        self.real = real
        self.calls = 0

    def __call__(self, stored: str, password: str) -> bool:
        self.calls += 1
        return self.real(stored, password)


@pytest.fixture
def hasher(monkeypatch) -> CountingHasher:
    counting = CountingHasher(iris_admin.passwords.check_password_hash)
    monkeypatch.setattr(iris_admin.passwords, "check_password_hash", counting)
    return counting


@pytest.mark.parametrize(
    "email",
    ["nobody@test.example", "staff@test.example", "nopassword@test.example"],
    ids=["unknown address", "wrong password", "account without password"],
)
def test_every_failed_login_hashes_one_password(app, staff_user, hasher, email):
    account = make_user("nopassword@test.example", Role.STAFF.value)
    account.password_hash = None
    client = client_at(app, "192.0.2.50")
    client.refresh_token()
    hasher.calls = 0
    response = client.login(email, "wrong password")
    assert "Wrong e-mail address or password." in text(response)
    assert hasher.calls == 1
