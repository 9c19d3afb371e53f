"""Which offered language answers a browser's Accept-Language."""

from __future__ import annotations

import pytest
from flask import Flask

from iris_admin.languages import browser_language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("nl-NL, en;q=0.5", "nl"),  # Werkzeug's best_match would answer "en"
        ("fr-FR, nl-BE;q=0.8, en;q=0.5", "nl"),
        ("en-GB,en;q=0.9,nl;q=0.8", "en"),
        ("NL", "nl"),
        ("nl;q=0, en;q=0.1", "en"),
        ("fr, de", None),
        ("", None),
    ],
)
def test_the_browser_order_wins_and_regions_count_as_their_language(header, expected):
    app = Flask(__name__)
    with app.test_request_context(headers={"Accept-Language": header}):
        assert browser_language(["en", "nl"]) == expected
