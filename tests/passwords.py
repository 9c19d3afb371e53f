"""The password of the test accounts and one hash of it, shared by every account.

The hash is a real scrypt hash with a smaller work factor than Werkzeug's default
(which costs ~0.1-0.4 s a hash or check on a busy 2-core machine, and the suite
logs in well over a thousand times). Passwords set through the product's own forms
and commands still get the default cost; tests of those paths see that cost.
"""

from __future__ import annotations

import functools

from werkzeug.security import generate_password_hash

PASSWORD = "correct horse battery"
CHEAP_SCRYPT = "scrypt:4096:8:1"


@functools.cache
def password_hash() -> str:
    return generate_password_hash(PASSWORD, method=CHEAP_SCRYPT)
