"""flask iris seed: many realistic customers in bulk, searchable like any other."""

from __future__ import annotations

import random
import re
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from iris_admin.extension import db_session
from iris_admin.models import Contact, Customer, CustomerStatus, InvoiceAddress, Issue
from iris_admin.models.customers import SEARCHABLE_FIELDS, build_search_text
from iris_admin.seed import Generator, SeedResult, search_text, seed_customers
from iris_admin.validation import national_digits, normalise_email, normalise_phone
from tests.conftest import Client


def seed(app, *args: str):
    return app.test_cli_runner().invoke(args=["iris", "seed", *args])


def count(model, *conditions) -> int:
    return db_session().scalar(select(func.count()).select_from(model).where(*conditions))


@pytest.fixture
def seeded(app):
    result = seed(app, "--customers", "500", "--batch", "120")
    assert result.exit_code == 0, result.output
    return result


def test_seeds_customers_with_everything_that_hangs_off_them(seeded):
    assert "Added 500 customers" in seeded.output and "rows/s" in seeded.output
    assert "500 / 500 customers" in seeded.output  # progress, batch by batch
    assert "120 / 500 customers" in seeded.output
    assert count(Customer) == 500
    businesses = count(Customer, Customer.is_business.is_(True))
    assert 200 < businesses < 450  # companies and persons
    persons = count(
        Customer,
        Customer.is_business.is_(False),
        Customer.first_name.is_not(None),
        Customer.last_name.is_not(None),
    )
    assert persons == 500 - businesses
    assert count(Contact) > 200 and count(InvoiceAddress) > 200 and count(Issue) > 5
    assert count(Customer, Customer.default_payer_id.is_not(None)) > 0
    statuses = (
        db_session()
        .scalars(
            select(CustomerStatus.name)
            .join(Customer, Customer.status_id == CustomerStatus.id)
            .distinct()
        )
        .all()
    )
    assert sorted(statuses) == ["Active", "Inactive"]
    assert count(Customer, Customer.country != "NL") > 0  # some Belgian and German customers
    # Exactly one default invoice address for every customer that has any.
    defaults = (
        db_session()
        .execute(
            select(InvoiceAddress.customer_id, func.count())
            .where(InvoiceAddress.is_default.is_(True))
            .group_by(InvoiceAddress.customer_id)
        )
        .all()
    )
    with_addresses = db_session().scalar(select(func.count(InvoiceAddress.customer_id.distinct())))
    assert len(defaults) == with_addresses and all(n == 1 for _, n in defaults)


def test_seeded_values_are_what_the_forms_would_store(seeded):
    customers = db_session().scalars(select(Customer)).all()
    codes = [c.code.lower() for c in customers if c.code]
    assert len(codes) == len(set(codes)) > 400
    for customer in customers:
        for phone in (customer.telephone, customer.mobile):
            if phone:
                assert normalise_phone(phone) == phone
        if customer.email:
            assert normalise_email(customer.email) == customer.email
        if customer.default_payer_id:
            assert db_session().get(Customer, customer.default_payer_id).is_business
    for contact in db_session().scalars(select(Contact)):
        for phone in (contact.telephone, contact.mobile):
            if phone:
                assert normalise_phone(phone) == phone


def test_search_text_is_exactly_what_the_model_builds(seeded):
    for customer in db_session().scalars(select(Customer)):
        values = {field: getattr(customer, field) for field in SEARCHABLE_FIELDS}
        assert customer.search_text == build_search_text(values), customer.code


def test_search_text_without_phonenumbers_matches_for_every_kind_of_number():
    """Thousands of generated customers (all cities, foreign ones included), no database."""
    batch = Generator(random.Random(11), 1, {"Active": 1, "Inactive": 2}).batch(3000)
    assert {row["country"] for row in batch.customers} == {"NL", "BE", "DE"}
    for row in batch.customers:
        assert row["search_text"] == build_search_text(row), row
    # And the function itself, with a number whose digits and national form differ.
    assert search_text(
        "Ada", None, None, ("+32 2 345 67 89", "023456789"), None, None, " 1000 ", "Brussel"
    ) == ("ada | +32 2 345 67 89 | 3223456789 | 023456789 | 1000 | 1000 | brussel")
    assert national_digits("+32 2 345 67 89") == "023456789"


def test_the_overview_shows_seeded_customers(seeded, admin_client: Client):
    page = admin_client.get("/admin/customer/").get_data(as_text=True)
    first = (
        db_session()
        .execute(
            select(Customer.name, Customer.code).order_by(func.lower(Customer.name), Customer.id)
        )
        .first()
    )
    assert first.name in page


