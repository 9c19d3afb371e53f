"""The customer search index (migration 0005) and the overview's capped count.

The index lives in the database (SQLite: FTS5 trigram table + triggers; PostgreSQL:
pg_trgm GIN index), so these tests write customers every way the product does (ORM,
the import, bulk Core statements) and check the index answers as a scan would. The
overview's plans for many matches are in iris_admin/admin/overview_query.py; the
tests here hold them to the rows a plain sorted query gives.
"""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import delete, insert, select, text, update

from iris_admin import schema
from iris_admin.admin import overview_query
from iris_admin.extension import db_session
from iris_admin.importing.apply import ApplyFailed, apply_run
from iris_admin.importing.store import claim_for_apply
from iris_admin.models import Customer, CustomerStatus
from iris_admin.models.customers import build_search_text
from iris_admin.search_index import (
    FTS_TABLE,
    TRGM_INDEX,
    SearchTerms,
    fts5_query,
    index_ids,
    name_starts_with,
)
from tests.factories import make_customer
from tests.import_files import import_file, row, stored_plan, xlsx_bytes

HOSTILE = [
    '"',
    "*",
    "%",
    "_",
    "AND",
    "NEAR(",
    "-",
    "\\",
    "'",
    '" OR "',
    "name:x",
    "^a",
    "(",
    "a*",
    "bak\x00ery",
    "\x00",
]


def names_on(page: str) -> list[str]:
    found = re.findall(r'<a href="/admin/customer/details/\?id=\d+[^"]*">([^<]+)</a>', page)
    return [html.unescape(name) for name in found]


def search(client, term: str, **params: str) -> list[str]:
    response = client.get("/admin/customer/", query_string={"search": term, **params})
    assert response.status_code == 200
    return names_on(response.get_data(as_text=True))


def count_line(page: str) -> str:
    match = re.search(r'<span id="customer-count"[^>]*>([^<]*)</span>', page)
    assert match, "no count line"
    return match.group(1).strip()


def dialect() -> str:
    return db_session().get_bind().dialect.name


def indexed(term: str) -> set[int]:
    """Customer ids the index itself gives for one word (no row is read on SQLite)."""
    return set(db_session().scalars(index_ids(dialect(), SearchTerms.parse(term))))


def assert_index_in_step() -> None:
    """SQLite: FTS5 compares its index with iris_customer row by row."""
    if dialect() == "sqlite":
        db_session().execute(
            text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)")
        )


def active_status_id() -> int:
    return db_session().scalar(select(CustomerStatus.id).where(CustomerStatus.name == "Active"))


def bulk_insert(rows: list[dict]) -> None:
    status_id = active_status_id()
    for values in rows:
        values.setdefault("is_business", True)
        values.setdefault("status_id", status_id)
        values["search_text"] = build_search_text(values)
    session = db_session()
    session.execute(insert(Customer.__table__), rows)
    session.commit()


# -- kept in step with every write -----------------------------------------------------
def test_orm_create_edit_and_delete_keep_the_index_in_step(admin_client):
    customer = make_customer("Quokka Logistics", code="QL-1", city="Zaandam")
    assert indexed("quokka") == {customer.id}
    assert search(admin_client, "quokka") == ["Quokka Logistics"]

    customer.name = "Wombat Freight"
    db_session().commit()
    assert indexed("quokka") == set() and indexed("wombat") == {customer.id}
    assert search(admin_client, "quokka") == []
    assert search(admin_client, "wombat freight") == ["Wombat Freight"]

    # An update that leaves the text alone leaves the index alone.
    customer.notify_issue_updates = True
    db_session().commit()
    assert indexed("wombat") == {customer.id}
    assert_index_in_step()

    db_session().delete(customer)
    db_session().commit()
    assert indexed("wombat") == set()
    assert search(admin_client, "wombat") == []
    assert_index_in_step()


def test_the_customer_form_keeps_the_index_in_step(admin_client):
    response = admin_client.post(
        "/admin/customer/new/",
        {
            "is_business": "y",
            "name": "Pangolin Parts",
            "code": "PP-7",
            "city": "Groningen",
            "country": "NL",
            "email": "",
            "telephone": "",
            "mobile": "",
        },
    )
    assert response.status_code == 302
    assert search(admin_client, "pangolin") == ["Pangolin Parts"]
    assert search(admin_client, "pp-7") == ["Pangolin Parts"]
    assert_index_in_step()


