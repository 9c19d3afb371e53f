"""Single-value rules shared by forms and the import."""

import pytest

from iris_admin.models.customers import build_search_text
from iris_admin.validation import (
    InvalidValue,
    code_key,
    normalise_code,
    normalise_country,
    normalise_email,
    normalise_phone,
)


def test_code_is_trimmed_and_empty_means_none():
    assert normalise_code("  C-042 ") == "C-042"
    assert normalise_code("   ") is None
    assert normalise_code(None) is None


def test_codes_compare_ignoring_case_and_spaces():
    assert code_key(" abc ") == code_key("ABC")


@pytest.mark.parametrize("raw", ["jan@example.com", " Jan@Example.com "])
def test_valid_email_is_normalised(raw):
    assert normalise_email(raw).lower() == "jan@example.com"


@pytest.mark.parametrize("raw", ["jan@", "no at sign", "a@b@c.nl"])
def test_invalid_email_is_refused_with_a_message(raw):
    with pytest.raises(InvalidValue, match="Not a valid e-mail address"):
        normalise_email(raw)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("06 12345678", "+31 6 12345678"),
        ("+31612345678", "+31 6 12345678"),
        ("020-1234567", "+31 20 123 4567"),
        ("+32 470 12 34 56", "+32 470 12 34 56"),
    ],
)
def test_phone_numbers_are_stored_in_international_format(raw, stored):
    assert normalise_phone(raw, "NL") == stored


@pytest.mark.parametrize("raw", ["12", "phone me", "+31 6 123"])
def test_invalid_phone_is_refused_with_a_message(raw):
    with pytest.raises(InvalidValue, match="Not a valid phone number"):
        normalise_phone(raw, "NL")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("NL", "NL"),
        ("nl", "NL"),
        ("Netherlands", "NL"),
        ("Nederland", "NL"),
        ("Belgium", "BE"),
        ("België", "BE"),
        ("DEU", "DE"),
    ],
)
def test_country_from_code_or_english_or_dutch_name(raw, code):
    assert normalise_country(raw) == code


def test_unknown_country_is_refused():
    with pytest.raises(InvalidValue, match="Unknown country"):
        normalise_country("Atlantis")


def test_search_text_holds_phone_digits_in_both_forms():
    text = build_search_text({"name": "Acme", "mobile": "+31 6 12345678", "postal_code": "1234 AB"})
    assert "acme" in text
    assert "31612345678" in text
    assert "0612345678" in text
    assert "1234ab" in text
