"""How fast the overview's search and count answer at scale, in the database (no HTTP).

    python bench/bench_search.py                                       # 100,000, SQLite
    python bench/bench_search.py --customers 1000000 --database-url sqlite:////tmp/big.sqlite
    python bench/bench_search.py --customers 1000000 \\
        --database-url postgresql+psycopg://iris:secret@127.0.0.1/iris_bench

The database is upgraded to the head revision (which builds the search index of
migration 0005) and seeded with ``iris_admin.seed`` when it has no customers; one that
has customers is used as it is, so a million rows are seeded once.

Each case runs the overview's own list code (``CustomerView.get_list``: the capped or
estimated count, the search through the index, the page's rows with their joins)
through SQLAlchemy, ``--repeat`` times after a warm-up; the HTTP round trip and the
template are bench_overview.py's part. A timing only counts when the page is right:
each case's rows are compared once with a plain sorted query (for searches a full
``LIKE`` scan, timed too: it is what the search cost before the index). The counts
are timed on their own as well, next to the ``count(*)`` they replace.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402  needs the sys.path entry above

from bench.harness import (  # noqa: E402  needs the sys.path entry above
    database_kind,
    describe_url,
    load_average,
    machine,
    percentile,
    prepare_database,
    sqlite_url,
)
from iris_admin import create_app  # noqa: E402  needs the sys.path entry above
from iris_admin.admin.overview_query import (  # noqa: E402  needs the sys.path entry above
    SAMPLE_PERCENT,
    count_capped,
    count_customers,
    estimate_rows,
    sampled_count,
)
from iris_admin.extension import iris_state  # noqa: E402  needs the sys.path entry above
from iris_admin.models import Customer  # noqa: E402  needs the sys.path entry above
from iris_admin.search_index import SearchTerms, index_ids  # noqa: E402  needs the sys.path entry above
from iris_admin.validation import national_digits  # noqa: E402  needs the sys.path entry above

PAGE_SIZE = 20
LIST_TARGET_MS = 50
SEARCH_TARGET_MS = 100


@dataclass
class Case:
    label: str
    page: int | None = None
    sort: str | None = None
    descending: bool = False
    search: str | None = None
    target_ms: float = LIST_TARGET_MS
    timings_ms: list[float] = field(default_factory=list)
    count_text: str = ""
    scan_ms: float | None = None  # the plain query that checks the rows


def build_cases(session: Any) -> list[Case]:
    """The overview requests of issue 6, with search terms taken from the data."""
    top = session.scalar(select(func.max(Customer.id))) or 1
    code = session.scalar(
        select(Customer.code)
        .where(Customer.code.is_not(None), Customer.id >= int(top * 0.73))
        .order_by(Customer.id)
        .limit(1)
    )
    telephone = session.scalar(
        select(Customer.telephone)
        .where(Customer.telephone.like("+31 10 %"))
        .order_by(Customer.id.desc())
        .limit(1)
    ) or session.scalar(select(Customer.telephone).where(Customer.telephone.is_not(None)).limit(1))
    phone = national_digits(telephone) or re.sub(r"\D", "", telephone)
    postal = (
        session.scalar(
            select(Customer.postal_code)
            .where(Customer.postal_code.like("% %"))
            .order_by(Customer.id.desc())
            .limit(1)
        )
        or ""
    )
    deep_page = max(0, min(5000, top // PAGE_SIZE) - 1)  # "page 5,000" as a user counts
    cases = [
        Case("First page (by name)"),
        Case(f"Page {deep_page + 1:,}", page=deep_page),
        Case("Sort by code descending", sort="code", descending=True),
        Case("Search part of a name ('leeuw')", search="leeuw"),
        Case(f"Search an exact code ({code!r})", search=code),
        Case(f"Search a phone number ({phone!r})", search=phone),
        Case("Search a city ('rotterdam')", search="rotterdam"),
        # Harder ones: the biggest city; a first name, bunched at the end of the
        # name order; two words; a postal code typed without its space.
        Case("Search a big city ('amsterdam')", search="amsterdam"),
        Case("Search a first name ('zoë')", search="zoë"),
        Case("Search two words ('jansen utrecht')", search="jansen utrecht"),
        Case(
            f"Search a postal code ({postal.replace(' ', '').lower()!r})",
            search=postal.replace(" ", "").lower(),
        ),
        Case("Search 2 letters ('de': names starting with it)", search="de"),
    ]
    for case in cases:
        if case.search is not None:
            case.target_ms = SEARCH_TARGET_MS
    return cases


def expected_page(session: Any, case: Case) -> tuple[list[Any], float]:
    """The page as a plain query gives it (and how long that query took): names, or
    codes when sorted by code (customers without a code tie; any of them is right)."""
    query = select(Customer.sort_code if case.sort == "code" else Customer.name)
    if case.search:
        terms = SearchTerms.parse(case.search)
        if terms.indexed:
            for word in terms.words:
                query = query.where(
                    func.instr(Customer.search_text, word) > 0
                    if session.get_bind().dialect.name == "sqlite"
                    else func.strpos(Customer.search_text, word) > 0
                )
        else:
            query = query.where(
                Customer.sort_name.like(terms.text + "%") | (Customer.sort_code == terms.text)
            )
    if case.sort == "code":
        column = Customer.sort_code
        query = query.order_by(column.desc() if case.descending else column)
    else:
        query = query.order_by(Customer.sort_name, Customer.id)
    query = query.offset((case.page or 0) * PAGE_SIZE).limit(PAGE_SIZE)
    mark = time.perf_counter()
    names = list(session.scalars(query))
    return names, (time.perf_counter() - mark) * 1000


def timed(action: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    action()  # warm-up
    timings, result = [], None
    for _ in range(repeat):
        mark = time.perf_counter()
        result = action()
        timings.append((time.perf_counter() - mark) * 1000)
    return timings, result


def run(database_url: str, customers: int, repeat: int, count_limit: int | None) -> bool:
    load_before = load_average()
    seeding = prepare_database(database_url, customers)
    config = {"IRIS_CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": database_url}
    if count_limit is not None:
        config["IRIS_OVERVIEW_COUNT_LIMIT"] = count_limit
    app = create_app(config)
    with app.test_request_context("/admin/customer/"):
        state = iris_state()
        view, session = state.views["customer"], state.session
        limit = app.config["IRIS_OVERVIEW_COUNT_LIMIT"]
        dialect = session.get_bind().dialect.name
        total = session.scalar(select(func.count()).select_from(Customer))
        cases = build_cases(session)

        for case in cases:

            def list_page(case: Case = case) -> Any:
                result = view.get_list(case.page, case.sort, case.descending, case.search, [])
                session.rollback()  # a request ends its transaction
                return result

            case.timings_ms, (count, rows) = timed(list_page, repeat)
            case.count_text = view.count_text(count)
            expected, case.scan_ms = expected_page(session, case)
            shown = [
                (c.code or "").lower() or None if case.sort == "code" else c.name for c in rows
            ]
            if shown != expected:
                raise SystemExit(
                    f"{case.label}: the overview shows {shown[:5]}..., "
                    f"a plain query {expected[:5]}..."
                )

        counts: list[tuple[str, list[float], str]] = []
        rows = select(Customer.id)
        timings, result = timed(
            lambda: count_customers(session, rows, limit, filtered=False), repeat
        )
        counts.append(("Whole list: capped count + estimate", timings, view.count_text(result)))
        timings, result = timed(
            lambda: session.scalar(select(func.count()).select_from(Customer)), repeat
        )
        counts.append(("Whole list: count(*) (what it replaces)", timings, f"{result:,}"))
        total_estimate = estimate_rows(session)
        for term in ("leeuw", "rotterdam", "amsterdam"):
            terms = SearchTerms.parse(term)
            matches = index_ids(dialect, terms)
            timings, result = timed(lambda m=matches: count_capped(session, m, limit), repeat)
            counts.append(
                (
                    f"Search {term!r}: capped count through the index",
                    timings,
                    view.count_text(result),
                )
            )
            if dialect == "postgresql":  # what the overview uses there for common words
                timings, result = timed(
                    lambda t=terms: sampled_count(session, rows, t, limit, total_estimate), repeat
                )
                counts.append(
                    (
                        f"Search {term!r}: estimate from a {SAMPLE_PERCENT}% sample",
                        timings,
                        view.count_text(result) if result else "(counted)",
                    )
                )
        session.rollback()

    print_report(cases, counts, seeding, database_url, total, repeat, load_before, limit)
    return all(statistics.median(case.timings_ms) < case.target_ms for case in cases[:7])


def print_report(
    cases: list[Case],
    counts: list[tuple[str, list[float], str]],
    seeding: Any,
    database_url: str,
    total: int,
    repeat: int,
    load_before: str,
    limit: int,
) -> None:
    print()
    print(
        f"Overview queries, {total:,} customers in {database_kind(database_url)} "
        f"({describe_url(database_url)}), through SQLAlchemy (CustomerView.get_list, no "
        f"HTTP); {repeat} runs each after a warm-up. Count limit {limit:,}."
    )
    print(f"Machine: {machine()}")
    print(f"Load average (1, 5, 15 min) before: {load_before}, after: {load_average()}")
    if seeding:
        print(
            f"Seeding: {seeding.customers:,} customers and {seeding.rows - seeding.customers:,}"
            f" contacts, invoice addresses and issues in {seeding.seconds:.1f} s"
        )
    print()
    print("| Overview | Median ms | p90 ms | Target ms | Count shown | Plain query ms |")
    print("| --- | ---: | ---: | ---: | --- | ---: |")
    for case in cases:
        median = statistics.median(case.timings_ms)
        flag = "" if median < case.target_ms else " MISSED"
        print(
            f"| {case.label} | {median:.1f} | {percentile(case.timings_ms, 0.9):.1f} | "
            f"< {case.target_ms:.0f}{flag} | {case.count_text} | {case.scan_ms:.0f} |"
        )
    print()
    print("| Count | Median ms | p90 ms | Result |")
    print("| --- | ---: | ---: | --- |")
    for label, timings, result in counts:
        print(
            f"| {label} | {statistics.median(timings):.1f} | "
            f"{percentile(timings, 0.9):.1f} | {result} |"
        )
    print()
    print(
        "'Plain query' is one run of the same page without the index (searches: a LIKE "
        "scan of every row), the check that the overview's rows are right."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument(
        "--customers",
        type=int,
        default=100_000,
        help="customers to seed into an empty database (default 100,000)",
    )
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per case (default 20)")
    parser.add_argument(
        "--count-limit",
        type=int,
        help="IRIS_OVERVIEW_COUNT_LIMIT for this run (default: the setting's)",
    )
    args = parser.parse_args()
    if args.database_url:
        ok = run(args.database_url, args.customers, args.repeat, args.count_limit)
    else:
        with tempfile.TemporaryDirectory(prefix="iris-bench-search-") as folder:
            ok = run(
                sqlite_url(Path(folder) / "bench.sqlite"),
                args.customers,
                args.repeat,
                args.count_limit,
            )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