def test_an_import_keeps_the_index_in_step(admin_client):
    make_customer("Okapi Orchards", code="OK1", city="Delft")
    import_file(
        xlsx_bytes(
            [
                ["OK1", "Okapi Orchards", "Leiden"],
                ["NW1", "Narwhal Nets", "Harlingen"],
            ],
            header=["Code", "Name", "City"],
        )
    )
    assert search(admin_client, "leiden") == ["Okapi Orchards"]
    assert search(admin_client, "delft") == []
    assert search(admin_client, "narwhal harlingen") == ["Narwhal Nets"]
    assert_index_in_step()

    import_file(xlsx_bytes([row(code="NW1", name="Narwhal Nets")]), mode="delete")
    assert search(admin_client, "narwhal") == []
    assert indexed("narwhal") == set()
    assert_index_in_step()


@pytest.fixture
def statements():
    """The SQL the app sends to the database while the test runs."""
    sent: list[str] = []
    engine = db_session().get_bind()

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    yield sent
    sa.event.remove(engine, "before_cursor_execute", record)


def fts_triggers() -> set[str]:
    return set(
        db_session().scalars(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE :fts"),
            {"fts": f"%{FTS_TABLE}%"},
        )
    )


# Few customers besides the file's: the commit indexes all at once (SQLite: a rebuild);
# many: row by row through the triggers. Both must leave the same index.
@pytest.mark.parametrize("others", [0, 30])
def test_a_bulk_import_keeps_the_index_in_step_either_way(admin_client, statements, others):
    make_customer("Okapi Orchards", code="OK1", city="Delft")
    make_customer("Quokka Quays", code="QQ1", city="Delft")
    if others:
        bulk_insert(
            [{"name": f"Other {i}", "code": f"OT{i}", "city": "Sneek"} for i in range(others)]
        )
    triggers_before = fts_triggers() if dialect() == "sqlite" else set()
    statements.clear()
    import_file(
        xlsx_bytes(
            [
                ["OK1", "Okapi Orchards", "Leiden"],
                ["QQ1", "Quokka Quays", "Leiden"],
                ["NW1", "Narwhal Nets", "Harlingen"],
                ["NW2", "Nautilus Nets", "Harlingen"],
            ],
            header=["Code", "Name", "City"],
        )
    )
    rebuilt = any("'rebuild'" in statement for statement in statements)
    assert rebuilt == (dialect() == "sqlite" and not others)
    assert search(admin_client, "leiden") == ["Okapi Orchards", "Quokka Quays"]
    assert search(admin_client, "delft") == []
    assert search(admin_client, "nets harlingen") == ["Narwhal Nets", "Nautilus Nets"]
    assert len(search(admin_client, "sneek")) == min(others, 20)
    assert_index_in_step()
    if dialect() == "sqlite":
        assert fts_triggers() == triggers_before and len(triggers_before) == 3
    # Later single saves are indexed again.
    make_customer("Puffin Ports", code="PP1", city="Leiden")
    assert "Puffin Ports" in search(admin_client, "leiden")
    assert_index_in_step()


@pytest.mark.parametrize("others", [0, 30])
def test_a_bulk_delete_keeps_the_index_in_step_either_way(admin_client, statements, others):
    for number in range(4):
        make_customer(f"Narwhal Nets {number}", code=f"NW{number}", city="Harlingen")
    if others:
        bulk_insert(
            [{"name": f"Other {i}", "code": f"OT{i}", "city": "Sneek"} for i in range(others)]
        )
    triggers_before = fts_triggers() if dialect() == "sqlite" else set()
    statements.clear()
    import_file(
        xlsx_bytes([[f"NW{number}"] for number in range(3)], header=["Code"]), mode="delete"
    )
    rebuilt = any("'rebuild'" in statement for statement in statements)
    assert rebuilt == (dialect() == "sqlite" and not others)
    assert search(admin_client, "harlingen") == ["Narwhal Nets 3"]
    assert indexed("narwhal") == {
        db_session().scalar(select(Customer.id).where(Customer.code == "NW3"))
    }
    assert len(search(admin_client, "sneek")) == min(others, 20)
    assert_index_in_step()
    if dialect() == "sqlite":
        assert fts_triggers() == triggers_before and len(triggers_before) == 3


