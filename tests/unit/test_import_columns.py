"""Reading rules for headers and cells."""

from datetime import date, datetime

import pytest

from iris_admin.importing.columns import (
    TEMPLATE_HEADERS,
    cell_text,
    clean_email,
    clean_phone,
    match_headers,
    parse_bool,
)
from iris_admin.importing.results import ImportMode
from iris_admin.validation import InvalidValue, normalise_email, normalise_phone


def test_template_headers_are_the_documented_ones():
    assert TEMPLATE_HEADERS == (
        "Code",
        "Name",
        "Business customer",
        "First name",
        "Last name",
        "Street",
        "Postal code",
        "City",
        "Country",
        "Email",
        "Telephone",
        "Mobile phone",
        "Default payer",
        "Status",
    )


def test_headers_match_ignoring_case_spaces_and_order(app):
    match = match_headers(
        [" NAME ", "e-mail", "postalcode", "CODE", "Mobile  Phone"], ImportMode.ADD
    )
    assert match.columns == {"name": 0, "email": 1, "postal_code": 2, "code": 3, "mobile": 4}
    assert match.errors == []


def test_dutch_headers_match(app):
    dutch = [
        "Code",
        "Naam",
        "Zakelijke klant",
        "Voornaam",
        "Achternaam",
        "Straat",
        "Postcode",
        "Plaats",
        "Land",
        "E-mail",
        "Telefoon",
        "Mobiel",
        "Standaard betaler",
        "Status",
    ]
    match = match_headers(dutch, ImportMode.ADD)
    assert list(match.columns) == [
        "code",
        "name",
        "is_business",
        "first_name",
        "last_name",
        "street",
        "postal_code",
        "city",
        "country",
        "email",
        "telephone",
        "mobile",
        "default_payer",
        "status",
    ]


def test_unknown_column_is_a_warning_and_empty_headers_are_ignored(app):
    match = match_headers(["Name", None, "Favourite colour", ""], ImportMode.ADD)
    assert match.columns == {"name": 0}
    assert match.unknown == ["Favourite colour"]
    assert match.errors == []


def test_missing_name_column_is_one_clear_error(app):
    match = match_headers(["Code", "Email"], ImportMode.ADD)
    assert len(match.errors) == 1
    assert "no column Name" in match.errors[0]


def test_first_and_last_name_columns_replace_name(app):
    assert match_headers(["Voornaam", "Achternaam"], ImportMode.ALL).errors == []


def test_delete_mode_needs_code_or_name(app):
    assert match_headers(["Code"], ImportMode.DELETE).errors == []
    assert match_headers(["Email"], ImportMode.DELETE).errors


def test_a_column_given_twice_is_an_error(app):
    match = match_headers(["Name", "Naam"], ImportMode.ADD)
    assert "appears twice" in match.errors[0]
    assert "columns A and B" in match.errors[0]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (4711, "4711"),
        (4711.0, "4711"),
        (12.5, "12.5"),
        ("  0042 ", "0042"),
        ("", None),
        ("   ", None),
        (None, None),
        (True, "yes"),
        (date(2024, 5, 1), "2024-05-01"),
        (datetime(2024, 5, 1, 0, 0), "2024-05-01"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_csv_formula_quote_is_removed_only_for_csv():
    assert cell_text("'+31 6 12345678", from_csv=True) == "+31 6 12345678"
    assert cell_text("'=1+1", from_csv=True) == "=1+1"
    assert cell_text("'@home", from_csv=True) == "@home"
    assert cell_text("'t Hoekje", from_csv=True) == "'t Hoekje"
    assert cell_text("'+31 6 12345678") == "'+31 6 12345678"


@pytest.mark.parametrize("value", ["yes", "Ja", "TRUE", "waar", "1", "x", "X", 1, True, 1.0])
def test_true_values(value):
    assert parse_bool(value) is True


@pytest.mark.parametrize("value", ["no", "Nee", "false", "0", "", None, 0, False, "  "])
def test_false_values(value):
    assert parse_bool(value) is False


def test_other_boolean_text_is_an_error(app):
    with pytest.raises(InvalidValue, match="Not yes or no: maybe"):
        parse_bool("maybe")


EMAILS = [
    "info@example.com",
    "Info@EXAMPLE.com",
    "first.last+tag@sub.example.co.uk",
    "o'brien@example.ie",
    "a@b.c",
    "x@localhost",
    "x@example.test",
    ".dot@example.com",
    "dot.@example.com",
    "two..dots@example.com",
    "no-at-sign",
    "@example.com",
    "user@",
    "user@-example.com",
    "user@example..com",
    "user@exa_mple.com",
    "jürgen@example.de",
    "user@bücher.example",
    "user@xn--bcher-kva.example",
    '"quoted"@example.com',
    "a" * 64 + "@example.com",
    "a" * 65 + "@example.com",
    "user@" + "a" * 64 + ".com",
    "user@example.c0m",
    "user@123.123.123.123",
    "user@[127.0.0.1]",
    "UPPER@CASE.NL",
    "Sales@Example.com",
    "POSTMASTER@example.com",
    "Jan de Vries <jan@example.com>",
]


@pytest.mark.parametrize("email", EMAILS)
def test_fast_email_check_gives_exactly_what_validation_gives(app, email):
    try:
        expected = normalise_email(email)
    except InvalidValue:
        with pytest.raises(InvalidValue):
            clean_email(email)
    else:
        assert clean_email(email) == expected


PHONES = [
    "0612345678",
    "06-12345678",
    "+31 6 12345678",
    "+31612345678",
    "020 123 4567",
    "0031 20 1234567",
    "+32 2 123 45 67",
    "123",
    "abc",
    "+1 202 555 0143",
    "0800-1234",
]


@pytest.mark.parametrize("phone", PHONES)
def test_phone_cleaning_is_the_form_rule(app, phone):
    try:
        expected = normalise_phone(phone, "NL")
    except InvalidValue as exc:
        with pytest.raises(InvalidValue) as raised:
            clean_phone(phone, "NL")
        assert str(raised.value) == str(exc)
    else:
        assert clean_phone(phone, "NL") == expected
