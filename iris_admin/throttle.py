"""Log-in throttling: too many failures per account or per address within a window.

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

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from .models import LoginFailure
from .models.base import utcnow


@dataclass(frozen=True)
class ThrottleRules:
    max_per_account: int
    max_per_address: int
    window: timedelta

    @classmethod
    def from_config(cls, config: dict) -> ThrottleRules:
        return cls(
            max_per_account=int(config["IRIS_LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
            max_per_address=int(config["IRIS_LOGIN_MAX_FAILURES_PER_ADDRESS"]),
            window=timedelta(seconds=int(config["IRIS_LOGIN_FAILURE_WINDOW"])),
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
        waits = [
            self._wait(LoginFailure.email == _key(email), self.rules.max_per_account),
            self._wait(LoginFailure.address == address, self.rules.max_per_address),
        ]
        longest = max((wait for wait in waits if wait is not None), default=None)
        return longest

    def record_failure(self, email: str, address: str) -> None:
        now = self.now()
        # Keep the table small: nothing older than one window is ever needed.
        self.session.execute(
            delete(LoginFailure).where(LoginFailure.created_at < now - self.rules.window)
        )
        self.session.add(LoginFailure(email=_key(email), address=address[:45], created_at=now))

    def forget_account(self, email: str) -> None:
        """After a successful log-in the account starts with a clean slate (the address does
        not)."""
        self.session.execute(delete(LoginFailure).where(LoginFailure.email == _key(email)))

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
