"""Applying a stored plan: bulk writes in one transaction, all or nothing."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from iris_admin.extension import db_session, iris_state
from iris_admin.importing.apply import ApplyFailed, apply_run
from iris_admin.importing.store import claim_for_apply, purge_old
from iris_admin.models import (
    Contact,
    Customer,
    CustomerUser,
    ImportRow,
    ImportRun,
    InvoiceAddress,
    RunStatus,
)
from iris_admin.models.base import utcnow
from iris_admin.models.customers import build_search_text
from tests.conftest import make_user
from tests.factories import make_customer, make_issue
from tests.import_files import import_file, row, stored_plan, xlsx_bytes


def customers() -> dict[str, Customer]:
    session = db_session()
    session.expire_all()
    return {c.code or c.name: c for c in session.scalars(select(Customer))}


def count_customers() -> int:
    return db_session().scalar(select(func.count()).select_from(Customer))


def test_new_customers_are_inserted_with_search_text(app):
    run = import_file(
        xlsx_bytes(
            [
                row(
                    code="C1", name="Acme", is_business="yes", city="Delft", telephone="0612345678"
                ),
                row(code="P1", is_business="no", first_name="Jan", last_name="Jansen"),
            ]
        )
    )
    found = customers()
    acme = found["C1"]
    assert acme.name == "Acme" and acme.city == "Delft" and acme.telephone == "+31 6 12345678"
    assert acme.status is not None and acme.status.name == "Active"
    expected = build_search_text(
        {
            f: getattr(acme, f)
            for f in (
                "name",
                "code",
                "email",
                "telephone",
                "mobile",
                "street",
                "postal_code",
                "city",
            )
        }
    )
    assert acme.search_text == expected and "0612345678" in acme.search_text
    assert found["P1"].is_business is False and found["P1"].name == "Jan Jansen"
    assert run.status == RunStatus.APPLIED.value and run.applied_at is not None
    assert run.count("new") == 2


def test_updates_change_only_the_changed_fields_and_refresh_search_text(app):
    customer = make_customer("Acme", code="C1", city="Delft", street="Markt 1")
    import_file(xlsx_bytes([["C1", "Acme", "Leiden"]], header=["Code", "Name", "City"]))
    acme = customers()["C1"]
    assert acme.city == "Leiden" and acme.street == "Markt 1"
    assert "leiden" in acme.search_text and "delft" not in acme.search_text
    assert acme.id == customer.id


def test_a_changed_phone_number_is_searchable_in_both_forms(app):
    make_customer("Acme", code="C1", telephone="+31 20 123 4567")
    import_file(
        xlsx_bytes([["C1", "Acme", "06 87654321"]], header=["Code", "Name", "Mobile phone"])
    )
    acme = customers()["C1"]
    assert acme.mobile == "+31 6 87654321"
    assert acme.search_text == build_search_text(
        {
            f: getattr(acme, f)
            for f in (
                "name",
                "code",
                "email",
                "telephone",
                "mobile",
                "street",
                "postal_code",
                "city",
            )
        }
    )
    for form in ("0687654321", "31687654321", "0201234567"):
        assert form in acme.search_text


def test_an_edit_made_after_the_preview_is_kept(app):
    make_customer("Acme", code="C1", city="Delft", street="Markt 1")
    run, _ = stored_plan(xlsx_bytes([["C1", "Acme", "Leiden"]], header=["Code", "Name", "City"]))
    acme = customers()["C1"]
    acme.street = "Plein 2"
    db_session().commit()
    assert claim_for_apply(db_session(), run) is None
    apply_run(db_session(), run.id)
    acme = customers()["C1"]
    assert (acme.city, acme.street) == ("Leiden", "Plein 2")
    assert "plein 2" in acme.search_text


def test_default_payers_later_in_the_file_are_linked(app):
    import_file(
        xlsx_bytes(
            [
                row(code="K1", name="Child", default_payer="P1"),
                row(code="K2", name="Other child", default_payer="K1"),
                row(code="P1", name="Payer"),
            ]
        ),
        batch_size=1,
    )
    found = customers()
    assert found["K1"].default_payer_id == found["P1"].id
    assert found["K2"].default_payer_id == found["K1"].id


def test_existing_customer_gets_a_new_payer_from_the_file(app):
    make_customer("Child", code="K1")
    import_file(
        xlsx_bytes(
            [["K1", "Child", "P9"], ["P9", "New payer", None]],
            header=["Code", "Name", "Default payer"],
        )
    )
    found = customers()
    assert found["K1"].default_payer_id == found["P9"].id


def test_mode_all_deletes_nothing(app):
    make_customer("Missing", code="M")
    run = import_file(xlsx_bytes([row(code="N", name="New")]), mode="all")
    assert run.count("missing") == 1
    assert set(customers()) == {"M", "N"}


def test_delete_mode_deletes_with_contacts_addresses_and_links(app):
    doomed = make_customer("Doomed", code="D")
    session = db_session()
    session.add(Contact(customer=doomed, name="Contact"))
    session.add(InvoiceAddress(customer=doomed, street="Weg 1", is_default=True))
    account = make_user("portal@doomed.example", "customer")
    session.add(CustomerUser(customer=doomed, user=account, access="all"))
    session.commit()
    busy = make_customer("Busy", code="B")
    make_issue(busy)
    run = import_file(xlsx_bytes([["D"], ["B"], ["X"]], header=["Code"]), mode="delete")
    assert run.count("delete") == 1 and run.count("skip") == 2
    assert set(customers()) == {"B"}
    for model in (Contact, InvoiceAddress, CustomerUser):
        assert session.scalar(select(func.count()).select_from(model)) == 0
    assert session.get(type(account), account.id) is not None  # the account stays


def test_delete_payer_and_payee_together(app):
    payer = make_customer("Payer", code="P")
    make_customer("Payee", code="Q", default_payer=payer)
    import_file(xlsx_bytes([["P"], ["Q"]], header=["Code"]), mode="delete")
    assert customers() == {}


def test_customer_that_got_an_issue_after_the_preview_is_not_deleted(app):
    doomed = make_customer("Doomed", code="D")
    other = make_customer("Other", code="O")
    run, _ = stored_plan(xlsx_bytes([["D"], ["O"]], header=["Code"]), mode="delete")
    make_issue(doomed)
    assert claim_for_apply(db_session(), run) is None
    with pytest.raises(ApplyFailed, match="got issues"):
        apply_run(db_session(), run.id)
    assert set(customers()) == {"D", "O"}
    assert other.id


# -- all or nothing ------------------------------------------------------------------------------
def test_conflicting_insert_after_the_preview_rolls_back_everything(app):
    """A real constraint violation half-way: nothing of the import is kept."""
    make_customer("Acme", code="A", city="Delft")
    rows = [row(code="A", name="Acme", is_business="yes", city="Leiden", status="Active")]
    rows += [row(code=f"N{i}", name=f"New {i}") for i in range(6)]
    run, _ = stored_plan(xlsx_bytes(rows), batch_size=2)
    assert run.count("new") == 6 and run.count("update") == 1

    # Someone else adds customer n4 (same code, other case) on another connection.
    engine = iris_state().db.engine
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Customer.__table__).values(
                name="Concurrent",
                code="n4",
                is_business=True,
                search_text="",
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )

    session = db_session()
    assert claim_for_apply(session, run) is None
    with pytest.raises(ApplyFailed, match="Nothing was imported"):
        apply_run(session, run.id, batch_size=2)

    found = customers()
    assert set(found) == {"A", "n4"}  # no N0..N5: the first batches were rolled back too
    assert found["A"].city == "Delft"  # the update was rolled back
    session.refresh(run)
    assert run.status == RunStatus.FAILED.value
    assert "changed since the preview" in run.message
    assert run.applied_at is None


def test_a_plan_made_before_another_import_was_applied_is_refused(app):
    make_customer("Acme", code="A", city="Delft")
    first, _ = stored_plan(xlsx_bytes([["A", "Acme", "Leiden"]], header=["Code", "Name", "City"]))
    second, _ = stored_plan(
        xlsx_bytes(
            [["A", "Acme", "Utrecht"], ["B", "Beta", "Gouda"]], header=["Code", "Name", "City"]
        )
    )
    session = db_session()
    assert claim_for_apply(session, first) is None
    apply_run(session, first.id)
    assert claim_for_apply(session, second) is None
    with pytest.raises(ApplyFailed, match="out of date"):
        apply_run(session, second.id)
    found = customers()
    assert set(found) == {"A"} and found["A"].city == "Leiden"


def test_two_imports_at_the_same_time_do_not_interleave(app):
    make_customer("Acme", code="A", city="Delft")
    header = ["Code", "Name", "City"]
    plans = [
        stored_plan(
            xlsx_bytes(
                [["A", "Acme", "Leiden"]] + [[f"X{i}", f"X {i}", "Leiden"] for i in range(300)],
                header=header,
            ),
            batch_size=50,
        )[0],
        stored_plan(
            xlsx_bytes(
                [["A", "Acme", "Utrecht"]] + [[f"Y{i}", f"Y {i}", "Utrecht"] for i in range(300)],
                header=header,
            ),
            batch_size=50,
        )[0],
    ]
    for run in plans:
        assert claim_for_apply(db_session(), run) is None
    outcomes: dict[int, str] = {}
    flask_app = app

    def apply(run_id: int) -> None:
        with flask_app.app_context():
            try:
                apply_run(iris_state().session, run_id, batch_size=50)
                outcomes[run_id] = "applied"
            except ApplyFailed:
                outcomes[run_id] = "refused"
            finally:
                iris_state().session.remove()

    threads = [threading.Thread(target=apply, args=(run.id,)) for run in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes.values()) == ["applied", "refused"]
    winner = next(run for run in plans if outcomes[run.id] == "applied")
    city = "Leiden" if winner is plans[0] else "Utrecht"
    found = customers()
    assert len(found) == 301
    assert {c.city for c in found.values()} == {city}


def test_a_preview_is_applied_only_once(app):
    run, _ = stored_plan(xlsx_bytes([row(code="C1", name="Once")]))
    session = db_session()
    assert claim_for_apply(session, run) is None
    assert "not waiting for confirmation" in claim_for_apply(session, run)
    apply_run(session, run.id)
    assert "not waiting for confirmation" in claim_for_apply(session, run)
    assert count_customers() == 1


def test_expired_preview_cannot_be_applied(app):
    run, _ = stored_plan(xlsx_bytes([row(code="C1", name="Late")]))
    session = db_session()
    run.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert "expired" in claim_for_apply(session, run)
    session.refresh(run)
    assert run.status == RunStatus.EXPIRED.value
    assert (
        session.scalar(
            select(func.count()).select_from(ImportRow).where(ImportRow.run_id == run.id)
        )
        == 0
    )
    assert count_customers() == 0


def test_a_plan_with_errors_cannot_be_applied(app):
    run, _ = stored_plan(xlsx_bytes([row(code="C1", name=None, is_business="yes")]))
    session = db_session()
    assert claim_for_apply(session, run) is None
    with pytest.raises(ApplyFailed, match="errors"):
        apply_run(session, run.id)
    assert count_customers() == 0


def test_purge_expires_old_previews_and_keeps_the_history(app):
    applied = import_file(xlsx_bytes([row(code="C1", name="Kept")]))
    waiting, _ = stored_plan(xlsx_bytes([row(code="C2", name="Waiting")]))
    session = db_session()
    purge_old(session, keep_days=30, now=utcnow() + timedelta(days=31))
    session.expire_all()
    assert session.get(ImportRun, waiting.id).status == RunStatus.EXPIRED.value
    assert session.get(ImportRun, applied.id).status == RunStatus.APPLIED.value
    assert session.scalar(select(func.count()).select_from(ImportRow)) == 0