def search(client: Client, term: str) -> str:
    response = client.get("/admin/customer/?" + urlencode({"search": term}))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def shown_codes(page: str) -> list[str]:
    return re.findall(r'<td class="col-code">\s*(?:<[^>]*>\s*)*(C\d{7})', page)


def test_search_finds_a_seeded_customer_by_phone_digits(seeded, admin_client: Client):
    customer = (
        db_session()
        .scalars(
            select(Customer)
            .where(Customer.code.is_not(None), Customer.telephone.like("+31 %"))
            .order_by(Customer.id.desc())
        )
        .first()
    )
    national = national_digits(customer.telephone)  # "0201234567", as a caller dictates it
    assert shown_codes(search(admin_client, national)) == [customer.code]
    # Part of the number, with the spaces of the stored form.
    fragment = customer.telephone[4:]  # "20 123 4567"
    assert customer.code in shown_codes(search(admin_client, fragment))


def test_search_finds_seeded_customers_by_city(seeded, admin_client: Client):
    city, in_city = (
        db_session()
        .execute(
            select(Customer.city, func.count())
            .group_by(Customer.city)
            .order_by(func.count(), Customer.city)
            .limit(1)
        )
        .one()
    )
    assert in_city <= 20  # fits on one page
    expected = (
        db_session()
        .scalars(select(Customer.code).where(Customer.city == city, Customer.code.is_not(None)))
        .all()
    )
    assert expected
    assert sorted(shown_codes(search(admin_client, city.lower()))) == sorted(expected)


def test_refuses_a_database_that_has_customers_unless_appending(seeded, app):
    refused = seed(app, "--customers", "10")
    assert refused.exit_code != 0
    assert "already has 500 customers" in refused.output and "--append" in refused.output
    assert count(Customer) == 500

    appended = seed(app, "--customers", "50", "--append")
    assert appended.exit_code == 0, appended.output
    assert count(Customer) == 550
    assert db_session().scalar(select(func.min(Customer.id)).where(Customer.id > 500)) == 501
    codes = db_session().scalars(
        select(func.lower(Customer.code)).where(Customer.code.is_not(None))
    )
    codes = list(codes)
    assert len(codes) == len(set(codes))


def test_appending_leaves_out_codes_that_exist_already(seeded, app):
    # Customers typed in by hand (ids 501-503) took codes that seeded ids 510-512 would get.
    taken = ["C0000510", "C0000511", "C0000512"]
    db_session().add_all([Customer(name=f"Hand made {code}", code=code.lower()) for code in taken])
    db_session().commit()
    result = seed(app, "--customers", "20", "--append", "--random-seed", "5")
    assert result.exit_code == 0, result.output
    assert "generated codes existed already" in result.output
    for code in taken:
        assert count(Customer, func.lower(Customer.code) == code.lower()) == 1
    for customer in db_session().scalars(select(Customer).where(Customer.id > 503)):
        values = {field: getattr(customer, field) for field in SEARCHABLE_FIELDS}
        assert customer.search_text == build_search_text(values)


def customer_triggers() -> int:
    """Triggers on iris_customer (SQLite keeps its search index with them; PostgreSQL: 0)."""
    session = db_session()
    if session.get_bind().dialect.name != "sqlite":
        return 0
    return session.scalar(
        sa.text(
            "SELECT count(*) FROM sqlite_master"
            " WHERE type = 'trigger' AND tbl_name = 'iris_customer'"
        )
    )


def test_the_search_index_covers_seeded_and_appended_customers(app, admin_client: Client):
    triggers = customer_triggers()
    assert seed(app, "--customers", "300").exit_code == 0  # index rebuilt at the end
    assert customer_triggers() == triggers
    assert seed(app, "--customers", "20", "--append").exit_code == 0  # index kept row by row
    assert customer_triggers() == triggers
    for customer_id in (1, 150, 300, 301, 320):
        customer = db_session().get(Customer, customer_id)
        term = customer.code or customer.email
        assert customer.name in search(admin_client, term), (customer_id, term)


def test_a_failing_seed_leaves_nothing_behind(app):
    triggers = customer_triggers()

    def fail_after_the_first_batch(so_far: SeedResult, _wanted: int) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        seed_customers(
            db_session().get_bind(), 300, batch_size=100, progress=fail_after_the_first_batch
        )
    db_session().rollback()
    assert count(Customer) == count(Contact) == count(Issue) == 0
    assert customer_triggers() == triggers
    assert seed(app, "--customers", "10").exit_code == 0  # and it can be run again


def test_refuses_an_unmigrated_database(tmp_path):
    from iris_admin import create_app

    app = create_app(
        {
            "IRIS_CONFIG": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite'}",
        }
    )
    with app.app_context():
        result = seed(app, "--customers", "5")
    assert result.exit_code != 0 and "flask iris init" in result.output