def test_a_failed_bulk_import_leaves_triggers_and_index_as_they_were(admin_client, statements):
    make_customer("Okapi Orchards", code="OK1", city="Delft")
    run, _ = stored_plan(
        xlsx_bytes(
            [
                ["OK1", "Okapi Orchards", "Leiden"],
                ["NW1", "Narwhal Nets", "Harlingen"],
            ],
            header=["Code", "Name", "City"],
        )
    )
    # Another connection takes the new customer's code after the preview: the commit
    # fails on its INSERT, after the triggers were dropped for the rebuild.
    with db_session().get_bind().begin() as connection:
        connection.execute(
            insert(Customer.__table__).values(
                name="Concurrent",
                code="nw1",
                is_business=True,
                city="Zwolle",
                search_text=build_search_text(
                    {"name": "Concurrent", "code": "nw1", "city": "Zwolle"}
                ),
                created_at=sa.func.now(),
                updated_at=sa.func.now(),
            )
        )
    triggers_before = fts_triggers() if dialect() == "sqlite" else set()
    session = db_session()
    assert claim_for_apply(session, run) is None
    statements.clear()
    with pytest.raises(ApplyFailed, match="Nothing was imported"):
        apply_run(session, run.id)
    if dialect() == "sqlite":
        assert any(statement.startswith("DROP TRIGGER") for statement in statements)
        assert fts_triggers() == triggers_before and len(triggers_before) == 3
    assert search(admin_client, "delft") == ["Okapi Orchards"]
    assert search(admin_client, "leiden") == []
    assert search(admin_client, "zwolle") == ["Concurrent"]
    assert_index_in_step()
    make_customer("Puffin Ports", code="PP1", city="Leiden")
    assert search(admin_client, "leiden") == ["Puffin Ports"]
    assert_index_in_step()


def test_bulk_core_statements_keep_the_index_in_step(admin_client):
    bulk_insert(
        [
            {"id": 901, "name": "Ibis Imports", "code": "IB-1", "city": "Venlo"},
            {"id": 902, "name": "Jackal Joinery", "code": "JJ-2", "city": "Venlo"},
        ]
    )
    assert indexed("venlo") == {901, 902}
    assert search(admin_client, "venlo") == ["Ibis Imports", "Jackal Joinery"]

    session = db_session()
    values = {"name": "Ibis Imports", "code": "IB-1", "city": "Roermond"}
    session.execute(
        update(Customer.__table__)
        .where(Customer.__table__.c.id == 901)
        .values(city="Roermond", search_text=build_search_text(values))
    )
    session.execute(delete(Customer.__table__).where(Customer.__table__.c.id == 902))
    session.commit()
    assert indexed("venlo") == set() and indexed("roermond") == {901}
    assert search(admin_client, "roermond") == ["Ibis Imports"]
    assert_index_in_step()


def test_the_migration_indexes_existing_customers_and_downgrades(database_url):
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    config = schema.alembic_config(engine)
    command.downgrade(config, "0004")
    with engine.begin() as connection:
        assert not _search_index_exists(connection)
        values = {"name": "Heron Holdings", "code": "HH", "city": "Hoorn"}
        connection.execute(
            insert(Customer.__table__).values(
                id=1,
                is_business=True,
                search_text=build_search_text(values),
                created_at=sa.func.now(),
                updated_at=sa.func.now(),
                **values,
            )
        )
    schema.upgrade(engine)
    with engine.begin() as connection:
        assert _search_index_exists(connection)
        found = connection.scalars(index_ids(engine.dialect.name, SearchTerms.parse("hoorn")))
        assert list(found) == [1]
    engine.dispose()


def _search_index_exists(connection: sa.Connection) -> bool:
    inspector = sa.inspect(connection)
    if connection.dialect.name == "sqlite":
        return FTS_TABLE in inspector.get_table_names()
    return TRGM_INDEX in {index["name"] for index in inspector.get_indexes("iris_customer")}


