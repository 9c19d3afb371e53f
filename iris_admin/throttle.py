"""Log-in throttling: too many failures per address within a window; a slow-down per account.

An address with too many failures waits until the window has passed. An account
with too many failures is slowed down, not locked: only addresses that failed for
it wait (a delay that doubles with every further failure, at most the window), so
nobody can lock a user out by typing wrong passwords for them, and the right
password from an address that has not failed is never refused.

Counters are rows in ``iris_login_failure`` rather than a per-process counter
(Flask-Limiter's default memory storage), so every worker of a hosted
deployment, on any machine, sees the same counts and a restart forgets nothing.
The table only ever holds the failures of the last window.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from .models import LoginFailure
from .models.base import utcnow


@dataclass(frozen=True)
class ThrottleRules:
    max_per_account: int
    max_per_address: int
    window: timedelta
    account_delay: timedelta = timedelta(seconds=60)

    @classmethod
    def from_config(cls, config: dict) -> ThrottleRules:
        return cls(
            max_per_account=int(config["IRIS_LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
            max_per_address=int(config["IRIS_LOGIN_MAX_FAILURES_PER_ADDRESS"]),
            window=timedelta(seconds=int(config["IRIS_LOGIN_FAILURE_WINDOW"])),
            account_delay=timedelta(seconds=int(config["IRIS_LOGIN_ACCOUNT_DELAY"])),
        )


class LoginThrottle:
    def __init__(
        self, session: Session, rules: ThrottleRules, now: Callable[[], datetime] = utcnow
    ) -> None:
        self.session = session
        self.rules = rules
        self.now = now

    def retry_after(self, email: str, address: str) -> int | None:
        """Seconds until a log-in for this account from this address may be tried; None: now."""
        address_wait = self._wait(LoginFailure.address == address, self.rules.max_per_address)
        if address_wait is not None:
            return address_wait
        return self._account_delay(_key(email), address)

    def record_failure(self, email: str, address: str) -> None:
        now = self.now()
        # Keep the table small: nothing older than one window is ever needed.
        self.session.execute(
            delete(LoginFailure).where(LoginFailure.created_at < now - self.rules.window)
        )
        self.session.add(LoginFailure(email=_key(email), address=address[:45], created_at=now))

    def forget_account(self, email: str, address: str) -> None:
        """After a successful log-in, this address's failures for the account are forgotten.

        Only this address's: another address's failures (someone guessing) keep counting.
        """
        self.session.execute(
            delete(LoginFailure).where(
                LoginFailure.email == _key(email), LoginFailure.address == address[:45]
            )
        )

    def _account_delay(self, key: str, address: str) -> int | None:
        limit = self.rules.max_per_account
        if limit <= 0:
            return None
        recent = [
            LoginFailure.email == key,
            LoginFailure.created_at > self.now() - self.rules.window,
        ]
        failures, latest = self.session.execute(
            select(func.count(), func.max(LoginFailure.created_at)).where(*recent)
        ).one()
        if failures < limit or latest is None:
            return None
        failed_here = self.session.scalar(
            select(LoginFailure.id).where(*recent, LoginFailure.address == address[:45]).limit(1)
        )
        if failed_here is None:
            return None  # an address that has not failed for this account may always try
        doublings = min(failures - limit, 16)
        delay = min(self.rules.account_delay * 2**doublings, self.rules.window)
        seconds = (latest + delay - self.now()).total_seconds()
        return max(1, math.ceil(seconds)) if seconds > 0 else None

    def _wait(self, condition: ColumnElement[bool], limit: int) -> int | None:
        if limit <= 0:
            return None
        now = self.now()
        # The limit-th most recent failure in the window: once it ages out, the count
        # drops below the limit and log-ins may be tried again.
        oldest_that_counts = self.session.scalar(
            select(LoginFailure.created_at)
            .where(condition, LoginFailure.created_at > now - self.rules.window)
            .order_by(LoginFailure.created_at.desc())
            .limit(1)
            .offset(limit - 1)
        )
        if oldest_that_counts is None:
            return None
        seconds = (oldest_that_counts + self.rules.window - now).total_seconds()
        return max(1, math.ceil(seconds))


def _key(email: str) -> str:
    return (email or "").strip().lower()[:254]
