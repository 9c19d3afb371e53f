"""The overview's rewritten page queries show the same rows as plain LIMIT/OFFSET would.

Speed is measured in bench/bench_overview.py; these tests pin down the behaviour of
the changes in iris_admin/admin/overview_query.py: deep pages, rare search terms,
words with LIKE wildcards, upper-case non-ASCII, and a payer shown without N+1.
"""

import re

import pytest
from sqlalchemy import event, func, insert, select

from iris_admin.extension import db_session, iris_state
from iris_admin.models import Customer, CustomerStatus
from iris_admin.models.customers import build_search_text
from tests.factories import make_customer

PAGE_SIZE = 20


def names_on(page: str) -> list[str]:
    return re.findall(r'<a href="/admin/customer/details/\?id=\d+[^"]*">([^<]+)</a>', page)


@pytest.fixture
def many(app):
    """300 customers in bulk; every 7th lives in Zwolle, one is "Zoë 50% Kok"."""
    session = db_session()
    status_id = session.scalar(select(CustomerStatus.id).where(CustomerStatus.name == "Active"))
    rows = []
    for number in range(1, 301):
        name = "Zoë 50% Kok" if number == 77 else f"Customer {number:03d}"
        values = {
            "id": number,
            "name": name,
            "is_business": True,
            "code": f"C{number:04d}",
            "city": "Zwolle" if number % 7 == 0 else "Utrecht",
            "status_id": status_id,
        }
        values["search_text"] = build_search_text(values)
        rows.append(values)
    session.execute(insert(Customer.__table__), rows)
    session.commit()


def expected_names(city: str | None = None, offset: int = 0) -> list[str]:
    """A page of the overview's order (name ignoring case, then id), straight from the table."""
    query = select(Customer.name).order_by(func.lower(Customer.name), Customer.id)
    if city:
        query = query.where(Customer.city == city)
    return list(db_session().scalars(query.offset(offset).limit(PAGE_SIZE)))


def test_a_deep_page_shows_the_same_rows_as_offset_would(admin_client, many):
    for page in (1, 7, 14):
        html = admin_client.get(f"/admin/customer/?page={page}").get_data(as_text=True)
        assert names_on(html) == expected_names(offset=page * PAGE_SIZE)
        assert len(names_on(html)) == PAGE_SIZE
    assert names_on(admin_client.get("/admin/customer/?page=15").get_data(as_text=True)) == []


def test_a_deep_page_sorted_by_code_descending(admin_client, many):
    html = admin_client.get("/admin/customer/?sort=1&desc=1&page=2").get_data(as_text=True)
    codes = re.findall(r'<td class="col-code">\s*(C\d{4})\s*</td>', html)
    assert codes == [f"C{number:04d}" for number in range(260, 240, -1)]


def test_a_rare_term_finds_its_few_matches_on_every_page(admin_client, many):
    html = admin_client.get("/admin/customer/?search=zwolle").get_data(as_text=True)
    assert "42 customers" in html
    assert names_on(html) == expected_names("Zwolle")
    html = admin_client.get("/admin/customer/?search=zwolle&page=2").get_data(as_text=True)
    assert names_on(html) == expected_names("Zwolle", offset=2 * PAGE_SIZE)
    assert names_on(html)[-1] == "Zoë 50% Kok"


def test_a_common_term_pages_through_its_many_matches(admin_client, many):
    html = admin_client.get("/admin/customer/?search=UTRECHT").get_data(as_text=True)
    assert "258 customers" in html
    assert names_on(html) == expected_names("Utrecht")
    html = admin_client.get("/admin/customer/?search=utrecht&page=12").get_data(as_text=True)
    assert names_on(html) == expected_names("Utrecht", offset=12 * PAGE_SIZE)
    assert len(names_on(html)) == 18


def test_a_code_finds_exactly_one_customer(admin_client, many):
    html = admin_client.get("/admin/customer/?search=c0123").get_data(as_text=True)
    assert names_on(html) == ["Customer 123"]


def test_search_ignores_case_beyond_ascii_and_treats_wildcards_as_text(admin_client, many):
    assert names_on(admin_client.get("/admin/customer/?search=ZOË").get_data(as_text=True)) == [
        "Zoë 50% Kok"
    ]
    assert names_on(admin_client.get("/admin/customer/?search=50%25").get_data(as_text=True)) == [
        "Zoë 50% Kok"
    ]
    assert names_on(admin_client.get("/admin/customer/?search=_").get_data(as_text=True)) == []


def test_every_word_must_match(admin_client, many):
    html = admin_client.get("/admin/customer/?search=customer+150").get_data(as_text=True)
    assert names_on(html) == ["Customer 150"]
    html = admin_client.get("/admin/customer/?search=kok+utrecht").get_data(as_text=True)
    assert names_on(html) == []


def test_default_payers_are_loaded_with_the_page_not_row_by_row(admin_client, app):
    # Payers sort after the branches, so they are not on the first page themselves.
    payers = [make_customer(f"Zz Payer {number}") for number in range(10)]
    for number in range(15):
        make_customer(f"Branch {number:02d}", default_payer=payers[number % 10])
    statements: list[str] = []
    engine = iris_state().db.engine

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        html = admin_client.get("/admin/customer/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert "Zz Payer 9" in html and names_on(html)[0] == "Branch 00"
    lazy_loads = [s for s in statements if re.search(r"WHERE iris_customer\.id = \?", s)]
    assert lazy_loads == []