# -- what a search finds ----------------------------------------------------------------
@pytest.fixture
def desk(app):
    make_customer(
        "Bravo Bakery",
        code="B-2",
        street="Kerkstraat 1",
        postal_code="3511 AB",
        city="Utrecht",
        email="info@bravo.example",
        telephone="+31 30 123 4567",
    )
    make_customer("alpha Architects", code="a-1", city="Leiden", mobile="+31 6 12345678")
    make_customer(
        "Charlie Chaplin",
        is_business=False,
        first_name="Charlie",
        last_name="Chaplin",
        code="C-300",
        city="Zwolle",
    )
    make_customer('Delta "Quoted" 100% B_V & Zn. - Andersen', code="D-4", city="Den Haag")


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("bake", ["Bravo Bakery"]),  # part of a name
        ("plin", ["Charlie Chaplin"]),
        ("C-300", ["Charlie Chaplin"]),  # exact code, any case
        ("b-2", ["Bravo Bakery"]),
        ("+31 6 12345678", ["alpha Architects"]),  # phone as stored
        ("31612345678", ["alpha Architects"]),  # international digits
        ("0612345678", ["alpha Architects"]),  # national digits
        ("0301234567", ["Bravo Bakery"]),
        ("zwolle", ["Charlie Chaplin"]),  # city
        ("DEN HAAG", ['Delta "Quoted" 100% B_V & Zn. - Andersen']),
        ("3511ab", ["Bravo Bakery"]),  # postal code without its space
        ("3511 ab", ["Bravo Bakery"]),
        ("bravo.example", ["Bravo Bakery"]),  # e-mail
        ("kerkstraat utrecht", ["Bravo Bakery"]),  # every word must match, any order
        ("utrecht kerkstraat", ["Bravo Bakery"]),
        ("bakery leiden", []),
        ("alpha 1", ["alpha Architects"]),  # a short word is checked on the candidates
        ("ch", ["Charlie Chaplin"]),  # only short words: the name starts with it
        ("AL", ["alpha Architects"]),
        ("B-2", ["Bravo Bakery"]),  # ... or the code is exactly it
    ],
)
def test_search_finds_by_every_field(admin_client, desk, term, expected):
    assert search(admin_client, term) == expected


@pytest.mark.parametrize("term", HOSTILE)
def test_query_syntax_in_the_search_is_plain_text(admin_client, desk, term):
    # Whatever FTS5 or LIKE would make of it, it is searched for as typed.
    haystacks = {c.name: c.search_text for c in db_session().scalars(select(Customer))}
    words = term.replace("\x00", " ").lower().split()
    if any(len(word) >= 3 for word in words):
        expected = sorted(
            (n for n, h in haystacks.items() if all(w in h for w in words)), key=str.lower
        )
    else:
        expected = sorted(
            (n for n in haystacks if n.lower().startswith(" ".join(words))), key=str.lower
        )
    assert search(admin_client, term) == expected


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ('"quoted"', ['Delta "Quoted" 100% B_V & Zn. - Andersen']),
        ("100%", ['Delta "Quoted" 100% B_V & Zn. - Andersen']),
        ("b_v", ['Delta "Quoted" 100% B_V & Zn. - Andersen']),
        ("and", ['Delta "Quoted" 100% B_V & Zn. - Andersen']),  # the word, not the operator
        ("zn. -", ['Delta "Quoted" 100% B_V & Zn. - Andersen']),
        ("NEAR(bravo", []),
        ('"bravo" OR "alpha"', []),
        ("b%y", []),
        ("b_kery", []),
    ],
)
def test_wildcards_and_operators_match_only_themselves(admin_client, desk, term, expected):
    assert search(admin_client, term) == expected


@pytest.mark.parametrize("code_point_order", [True, False])
def test_a_short_search_is_a_range_of_the_name_index_in_any_collation(app, code_point_order):
    # The test databases compare by code point; the other branch (for linguistic
    # PostgreSQL collations) must then give the same names.
    names = [
        "de Vries",
        "Dekker",
        "Delta-Z",
        "D-Eco",
        "Zorg",
        "Zz Top",
        "A-Team",
        "Alpha",
        "&Co",
        "9 Lives",
        "99 Bottles",
        "Yak",
    ]
    for name in names:
        make_customer(name, commit=False)
    db_session().commit()
    for prefix in ("de", "z", "zz", "a-", "&", "9", "a", "y"):
        condition = name_starts_with(dialect(), prefix, code_point_order=code_point_order)
        found = set(db_session().scalars(select(Customer.name).where(condition)))
        assert found == {name for name in names if name.lower().startswith(prefix)}, prefix


