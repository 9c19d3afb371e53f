"""Ids typed into URLs: digits that fit the database's integer keys, or nothing.

A number too big for an INTEGER column makes SQLite raise an OverflowError and
PostgreSQL an out-of-range error (a 500); such an id cannot exist, so it reads as
"no such id" (a 404) or a bad request (a 400) instead.
"""

from __future__ import annotations

# The largest key any supported database stores (PostgreSQL's INTEGER is smaller
# still, and an id above it simply matches nothing there).
MAX_ID = 2**31 - 1


def parse_id(value: object) -> int | None:
    text = str(value).strip() if value is not None else ""
    if not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
