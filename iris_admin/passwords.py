"""Checking a password in constant work: an unknown address costs one hash too.

Without it a wrong password for a real account took ~125 ms (scrypt) and an unknown
address ~10 ms, which told anyone which addresses have accounts.
"""

from __future__ import annotations

import functools
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from .models import User


@functools.cache
def _dummy_hash() -> str:
    # Werkzeug's current default method and cost, like every stored hash.
    return generate_password_hash(secrets.token_urlsafe(24))


def password_matches(user: User | None, password: str) -> bool:
    """True for the account's password; always exactly one hash check."""
    stored = user.password_hash if user is not None else None
    if not stored:
        check_password_hash(_dummy_hash(), password or "")
        return False
    return check_password_hash(stored, password or "")