def test_fts5_query_quotes_every_word():
    assert fts5_query(("abc", 'a"b', "NEAR(")) == '"abc" AND "a""b" AND "NEAR("'


# -- the search uses the index ------------------------------------------------------------
def test_the_search_reads_the_index_not_the_table(app, desk):
    session = db_session()
    terms = SearchTerms.parse("bakery")
    statement = index_ids(dialect(), terms)
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    if dialect() == "sqlite":
        plan = " / ".join(row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert f"SCAN {FTS_TABLE} VIRTUAL TABLE INDEX" in plan
        assert "iris_customer " not in plan + " "
    else:
        # Four rows are cheaper to scan than to look up; forbid that to see the plan.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {compiled}")))
        assert TRGM_INDEX in plan and "Seq Scan" not in plan
    session.rollback()


# -- the count: capped, estimated, said so ----------------------------------------------------
@pytest.fixture
def app_config(app_config):
    return {**app_config, "IRIS_OVERVIEW_COUNT_LIMIT": 30}


@pytest.fixture
def many(app):
    """45 customers, ids 1..45; every one in Utrecht, every 3rd also in Zwolle."""
    bulk_insert(
        [
            {
                "id": number,
                "name": f"Customer {number:02d}",
                "code": f"K{number:03d}",
                "city": "Utrecht" if number % 3 else "Zwolle Utrecht",
            }
            for number in range(1, 46)
        ]
    )


def test_a_small_count_is_exact(admin_client, many):
    page = admin_client.get("/admin/customer/?search=zwolle").get_data(as_text=True)
    assert count_line(page) == "15 customers"


def test_a_search_stops_counting_at_the_limit_and_says_so(admin_client, many):
    page = admin_client.get("/admin/customer/?search=utrecht").get_data(as_text=True)
    assert count_line(page) == "30+ customers"
    assert len(names_on(page)) == 20
    # The page is full, so the pager offers the next one; there the end shows.
    assert 'href="/admin/customer/?page=1&amp;search=utrecht' in page
    last = admin_client.get("/admin/customer/?search=utrecht&page=2").get_data(as_text=True)
    assert names_on(last) == [f"Customer {n}" for n in range(41, 46)]
    assert count_line(last) == "45 customers"


def test_a_very_common_word_is_estimated_from_a_sample_on_postgresql(
    admin_client, many, monkeypatch
):
    # The sample is the whole table here, so the "estimate" is exact: 45 matches.
    monkeypatch.setattr(overview_query, "SAMPLE_PERCENT", 100)
    monkeypatch.setattr(overview_query, "SAMPLE_MATCHES_MIN", 40)
    page = admin_client.get("/admin/customer/?search=utrecht").get_data(as_text=True)
    expected = "about 45 customers" if dialect() == "postgresql" else "30+ customers"
    assert count_line(page) == expected
    assert names_on(page) == [f"Customer {n:02d}" for n in range(1, 21)]
    # Too few matches in the sample (15 for Zwolle): counted as always.
    page = admin_client.get("/admin/customer/?search=zwolle").get_data(as_text=True)
    assert count_line(page) == "15 customers"


def test_the_whole_list_shows_an_estimate_and_reaches_its_last_page(admin_client, many):
    page = admin_client.get("/admin/customer/").get_data(as_text=True)
    assert count_line(page) == "about 45 customers"
    assert 'href="/admin/customer/?page=2' in page  # the last page, from the estimate
    last = admin_client.get("/admin/customer/?page=2").get_data(as_text=True)
    assert names_on(last) == [f"Customer {n}" for n in range(41, 46)]
    assert count_line(last) == "45 customers"


def test_far_past_the_limit_postgresql_takes_the_planners_estimate_without_counting(
    admin_client, app
):
    bulk_insert([{"id": number, "name": f"Customer {number:03d}"} for number in range(1, 311)])
    if dialect() == "postgresql":
        db_session().execute(text("ANALYZE iris_customer"))  # what autovacuum does
        db_session().commit()
    statements: list[str] = []
    engine = app.extensions["iris_admin"].db.engine

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        page = admin_client.get("/admin/customer/").get_data(as_text=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    # 310 customers, ten times the limit (30) or more: PostgreSQL's planner knows it
    # from ANALYZE; SQLite counts to the limit and takes the ids' span.
    assert count_line(page) == "about 310 customers"
    counted = [s for s in statements if re.search(r"count\(\*\)", s)]
    assert (counted == []) == (dialect() == "postgresql")
    assert 'href="/admin/customer/?page=15' in page  # the last page, from the estimate
    last = admin_client.get("/admin/customer/?page=15").get_data(as_text=True)
    assert names_on(last) == [f"Customer {n}" for n in range(301, 311)]
    assert count_line(last) == "310 customers"


def test_a_filter_is_counted_with_the_same_limit(admin_client, many):
    url = f"/admin/customer/?flt0_status_equals={active_status_id()}"
    page = admin_client.get(url).get_data(as_text=True)
    assert count_line(page) == "30+ customers"
    assert names_on(page) == [f"Customer {n:02d}" for n in range(1, 21)]
    last = admin_client.get(url + "&page=2").get_data(as_text=True)
    assert names_on(last) == [f"Customer {n}" for n in range(41, 46)]
    assert count_line(last) == "45 customers"


def test_the_estimate_is_rounded_and_formatted(app):
    from iris_admin.admin.customers import _round_estimate

    assert _round_estimate(1_003_117) == 1_000_000
    assert _round_estimate(45) == 45
    with app.test_request_context():
        view = app.extensions["iris_admin"].views["customer"]
        count = overview_query.RowCount(1_003_117, overview_query.RowCount.ABOUT)
        assert view.count_text(count) == "about 1,000,000 customers"
        assert view.count_text(overview_query.RowCount(1234)) == "1,234 customers"


# -- the plans for many matches show the rows a plain query would -------------------------------
@pytest.fixture
def spread(app):
    """300 customers: 'common' in every 4th, 'late' only in the last 40 names; every
    3rd is a person."""
    bulk_insert(
        [
            {
                "id": number,
                "name": f"Customer {number:03d}",
                "code": f"S{number:04d}",
                "is_business": number % 3 != 0,
                "city": " ".join(
                    word
                    for word, wanted in (("common", number % 4 == 0), ("late", number > 260))
                    if wanted
                )
                or "Elsewhere",
            }
            for number in range(1, 301)
        ]
    )


def expected_page(
    word: str, page: int, *, by_code_desc: bool = False, businesses: bool = False
) -> list[str]:
    query = select(Customer.name).where(Customer.search_text.contains(word))
    if businesses:
        query = query.where(Customer.is_business.is_(True))
    if by_code_desc:
        query = query.order_by(Customer.sort_code.desc())
    else:
        query = query.order_by(Customer.sort_name, Customer.id)
    return list(db_session().scalars(query.offset(page * 20).limit(20)))


@pytest.mark.parametrize("plan", ["walk rows", "walk ids", "short walks", "sort"])
@pytest.mark.parametrize("word", ["common", "late"])
def test_every_plan_shows_the_rows_of_the_plain_query(
    admin_client, spread, monkeypatch, plan, word
):
    # The count limit (30) is below both words' matches, so the walks are tried first;
    # limiting how far they may walk forces each plan in turn. "short walks" look at
    # the first 100 rows only: enough for the first page of "common", too few for its
    # later pages and for "late", which then fall back on sorting the matches.
    reach = {"walk rows": None, "walk ids": (0, None), "short walks": (100, 100), "sort": (0, 0)}[
        plan
    ]
    if reach is not None:
        monkeypatch.setattr(overview_query, "WALK_ROWS_MAX", reach[0])
        monkeypatch.setattr(overview_query, "WALK_ROWS_STOPPING_EARLY_MAX", reach[0])
        if reach[1] is not None:
            monkeypatch.setattr(overview_query, "WALK_IDS_MAX", reach[1])
    for page in (0, 1, 3):
        assert search(admin_client, word, page=str(page)) == expected_page(word, page)
    sort_by_code = {"sort": "1", "desc": "1"}
    assert search(admin_client, word, **sort_by_code) == expected_page(word, 0, by_code_desc=True)
    # With a filter: "common" has 50 business matches, more than the count limit.
    businesses = {"flt0_business_customer_equals": "1"}
    for page in (0, 1):
        assert search(admin_client, word, page=str(page), **businesses) == expected_page(
            word, page, businesses=True
        )
