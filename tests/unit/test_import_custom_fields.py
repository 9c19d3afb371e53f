"""Custom fields in the import and export: template columns, matching, validation by
type, required fields, the preview diff, merging on apply, the round trip, and the
fast paths (definitions read once, no query per row)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openpyxl
import pytest
from sqlalchemy import event, select

from iris_admin.extension import db_session
from iris_admin.importing.results import RowStatus
from iris_admin.importing.template import export_customers, write_template
from iris_admin.models import Customer, CustomField
from tests.factories import make_customer
from tests.import_files import HEADERS, csv_bytes, import_file, plan_in_memory, row, stored_plan

# (label, key, type, options), in the fields' order.
FIELDS = [
    ("Account manager", "account_manager", "text", []),
    ("Notes", "notes", "long_text", []),
    ("Employees", "employees", "number", []),
    ("Contract end", "contract_end", "date", []),
    ("Newsletter", "newsletter", "bool", []),
    ("Segment", "segment", "choice", ["Gold", "Silver", "Bronze"]),
]
LABELS = [label for label, *_ in FIELDS]
ALL_HEADERS = HEADERS + LABELS


def define(
    label: str,
    key: str,
    field_type: str,
    options: list[str] | None = None,
    *,
    required: bool = False,
    sort_order: int = 100,
    active: bool = True,
    help_text: str | None = None,
) -> CustomField:
    custom_field = CustomField(
        label=label,
        key=key,
        field_type=field_type,
        options=options or [],
        required=required,
        sort_order=sort_order,
        active=active,
        help_text=help_text,
    )
    db_session().add(custom_field)
    db_session().commit()
    return custom_field


@pytest.fixture
def fields(app) -> list[CustomField]:
    return [
        define(label, key, kind, options, sort_order=order)
        for order, (label, key, kind, options) in enumerate(FIELDS)
    ]


def crow(custom: dict[str, Any] | None = None, **fixed: Any) -> list[Any]:
    """A template row with custom cells by label: crow({"Segment": "Gold"}, code="C1")."""
    custom = custom or {}
    return row(**fixed) + [custom.get(label) for label in LABELS]


def xlsx(rows: list[list[Any]], header: list[Any] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header if header is not None else ALL_HEADERS))
    for values in rows:
        sheet.append(list(values))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def stored(code: str) -> dict[str, Any]:
    session = db_session()
    session.expire_all()
    return session.scalar(select(Customer).where(Customer.code == code)).custom_values


def messages(result_row) -> list[tuple[str | None, str]]:
    return [(m.column, m.message) for m in result_row.messages]


def template_book() -> openpyxl.Workbook:
    out = io.BytesIO()
    write_template(db_session(), out)
    return openpyxl.load_workbook(io.BytesIO(out.getvalue()))


def export(file_format: str) -> bytes:
    out = io.BytesIO()
    export_customers(db_session(), out, file_format)
    return out.getvalue()


FULL_VALUES = {
    "account_manager": "Eva de Vries",
    "notes": "- deliveries at the back\n- ring twice",
    "employees": 1234.5,
    "contract_end": "2027-03-31",
    "newsletter": False,
    "segment": "Silver",
}


# -- template ----------------------------------------------------------------------------
def test_template_has_a_column_per_custom_field_after_the_fixed_ones_in_field_order(app):
    define("Zone", "zone", "text", sort_order=2)
    define("Area", "area", "text", sort_order=1)
    define("Hidden", "hidden", "text", sort_order=0, active=False)
    sheet = template_book().worksheets[0]
    assert [cell.value for cell in sheet[1]] == [*HEADERS, "Area", "Zone"]


def test_template_without_custom_fields_is_unchanged(app):
    sheet = template_book().worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADERS


def test_template_explains_each_custom_column(app):
    define(
        "Segment",
        "segment",
        "choice",
        ["Gold", "Silver"],
        required=True,
        help_text="How much business they bring.",
    )
    define("Contract end", "contract_end", "date", sort_order=101)
    explanation = template_book()["Explanation"]
    rows = {r[0]: r for r in explanation.iter_rows(min_row=2, values_only=True) if r[0]}
    _, required, what, example = rows["Segment"]
    assert required == "yes"
    assert "Custom field, type Choice." in what
    assert "One of: Gold, Silver." in what and "Required." in what
    assert "How much business they bring." in what
    assert example == "Gold"
    _, required, what, example = rows["Contract end"]
    assert required == "no"
    assert "type Date" in what and "2026-01-31" in what
    assert example == "2026-01-31"


def test_template_has_drop_downs_for_choice_and_yes_no_fields(app, fields):
    book = template_book()
    validations = {
        str(v.sqref).split(":")[0]: v.formula1
        for v in book.worksheets[0].data_validations.dataValidation
    }
    # O..T: Account manager, Notes, Employees, Contract end, Newsletter, Segment.
    assert validations["C2"] == '"yes,no"'  # Business customer, as before
    assert validations["S2"] == '"yes,no"'  # Newsletter
    assert validations["N2"] == "Lists!$A$1:$A$2"  # Status stays in column A
    assert validations["T2"] == "Lists!$B$1:$B$3"  # Segment
    lists = list(book["Lists"].iter_rows(values_only=True))
    assert [r[0] for r in lists] == ["Active", "Inactive", None]
    assert [r[1] for r in lists] == ["Gold", "Silver", "Bronze"]
    assert set(validations) == {"C2", "N2", "S2", "T2"}


def test_template_choice_options_with_commas_and_formulas_stay_text(app):
    define("Plan", "plan", "choice", ["Basic, monthly", "=1+1", 'Pro "plus"'])
    book = template_book()
    assert [r[1] for r in book["Lists"].iter_rows(values_only=True)] == [
        "Basic, monthly",
        "=1+1",
        'Pro "plus"',
    ]
    assert book["Lists"]["B2"].data_type == "s"


def test_template_custom_columns_are_text_except_numbers(app, fields):
    sheet = template_book().worksheets[0]
    formats = {
        letter: sheet.column_dimensions[letter].number_format
        for letter in ("O", "P", "Q", "R", "S", "T")
    }
    assert formats == {"O": "@", "P": "@", "Q": "General", "R": "@", "S": "@", "T": "@"}


# -- header matching --------------------------------------------------------------------------
def test_headers_match_the_label_or_the_key_ignoring_case_and_spaces(fields):
    header = ["Name", "ACCOUNT  MANAGER", "contract_end", " news letter ", "Employees"]
    result, rows = plan_in_memory(xlsx([["Acme", "Eva", "31-03-2027", "ja", "12"]], header))
    assert not result.warnings
    assert rows[0].status is RowStatus.NEW
    assert rows[0].values["custom_values"] == {
        "account_manager": "Eva",
        "contract_end": "2027-03-31",
        "newsletter": True,
        "employees": 12,
    }


def test_custom_column_given_twice_is_a_file_error(fields):
    result, _ = plan_in_memory(xlsx([["Acme", "Gold", "Silver"]], ["Name", "Segment", "segment"]))
    assert result.file_errors == [
        "The column Segment appears twice (columns B and C). Remove one of them."
    ]


def test_columns_of_inactive_or_unknown_fields_are_ignored_with_a_warning(app):
    define("Old", "old", "text", active=False)
    result, rows = plan_in_memory(xlsx([["Acme", "x"]], ["Name", "Old"]))
    assert result.warnings == ["These columns are not known and were ignored: Old."]
    assert "custom_values" not in rows[0].values


def test_built_in_columns_win_over_a_custom_label_with_the_same_name(app):
    # The admin form refuses such a label; a definition made another way still works.
    define("Email", "private_email", "text")
    sheet = template_book().worksheets[0]
    assert [cell.value for cell in sheet[1]][-1] == "Email (private_email)"
    data = xlsx(
        [["Acme", "a@b.example", "home@x.example", "p@x.example"]],
        ["Name", "Email", "Email (private_email)", "private_email"],
    )
    result, _ = plan_in_memory(data)
    assert "appears twice" in result.file_errors[0]
    result, rows = plan_in_memory(
        xlsx([["Acme", "a@b.example", "home@x.example"]], ["Name", "Email", "private email"])
    )
    assert rows[0].values["email"] == "a@b.example"
    assert rows[0].values["custom_values"] == {"private_email": "home@x.example"}


# -- values by type ----------------------------------------------------------------------------
def test_a_new_customer_gets_a_value_of_every_type(fields):
    _, rows = plan_in_memory(
        xlsx(
            [
                crow(
                    {
                        "Account manager": "  Eva   de Vries ",
                        "Notes": "line 1\nline 2",
                        "Employees": "1.234,5",
                        "Contract end": "31/03/2027",
                        "Newsletter": "no",
                        "Segment": "silver",
                    },
                    code="C1",
                    name="Acme",
                )
            ]
        )
    )
    assert rows[0].status is RowStatus.NEW
    assert rows[0].values["custom_values"] == {
        "account_manager": "Eva de Vries",
        "notes": "line 1\nline 2",
        "employees": 1234.5,
        "contract_end": "2027-03-31",
        "newsletter": False,
        "segment": "Silver",
    }


def test_native_cells_are_read_by_type(fields):
    from datetime import date, datetime

    _, rows = plan_in_memory(
        xlsx(
            [
                crow(
                    {
                        "Account manager": 4711,
                        "Employees": 12,
                        "Contract end": datetime(2027, 3, 31),
                        "Newsletter": True,
                        "Segment": "Gold",
                    },
                    code="C1",
                    name="Acme",
                ),
                crow({"Contract end": date(2027, 1, 2), "Newsletter": 0}, code="C2", name="Beta"),
            ]
        )
    )
    assert rows[0].values["custom_values"] == {
        "account_manager": "4711",
        "employees": 12,
        "contract_end": "2027-03-31",
        "newsletter": True,
        "segment": "Gold",
    }
    assert rows[1].values["custom_values"] == {"contract_end": "2027-01-02", "newsletter": False}


@pytest.mark.parametrize(
    ("label", "bad", "reason"),
    [
        ("Employees", "twelve", "Not a number: twelve."),
        ("Contract end", "2027-02-30", "Not a date: 2027-02-30. Use a date like 2026-01-31."),
        ("Contract end", "next week", "Not a date: next week. Use a date like 2026-01-31."),
        ("Newsletter", "maybe", "Not yes or no: maybe. Use yes or no."),
        ("Segment", "Platinum", "Unknown choice: Platinum. Choose one of: Gold, Silver, Bronze."),
        ("Account manager", "x" * 501, "Too long: 501 characters, at most 500 allowed."),
        ("Notes", "x" * 10_001, "Too long: 10001 characters, at most 10000 allowed."),
    ],
)
def test_a_bad_value_of_each_type_is_a_row_error(fields, label, bad, reason):
    make_customer("Acme", code="C1")
    result, rows = plan_in_memory(
        xlsx(
            [
                crow(code="C0", name="Fine"),
                crow({label: bad}, code="C1", name="Acme"),
                crow({label: bad}, code="C2", name="New B.V."),
            ]
        )
    )
    assert result.count(RowStatus.ERROR) == 2
    assert rows[0].status is RowStatus.NEW
    for result_row, number in ((rows[1], 3), (rows[2], 4)):
        assert result_row.status is RowStatus.ERROR
        assert result_row.row_number == number
        assert messages(result_row) == [(label, reason)]
        assert result_row.messages[0].value == bad


def test_several_bad_custom_values_are_all_reported(fields):
    _, rows = plan_in_memory(
        xlsx([crow({"Employees": "many", "Segment": "Tin"}, code="C1", name="Acme", email="nope")])
    )
    columns = [column for column, _ in messages(rows[0])]
    assert columns == ["Email", "Employees", "Segment"]


# -- required fields ------------------------------------------------------------------------
@pytest.fixture
def required_segment(app) -> CustomField:
    return define("Segment", "segment", "choice", ["Gold", "Silver"], required=True)


def test_a_new_customer_needs_a_required_value(required_segment):
    # Column present but empty, and column absent from the file.
    for data in (xlsx([["Acme", None]], ["Name", "Segment"]), xlsx([["Acme"]], ["Name"])):
        _, rows = plan_in_memory(data)
        assert rows[0].status is RowStatus.ERROR
        assert messages(rows[0]) == [("Segment", "Segment is required.")]


def test_an_existing_customer_keeps_its_value_when_the_required_column_is_absent(required_segment):
    make_customer("Acme", code="C1", city="Delft")
    _, rows = plan_in_memory(xlsx([["C1", "Acme", "Leiden"]], ["Code", "Name", "City"]))
    assert rows[0].status is RowStatus.UPDATE
    assert rows[0].values == {"city": "Leiden"}


def test_an_existing_customer_with_the_required_column_empty_is_an_error(required_segment):
    customer = make_customer("Acme", code="C1")
    customer.custom_values = {"segment": "Gold"}
    db_session().commit()
    _, rows = plan_in_memory(xlsx([["C1", "Acme", ""]], ["Code", "Name", "Segment"]))
    assert rows[0].status is RowStatus.ERROR
    assert messages(rows[0]) == [("Segment", "Segment is required.")]


# -- the diff and apply -------------------------------------------------------------------------
def give(code: str, values: dict[str, Any], name: str = "Acme") -> Customer:
    customer = make_customer(name, code=code)
    customer.custom_values = values
    db_session().commit()
    return customer


def test_the_preview_shows_old_and_new_per_custom_field(fields):
    give(
        "C1",
        {
            "segment": "Gold",
            "employees": 12,
            "newsletter": True,
            "contract_end": "2027-03-31",
            "account_manager": "Eva",
        },
    )
    _, rows = plan_in_memory(
        xlsx(
            [
                crow(
                    {
                        "Segment": "Silver",
                        "Employees": "12",
                        "Newsletter": "no",
                        "Contract end": "2027-04-30",
                        "Account manager": "Eva",
                        "Notes": "New note",
                    },
                    code="C1",
                    name="Acme",
                    is_business="yes",
                )
            ]
        )
    )
    assert rows[0].status is RowStatus.UPDATE
    assert rows[0].changes == {
        "custom:notes": (None, "New note"),
        "custom:contract_end": ("2027-03-31", "2027-04-30"),
        "custom:newsletter": ("yes", "no"),
        "custom:segment": ("Gold", "Silver"),
    }
    assert rows[0].values == {
        "custom_values": {
            "notes": "New note",
            "contract_end": "2027-04-30",
            "newsletter": False,
            "segment": "Silver",
        }
    }


def test_unchanged_custom_values_give_no_change(fields):
    give("C1", dict(FULL_VALUES))
    _, rows = plan_in_memory(
        xlsx(
            [
                crow(
                    {
                        "Account manager": "Eva de Vries",
                        "Notes": "- deliveries at the back\n- ring twice",
                        "Employees": "1234,5",
                        "Contract end": "31-03-2027",
                        "Newsletter": "nee",
                        "Segment": "SILVER",
                    },
                    code="C1",
                    name="Acme",
                    is_business="yes",
                )
            ]
        )
    )
    assert rows[0].status is RowStatus.UNCHANGED
    assert rows[0].changes == {} and rows[0].values == {}


def test_apply_merges_custom_values(fields):
    give("C1", {"segment": "Gold", "employees": 12, "notes": "keep me"})
    give("C2", {"segment": "Bronze"}, name="Beta")
    data = xlsx(
        [["C1", "Acme", "Silver", ""], ["C2", "Beta", "Bronze", "5"], ["C3", "Gamma", "Gold", "7"]],
        ["Code", "Name", "Segment", "Employees"],
    )
    run = import_file(data)
    assert (run.count("update"), run.count("new")) == (2, 1)
    # Notes is not in the file: kept; an empty Employees cell clears the value.
    assert stored("C1") == {"segment": "Silver", "notes": "keep me"}
    assert stored("C2") == {"segment": "Bronze", "employees": 5}
    assert stored("C3") == {"segment": "Gold", "employees": 7}


def test_apply_keeps_values_changed_in_other_fields_since_the_preview(fields):
    customer = give("C1", {"segment": "Gold"})
    run, _ = stored_plan(xlsx([["C1", "Acme", "Silver"]], ["Code", "Name", "Segment"]))
    # Someone fills in another field after the preview was made.
    customer.custom_values = {"segment": "Gold", "notes": "typed meanwhile"}
    db_session().commit()
    from iris_admin.importing.apply import apply_run
    from iris_admin.importing.store import claim_for_apply

    assert claim_for_apply(db_session(), run) is None
    apply_run(db_session(), run.id)
    assert stored("C1") == {"segment": "Silver", "notes": "typed meanwhile"}


def test_a_new_customer_without_custom_columns_gets_no_values(fields):
    import_file(xlsx([["C1", "Acme"]], ["Code", "Name"]))
    assert stored("C1") == {}


# -- round trip ------------------------------------------------------------------------------
def fill_every_type() -> None:
    give("C1", dict(FULL_VALUES))
    give(
        "C2",
        {
            "employees": -5,
            "contract_end": "2026-01-31",
            "newsletter": True,
            "segment": "Gold",
            "account_manager": "=SUM(A1)",
            "notes": "0042",
        },
        name="Beta",
    )
    give(
        "C3",
        {"employees": 0.1, "account_manager": "+31 6 12345678", "notes": "@home\ttab"},
        name="Gamma",
    )
    give("C4", {}, name="Delta")


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_export_then_import_changes_nothing_for_every_type(fields, file_format):
    fill_every_type()
    before = {code: stored(code) for code in ("C1", "C2", "C3", "C4")}
    data = export(file_format)
    result, rows = plan_in_memory(data, filename=f"customers.{file_format}")
    assert result.count(RowStatus.UNCHANGED) == 4, [
        (r.row_number, r.changes, r.messages) for r in rows
    ]
    assert not result.warnings and not result.has_errors
    assert {code: stored(code) for code in before} == before


def test_export_writes_iso_dates_yes_no_and_numbers(fields):
    fill_every_type()
    sheet = openpyxl.load_workbook(io.BytesIO(export("xlsx"))).worksheets[0]
    assert [cell.value for cell in sheet[1]] == ALL_HEADERS
    acme = [cell.value for cell in sheet[2]][14:]
    assert acme == [
        "Eva de Vries",
        "- deliveries at the back\n- ring twice",
        1234.5,
        "2027-03-31",
        "no",
        "Silver",
    ]
    assert sheet.cell(row=2, column=18).data_type == "s"  # the date is text, not a date cell
    assert sheet.cell(row=3, column=15).data_type == "s"  # "=SUM(A1)" is never a formula
    text = export("csv").decode("utf-8-sig")
    header = text.splitlines()[0]
    assert header.endswith(",Account manager,Notes,Employees,Contract end,Newsletter,Segment")
    assert "1234.5,2027-03-31,no,Silver" in text
    # Text that a spreadsheet would run is neutralised; a real number is just a number.
    assert "'=SUM(A1)" in text and "'+31 6 12345678" in text and ",-5," in text


def test_a_value_stored_before_its_option_was_removed_round_trips(app):
    choice = define("Segment", "segment", "choice", ["Gold", "Platinum"])
    give("C1", {"segment": "Platinum"})
    choice.options = ["Gold"]
    db_session().commit()
    _, rows = plan_in_memory(export("xlsx"))
    assert rows[0].status is RowStatus.UNCHANGED
    # Typing it for another customer is still refused.
    _, rows = plan_in_memory(xlsx([["C2", "Beta", "Platinum"]], ["Code", "Name", "Segment"]))
    assert rows[0].status is RowStatus.ERROR


def test_csv_import_reads_custom_values(fields):
    data = csv_bytes(
        [
            crow(
                {
                    "Employees": "'-5",
                    "Contract end": "2027-03-31",
                    "Newsletter": "x",
                    "Segment": "bronze",
                },
                code="C1",
                name="Acme",
            )
        ],
        header=ALL_HEADERS,
        delimiter=";",
    )
    import_file(data, filename="customers.csv")
    assert stored("C1") == {
        "employees": -5,
        "contract_end": "2027-03-31",
        "newsletter": True,
        "segment": "Bronze",
    }


def test_delete_mode_ignores_custom_columns(fields):
    make_customer("Acme", code="C1")
    result, rows = plan_in_memory(
        xlsx([["C1", "not a number"]], ["Code", "Employees"]), mode="delete"
    )
    assert rows[0].status is RowStatus.DELETE and not result.warnings


# -- fast paths ----------------------------------------------------------------------------------
@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []
    engine = db_session().get_bind()

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def plan_and_apply_statements(count: int, offset: int) -> tuple[list[str], list[str]]:
    data = xlsx(
        [
            crow(
                {"Segment": "Gold", "Employees": str(n), "Newsletter": "yes"},
                code=f"C{n}",
                name=f"Customer {n}",
            )
            for n in range(offset, offset + count)
        ]
    )
    with statements() as planning:
        run, _ = stored_plan(data)
    from iris_admin.importing.apply import apply_run
    from iris_admin.importing.store import claim_for_apply

    assert claim_for_apply(db_session(), run) is None
    with statements() as applying:
        apply_run(db_session(), run.id)
    return planning, [sql for sql in applying if not _search_index_upkeep(sql)]


def _search_index_upkeep(sql: str) -> bool:
    """SQLite: the statements that rebuild the search index when a commit indexes more
    rows than the table holds besides (a fixed handful, whatever the row count)."""
    return "sqlite_master" in sql or "TRIGGER" in sql or "iris_customer_search" in sql


def test_definitions_are_read_once_and_no_query_runs_per_row(fields):
    plan_small, apply_small = plan_and_apply_statements(5, 0)
    plan_big, apply_big = plan_and_apply_statements(60, 100)
    for planning in (plan_small, plan_big):
        assert sum("FROM iris_custom_field" in sql for sql in planning) == 1
    assert len(plan_big) == len(plan_small)
    assert len(apply_big) == len(apply_small)
    # Updates of the same customers: still one statement per batch, custom values merged.
    data = xlsx(
        [[f"C{n}", f"Customer {n}", "Silver"] for n in range(100, 160)], ["Code", "Name", "Segment"]
    )
    with statements() as planning:
        run, _ = stored_plan(data)
    assert sum("FROM iris_custom_field" in sql for sql in planning) == 1
    assert run.count("update") == 60
    with statements() as applying:
        from iris_admin.importing.apply import apply_run
        from iris_admin.importing.store import claim_for_apply

        claim_for_apply(db_session(), run)
        apply_run(db_session(), run.id)
    assert sum(sql.lstrip().upper().startswith("UPDATE IRIS_CUSTOMER ") for sql in applying) == 1
    assert stored("C150") == {"segment": "Silver", "employees": 150, "newsletter": True}
