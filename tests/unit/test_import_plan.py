"""The plan: matching, cleaning, the diff, row errors, modes. Nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from iris_admin.customers import default_status
from iris_admin.extension import db_session
from iris_admin.importing.plan import FileRefused
from iris_admin.importing.results import RowStatus
from iris_admin.models import Customer, CustomerStatus
from tests.factories import make_customer, make_issue
from tests.import_files import csv_bytes, plan_in_memory, row, xls_bytes, xlsx_bytes


def by_row(rows):
    return {r.row_number: r for r in rows if r.row_number}


def messages(result_row):
    return [(m.column, m.message) for m in result_row.messages]


def customer_count():
    return db_session().scalar(select(func.count()).select_from(Customer))


# -- adding and matching -------------------------------------------------------------------
def test_new_rows_with_all_fields(app):
    data = xlsx_bytes(
        [
            row(
                code="C-1",
                name="Acme B.V.",
                is_business="yes",
                street="Keizersgracht 1",
                postal_code="1015 AB",
                city="Amsterdam",
                country="Nederland",
                email="Info@ACME.example",
                telephone="020 1234567",
                mobile="0612345678",
                status="Inactive",
            ),
        ]
    )
    result, rows = plan_in_memory(data)
    assert result.count(RowStatus.NEW) == 1
    values = rows[0].values
    assert values["code"] == "C-1"
    assert values["country"] == "NL"
    assert values["email"] == "info@acme.example"
    assert values["telephone"] == "+31 20 123 4567"
    assert values["mobile"] == "+31 6 12345678"
    inactive = db_session().scalar(
        select(CustomerStatus.id).where(CustomerStatus.name == "Inactive")
    )
    assert values["status_id"] == inactive
    assert customer_count() == 0  # the preview writes nothing


def test_preview_writes_no_customer_data(app):
    make_customer("Acme", code="C-1", email="old@acme.example")
    plan_in_memory(
        xlsx_bytes(
            [row(code="C-1", name="Acme", email="new@acme.example"), row(code="C-2", name="New")]
        )
    )
    session = db_session()
    session.expire_all()
    assert customer_count() == 1
    assert session.scalar(select(Customer.email)) == "old@acme.example"


def test_code_matches_ignoring_case_and_spaces(app):
    customer = make_customer("Acme", code="AB-12")
    _result, rows = plan_in_memory(xlsx_bytes([row(code="  ab-12 ", name="Acme", is_business="x")]))
    assert rows[0].customer_id == customer.id
    # The code as written in the file is what is stored (its case may change).
    assert rows[0].status is RowStatus.UPDATE
    assert rows[0].changes == {"code": ("AB-12", "ab-12")}


def test_number_cell_code_keeps_its_form_and_leading_zeros(app):
    customer = make_customer("Acme", code="4711")
    zero = make_customer("Zero", code="0042")
    data = xlsx_bytes(
        [
            row(code=4711, name="Acme", is_business=True),
            row(code="0042", name="Zero", is_business=1),
        ],
        text_columns=[0],
    )
    _, rows = plan_in_memory(data)
    assert [r.customer_id for r in rows] == [customer.id, zero.id]
    assert [r.status for r in rows] == [RowStatus.UNCHANGED, RowStatus.UNCHANGED]


def test_unchanged_row(app):
    make_customer("Acme", code="C1", email="info@acme.example", telephone="+31 20 123 4567")
    result, rows = plan_in_memory(
        xlsx_bytes(
            [
                row(
                    code="C1",
                    name="Acme",
                    is_business="yes",
                    email="info@acme.example",
                    telephone="+31 20 123 4567",
                    status="Active",
                ),
            ]
        )
    )
    assert rows[0].status is RowStatus.UNCHANGED
    assert result.changes == 0


def test_update_diff_shows_old_and_new(app):
    make_customer("Acme", code="C1", city="Utrecht", email="a@acme.example")
    _, rows = plan_in_memory(
        xlsx_bytes(
            [
                row(
                    code="C1",
                    name="Acme Holding",
                    is_business="ja",
                    city="Utrecht",
                    email="b@acme.example",
                    status="Inactive",
                ),
            ]
        )
    )
    assert rows[0].status is RowStatus.UPDATE
    assert rows[0].changes == {
        "name": ("Acme", "Acme Holding"),
        "email": ("a@acme.example", "b@acme.example"),
        "status_id": ("Active", "Inactive"),
    }
    assert set(rows[0].values) == {"name", "email", "status_id"}


def test_columns_not_in_the_file_are_left_alone(app):
    make_customer("Acme", code="C1", city="Utrecht", email="a@acme.example")
    _, rows = plan_in_memory(
        xlsx_bytes([["C1", "Acme", "b@acme.example"]], header=["Code", "Name", "Email"])
    )
    assert rows[0].changes == {"email": ("a@acme.example", "b@acme.example")}


def test_empty_cell_empties_the_field_but_status_is_kept(app):
    make_customer("Acme", code="C1", city="Utrecht")
    _, rows = plan_in_memory(xlsx_bytes([row(code="C1", name="Acme", is_business="yes")]))
    assert rows[0].changes == {"city": ("Utrecht", None)}


def test_row_without_code_matches_the_one_codeless_customer_with_that_name(app):
    only = make_customer("Bakkerij de Vries", city="Delft")
    make_customer("Bakkerij de Vries", code="BV1")  # has a code: not a candidate
    _, rows = plan_in_memory(
        xlsx_bytes([row(name="bakkerij DE VRIES", is_business="yes", city="Leiden")])
    )
    assert rows[0].customer_id == only.id
    assert rows[0].status is RowStatus.UPDATE


def test_row_without_code_is_an_error_when_several_codeless_customers_have_the_name(app):
    make_customer("Jansen")
    make_customer("Jansen")
    _, rows = plan_in_memory(xlsx_bytes([row(name="Jansen", is_business="yes")]))
    assert rows[0].status is RowStatus.ERROR
    assert "2 customers without a code are named Jansen" in rows[0].messages[0].message


def test_row_without_code_and_no_namesake_is_new(app):
    _, rows = plan_in_memory(xlsx_bytes([row(name="Nieuw B.V.", is_business="yes")]))
    assert rows[0].status is RowStatus.NEW
    assert rows[0].values["code"] is None


def test_person_row_builds_name_from_first_and_last_name(app):
    _, rows = plan_in_memory(
        xlsx_bytes([row(code="P1", is_business="nee", first_name="Jan", last_name="Jansen")])
    )
    assert rows[0].status is RowStatus.NEW
    assert rows[0].values["name"] == "Jan Jansen"
    assert rows[0].values["is_business"] is False


def test_person_found_by_first_and_last_name_without_business_column(app):
    _, rows = plan_in_memory(xlsx_bytes([["Piet", "Pieters"]], header=["Voornaam", "Achternaam"]))
    assert rows[0].values["is_business"] is False
    assert rows[0].values["name"] == "Piet Pieters"


def test_business_row_drops_first_and_last_name(app):
    _, rows = plan_in_memory(
        xlsx_bytes(
            [row(code="B1", name="Acme", is_business="yes", first_name="Jan", last_name="Jansen")]
        )
    )
    assert rows[0].values["first_name"] is None and rows[0].values["last_name"] is None


def test_new_customer_gets_the_default_status(app):
    _, rows = plan_in_memory(xlsx_bytes([row(code="C1", name="Acme")]))
    assert rows[0].values["status_id"] == default_status(db_session()).id


def test_dutch_status_name_of_builtin(app):
    _, rows = plan_in_memory(xlsx_bytes([row(code="C1", name="Acme", status="inactief")]))
    assert rows[0].status is RowStatus.NEW


# -- row errors ---------------------------------------------------------------------------------
def test_row_errors_carry_row_number_column_and_value(app):
    data = xlsx_bytes(
        [
            row(code="OK", name="Fine"),
            row(code="E1", name=None, is_business="yes"),
            row(code="E2", name="Bad mail", email="not-an-email"),
            row(code="E3", name="Bad phone", telephone="12"),
            row(code="E4", name="Bad status", status="Sleeping"),
            row(code="E5", name="Bad country", country="Atlantis"),
            row(code="E6", name="Bad flag", is_business="perhaps"),
            row(code="E7", name="Bad payer", default_payer="NOPE"),
            row(code="E8", is_business="no", first_name="Jan"),
            row(code="X" * 51, name="Long code"),
        ]
    )
    result, rows = plan_in_memory(data)
    found = by_row(rows)
    assert found[2].status is RowStatus.NEW
    assert messages(found[3]) == [("Name", "A business customer needs a name.")]
    assert found[4].messages[0].column == "Email"
    assert found[4].messages[0].value == "not-an-email"
    assert found[5].messages[0].column == "Telephone"
    assert "Unknown status: Sleeping" in found[6].messages[0].message
    assert "Unknown country: Atlantis" in found[7].messages[0].message
    assert "Not yes or no: perhaps" in found[8].messages[0].message
    assert "Unknown default payer NOPE" in found[9].messages[0].message
    assert "A person needs a Name" in found[10].messages[0].message
    assert "Too long" in found[11].messages[0].message
    assert result.count(RowStatus.ERROR) == 9
    assert result.has_errors


def test_one_row_with_several_problems_lists_each(app):
    _, rows = plan_in_memory(xlsx_bytes([row(code="E", name="X", email="bad", mobile="1")]))
    assert [m.column for m in rows[0].messages] == ["Email", "Mobile phone"]


def test_duplicate_code_in_file_is_an_error_on_the_later_row(app):
    _, rows = plan_in_memory(xlsx_bytes([row(code="C1", name="A"), row(code="c1 ", name="B")]))
    assert rows[0].status is RowStatus.NEW
    assert rows[1].status is RowStatus.ERROR
    assert "also on row 2" in rows[1].messages[0].message


def test_two_codeless_rows_naming_the_same_customer_is_an_error(app):
    make_customer("Solo")
    _, rows = plan_in_memory(
        xlsx_bytes([row(name="Solo", is_business="yes"), row(name="solo", is_business="yes")])
    )
    assert rows[1].status is RowStatus.ERROR
    assert "Row 2 already names this customer" in rows[1].messages[0].message


def test_empty_rows_are_skipped_and_row_numbers_are_the_spreadsheets(app):
    data = xlsx_bytes(
        [row(code="A", name="A"), [None] * 14, row(code="B", name=None, is_business="yes")]
    )
    _, rows = plan_in_memory(data)
    assert [r.row_number for r in rows] == [2, 4]
    assert rows[1].status is RowStatus.ERROR


# -- default payer ------------------------------------------------------------------------------
def test_default_payer_in_the_database(app):
    payer = make_customer("Payer", code="P1")
    make_customer("Child", code="K1")
    _, rows = plan_in_memory(
        xlsx_bytes(
            [row(code="K1", name="Child", is_business="yes", default_payer="p1", status="Active")]
        )
    )
    assert rows[0].values == {"default_payer_id": payer.id}
    assert rows[0].changes["default_payer_id"] == (None, "p1")


def test_default_payer_further_down_the_file(app):
    _, rows = plan_in_memory(
        xlsx_bytes(
            [row(code="K1", name="Child", default_payer="P1"), row(code="P1", name="Payer")]
        ),
        batch_size=1,
    )
    child = rows[0]
    assert child.status is RowStatus.NEW
    assert child.payer_row == rows[1].seq


def test_default_payer_earlier_in_the_file_that_exists(app):
    payer = make_customer("Payer", code="P1")
    _, rows = plan_in_memory(
        xlsx_bytes([row(code="P1", name="Payer"), row(code="K1", name="Child", default_payer="P1")])
    )
    assert rows[1].values["default_payer_id"] == payer.id
    assert rows[1].payer_row is None


def test_default_payer_without_code_found_by_its_name(app):
    payer = make_customer("Moeder B.V.")
    _, rows = plan_in_memory(xlsx_bytes([row(code="K1", name="Kind", default_payer="Moeder B.V.")]))
    assert rows[0].values["default_payer_id"] == payer.id


def test_customer_cannot_be_its_own_payer(app):
    _, rows = plan_in_memory(xlsx_bytes([row(code="C1", name="Self", default_payer="c1")]))
    assert rows[0].status is RowStatus.ERROR
    assert "own default payer" in rows[0].messages[0].message


def test_emptying_default_payer(app):
    payer = make_customer("Payer", code="P1")
    make_customer("Child", code="K1", default_payer=payer)
    _, rows = plan_in_memory(
        xlsx_bytes([row(code="K1", name="Child", is_business="yes", status="Active")])
    )
    assert rows[0].changes == {"default_payer_id": ("P1", None)}


# -- modes -----------------------------------------------------------------------------------------
def test_mode_all_lists_customers_not_in_the_file(app):
    make_customer("Kept", code="K")
    gone = make_customer("Gone", code="G")
    codeless = make_customer("No code")
    result, rows = plan_in_memory(xlsx_bytes([row(code="K", name="Kept")]), mode="all")
    missing = [r for r in rows if r.status is RowStatus.MISSING]
    assert {r.customer_id for r in missing} == {gone.id, codeless.id}
    assert result.count(RowStatus.MISSING) == 2
    assert all(r.row_number is None for r in missing)


def test_mode_add_lists_no_missing_customers(app):
    make_customer("Other", code="O")
    result, _rows = plan_in_memory(xlsx_bytes([row(code="K", name="Kept")]), mode="add")
    assert result.count(RowStatus.MISSING) == 0


def test_header_only_file_is_refused_in_every_mode(app):
    make_customer("Acme", code="A")
    for mode in ("add", "all", "delete"):
        with pytest.raises(FileRefused, match="no customer rows"):
            plan_in_memory(xlsx_bytes([]), mode=mode)


def test_delete_mode_matches_and_reports_rows_that_match_nobody(app):
    doomed = make_customer("Doomed", code="D1")
    codeless = make_customer("Codeless")
    result, rows = plan_in_memory(
        xlsx_bytes(
            [["d1", None], ["NOPE", None], [None, "Codeless"], [None, "Nobody"]],
            header=["Code", "Name"],
        ),
        mode="delete",
    )
    found = by_row(rows)
    assert found[2].status is RowStatus.DELETE and found[2].customer_id == doomed.id
    assert found[3].status is RowStatus.SKIP
    assert "No customer has the code NOPE" in found[3].messages[0].message
    assert found[4].status is RowStatus.DELETE and found[4].customer_id == codeless.id
    assert found[5].status is RowStatus.SKIP
    assert result.count(RowStatus.DELETE) == 2 and result.count(RowStatus.SKIP) == 2
    assert not result.has_errors  # problems in delete mode never block the others


def test_delete_mode_leaves_customers_with_issues_and_payers_alone(app):
    with_issue = make_customer("Busy", code="B")
    make_issue(with_issue)
    payer = make_customer("Payer", code="P")
    make_customer("Payee", code="Q", default_payer=payer)
    pair_payer = make_customer("Pair payer", code="PP")
    make_customer("Pair payee", code="PQ", default_payer=pair_payer)
    free = make_customer("Free", code="F")
    result, rows = plan_in_memory(
        xlsx_bytes([["B"], ["P"], ["PP"], ["PQ"], ["F"]], header=["Code"]), mode="delete"
    )
    found = by_row(rows)
    assert found[2].status is RowStatus.SKIP and "issue" in found[2].messages[0].message
    assert found[3].status is RowStatus.SKIP and "default payer" in found[3].messages[0].message
    # A payer deleted together with everyone it pays for may go.
    assert found[4].status is RowStatus.DELETE
    assert found[5].status is RowStatus.DELETE
    assert found[6].status is RowStatus.DELETE and found[6].customer_id == free.id
    assert result.count(RowStatus.DELETE) == 3 and result.count(RowStatus.SKIP) == 2


def test_delete_mode_payer_of_a_blocked_payee_stays(app):
    payer = make_customer("Payer", code="P")
    payee = make_customer("Payee", code="Q", default_payer=payer)
    make_issue(payee)
    _, rows = plan_in_memory(xlsx_bytes([["P"], ["Q"]], header=["Code"]), mode="delete")
    assert [r.status for r in rows] == [RowStatus.SKIP, RowStatus.SKIP]


def test_delete_mode_same_customer_twice(app):
    make_customer("Once", code="O")
    _, rows = plan_in_memory(xlsx_bytes([["O"], ["o"]], header=["Code"]), mode="delete")
    assert rows[0].status is RowStatus.DELETE
    assert rows[1].status is RowStatus.SKIP


# -- readers give the same plan --------------------------------------------------------------------
def test_xlsx_xls_and_csv_give_the_same_plan(app):
    make_customer("Acme", code="0042", city="Delft")
    rows_in = [
        row(code="0042", name="Acme", is_business="yes", city="Leiden", telephone="0201234567"),
        row(
            code="N1",
            name=None,
            is_business="no",
            first_name="Jan",
            last_name="Jansen",
            mobile="+31 6 12345678",
            default_payer="0042",
        ),
        row(code="E1", name="Bad", email="nope"),
    ]
    plans = []
    for data, name in (
        (xlsx_bytes(rows_in, text_columns=[0]), "c.xlsx"),
        (xls_bytes(rows_in), "c.xls"),
        (csv_bytes(rows_in), "c.csv"),
        (csv_bytes(rows_in, delimiter=";", bom=False), "c.csv"),
    ):
        _, rows = plan_in_memory(data, name)
        plans.append(
            [
                (r.row_number, r.status, r.values, r.changes, [str(m) for m in r.messages])
                for r in rows
            ]
        )
    assert plans[0] == plans[1] == plans[2] == plans[3]


def test_batches_give_the_same_plan_as_one_batch(app):
    make_customer("Acme", code="A1")
    data = xlsx_bytes(
        [row(code=f"C{i}", name=f"Customer {i}", default_payer="C9") for i in range(8)]
        + [row(code="C9", name="Payer"), row(code="A1", name="Acme B.V.")]
    )
    one = plan_in_memory(data, batch_size=1000)[1]
    small = plan_in_memory(data, batch_size=3)[1]
    assert [(r.status, r.values, r.payer_row) for r in one] == [
        (r.status, r.values, r.payer_row) for r in small
    ]
