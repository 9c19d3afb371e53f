"""Browser tests wait longer than Playwright's defaults before calling a page broken.

Playwright's 5 s for an assertion is tight for a form post plus a Flask-Admin page
with two dozen static files on a busy 2-core CI machine running tests in parallel;
a real failure still fails, it just takes a little longer to say so. Actions get less
than the 30 s default, so a wrong selector fails fast.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

ASSERTION_TIMEOUT_MS = 15_000
ACTION_TIMEOUT_MS = 15_000


@pytest.fixture(autouse=True)
def patient_browser(request: pytest.FixtureRequest) -> Iterator[None]:
    if "page" in request.fixturenames:
        page: Page = request.getfixturevalue("page")
        page.set_default_timeout(ACTION_TIMEOUT_MS)
    expect.set_options(timeout=ASSERTION_TIMEOUT_MS)
    yield
