"""The normalising step of the import: per-row work without Flask or a database."""

from __future__ import annotations

from iris_admin.importing.cleaning import CleanSettings, clean_batch

HEADER = (
    "code",
    "name",
    "street",
    "postal_code",
    "city",
    "country",
    "email",
    "telephone",
    "mobile",
)
SETTINGS = CleanSettings(
    tuple((key, position) for position, key in enumerate(HEADER)), from_csv=False, region="NL"
)


def test_cells_become_trimmed_texts_and_checked_values() -> None:
    [row] = clean_batch(
        [
            (
                2,
                [
                    "  0042 ",
                    "Acme",
                    "Markt 1",
                    "1234 AB",
                    "Delft",
                    "Nederland",
                    "Info@Acme.Example",
                    "020 123 4567",
                    612345678.0,
                ],
            )
        ],
        SETTINGS,
    )
    assert row.text["code"] == "0042" and row.text["mobile"] == "612345678"
    assert row.checked == {
        "country": "NL",
        "email": "info@acme.example",
        "telephone": "+31 20 123 4567",
        "mobile": "+31 6 12345678",
    }
    assert row.phone_digits == {"+31 20 123 4567": "0201234567", "+31 6 12345678": "0612345678"}


def test_values_that_do_not_pass_are_left_for_the_planner_to_report() -> None:
    [row] = clean_batch(
        [(2, ["C1", "Acme", None, None, None, "Atlantis", "not-an-address", "12", None])], SETTINGS
    )
    assert row.text["country"] == "Atlantis"
    # No message here: the planner checks them again and says why, in the user's language.
    assert row.checked == {"mobile": None}


def test_values_as_stored_are_not_checked_again() -> None:
    from iris_admin.importing.cleaning import check_row, row_texts

    cells = ["C1", "Acme", None, None, None, "NL", "a@b.example", "+31 20 123 4567", "06 1234 5678"]
    text = row_texts(cells, SETTINGS)
    stored = {
        "country": "NL",
        "email": "a@b.example",
        "telephone": "+31 20 123 4567",
        "mobile": "+31 6 12345678",
    }
    row = check_row(text, stored, SETTINGS, {})
    # Only the mobile number, written differently from the stored one, is parsed.
    assert row.checked == {"mobile": "+31 6 12345678"}
    assert row.phone_digits == {"+31 6 12345678": "0612345678"}
