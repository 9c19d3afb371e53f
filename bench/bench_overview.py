"""How fast the customers overview answers at scale, measured through real HTTP.

    python bench/bench_overview.py                                  # 100,000 customers, SQLite
    python bench/bench_overview.py --customers 1000000 --database /tmp/big.sqlite
    python bench/bench_overview.py --customers 1000000 \\
        --database-url postgresql+psycopg://iris:secret@127.0.0.1/iris_bench

The database is seeded with ``iris_admin.seed`` (the code behind ``flask iris seed``)
when it has no customers, and reused as it is when it has some, so a million rows
are seeded once. The default is a fresh SQLite file in a temporary folder, removed
afterwards. The app runs under gunicorn with the project's config file
(``config/gunicorn.conf.py``, one worker by default) on 127.0.0.1; the script logs in
through /login and times every overview URL.

A timing only counts when the page is right: every response must be 200 and show
exactly the rows the database says belong on that page, so a broken page cannot look
fast. Sort and pager URLs are taken from the links the overview itself renders.
Exits 1 when a median misses its target (issue 6: lists < 50 ms, searches < 100 ms).
Next to the client's median the report gives gunicorn's own (from its access log), so
time spent waiting for a core on a busy machine can be told from the server's work.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402  needs the sys.path entry above

from bench.harness import (  # noqa: E402  needs the sys.path entry above
    Browser,
    database_kind,
    describe_url,
    load_average,
    machine,
    percentile,
    prepare_database,
    running_gunicorn,
    sqlite_url,
)
from iris_admin.seed import SeedResult  # noqa: E402  needs the sys.path entry above

PAGE_SIZE = 20  # SecureModelView.page_size
TARGET_PAGE = 5000  # "page 5,000" as a user counts; Flask-Admin's ?page= is 0-based
LIST_TARGET_MS = 50
SEARCH_TARGET_MS = 100
# The overview's order: by name ignoring case, ties by id; header sorts ignore case too.
NAME_ORDER = "lower(name), id"


def cells(page: str, column: str) -> list[str]:
    """The text of one overview column, top to bottom."""
    found = re.findall(rf'<td class="col-{column}">(.*?)</td>', page, flags=re.DOTALL)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in found]


def header_link(page: str, column: str) -> str:
    """Where a click on a column header goes (the overview's own sort URL)."""
    match = re.search(
        rf'<th class="column-header col-{column}">\s*<a href="([^"]+)"', page, flags=re.DOTALL
    )
    if match is None:
        raise SystemExit(f"The overview has no sort link on the {column!r} header")
    return html.unescape(match.group(1))


def pager_link(page: str, label: int) -> str | None:
    match = re.search(rf'<a class="page-link" href="([^"]+)">{label}</a>', page)
    return html.unescape(match.group(1)) if match else None


# -- what each page must show -------------------------------------------------------------


class Expectations:
    """The rows each overview URL must show, straight from the database (SQLite or PostgreSQL)."""

    def __init__(self, database_url: str) -> None:
        self._engine = create_engine(database_url)
        self._db = self._engine.connect()

    def close(self) -> None:
        self._db.close()
        self._engine.dispose()

    def column(
        self,
        column: str,
        order: str,
        where: str = "",
        params: dict | None = None,
        offset: int = 0,
    ) -> list[str]:
        sql = (
            f"SELECT coalesce({column}, '') FROM iris_customer {where} "
            f"ORDER BY {order} LIMIT {PAGE_SIZE} OFFSET {offset}"
        )
        return [row[0] for row in self._db.execute(text(sql), params or {})]

    def search(self, term: str) -> list[str]:
        return self.column(
            "name", NAME_ORDER, "WHERE search_text LIKE :term", {"term": f"%{term.lower()}%"}
        )

    def value(self, sql: str, params: dict | None = None) -> Any:
        return self._db.execute(text(sql), params or {}).scalar()

    def time_query(self, sql: str, params: dict, repeat: int) -> list[float]:
        timings = []
        for _ in range(repeat):
            mark = time.perf_counter()
            self._db.execute(text(sql), params).fetchall()
            timings.append((time.perf_counter() - mark) * 1000)
        return timings


# The pager's count: the plain one, then a LIKE over the search column for comparison.
COUNT_QUERIES = (
    ("SELECT count(*) FROM iris_customer", {}),
    ("SELECT count(*) FROM iris_customer WHERE search_text LIKE :term", {"term": "%rotterdam%"}),
)


@dataclass
class Case:
    label: str
    url: str
    check: Callable[[str], str | None]  # a page -> what is wrong with it, or None
    target_ms: float
    timings_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)  # gunicorn's own time, same requests


def rows_are(column: str, expected: list[str]) -> Callable[[str], str | None]:
    def check(page: str) -> str | None:
        shown = cells(page, column)
        if not expected:
            return "the database has no rows for this page (another term or page is needed)"
        if shown != expected:
            return f"{column} column shows {shown[:3]}..., expected {expected[:3]}..."
        return None

    return check


def all_of(*checks: Callable[[str], str | None]) -> Callable[[str], str | None]:
    def check(page: str) -> str | None:
        return next((problem for c in checks if (problem := c(page))), None)

    return check


def active_page_is(number: int) -> Callable[[str], str | None]:
    def check(page: str) -> str | None:
        if not re.search(
            rf'<li class="page-item active">\s*<a class="page-link" href="javascript:void\(0\)">'
            rf"{number}</a>",
            page,
        ):
            return f"the pager does not mark page {number} as current"
        return None

    return check


def build_cases(browser: Browser, expect: Expectations) -> list[Case]:
    status, _, first = browser.fetch("/admin/customer/")
    if status != 200:
        raise SystemExit(f"/admin/customer/ answered {status}")
    # Follow the overview's own links, as a user clicking the headers and the pager would.
    code_asc = header_link(first, "code")
    _, _, page = browser.fetch(code_asc)
    code_desc = header_link(page, "code")
    second_page = pager_link(first, 2)
    page_arg = re.compile(r"([?&])page=1(?=&|$)")  # the pager counts from 0
    if not second_page or not page_arg.search(second_page):
        raise SystemExit(f"Unexpected pager link for page 2: {second_page!r}")
    customers = expect.value("SELECT count(*) FROM iris_customer")
    target_page = max(1, min(TARGET_PAGE, customers // PAGE_SIZE))  # small runs: the last page
    page_deep = page_arg.sub(rf"\g<1>page={target_page - 1}", second_page)

    # Search terms a desk would type; each must find something.
    name_part = "leeuw"  # part of "van Leeuwen"
    code = expect.value(
        "SELECT code FROM iris_customer WHERE code IS NOT NULL AND id >= :id ORDER BY id LIMIT 1",
        {"id": int(expect.value("SELECT max(id) FROM iris_customer") * 0.73)},
    )
    telephone = expect.value(
        "SELECT telephone FROM iris_customer WHERE telephone LIKE '+31 10 %' "
        "ORDER BY id DESC LIMIT 1"
    )
    phone = "0" + re.sub(r"\D", "", telephone)[2:]  # as dialled in the Netherlands: 010...
    city = "rotterdam"

    def search_url(term: str) -> str:
        return "/admin/customer/?" + urllib.parse.urlencode({"search": term})

    offset = (target_page - 1) * PAGE_SIZE
    return [
        Case(
            "First page (default sort: name)",
            "/admin/customer/",
            rows_are("name", expect.column("name", NAME_ORDER)),
            LIST_TARGET_MS,
        ),
        Case(
            f"Page {target_page:,}",
            page_deep,
            all_of(
                rows_are("name", expect.column("name", NAME_ORDER, offset=offset)),
                active_page_is(target_page),
            ),
            LIST_TARGET_MS,
        ),
        Case(
            "Sort by code descending",
            code_desc,
            rows_are("code", expect.column("code", "lower(code) DESC")),
            LIST_TARGET_MS,
        ),
        Case(
            f"Search part of a name ({name_part!r})",
            search_url(name_part),
            rows_are("name", expect.search(name_part)),
            SEARCH_TARGET_MS,
        ),
        Case(
            f"Search an exact code ({code!r})",
            search_url(code),
            rows_are("name", expect.search(code)),
            SEARCH_TARGET_MS,
        ),
        Case(
            f"Search a phone number ({phone!r})",
            search_url(phone),
            rows_are("name", expect.search(phone)),
            SEARCH_TARGET_MS,
        ),
        Case(
            f"Search a city ({city!r})",
            search_url(city),
            rows_are("name", expect.search(city)),
            SEARCH_TARGET_MS,
        ),
    ]


def measure(browser: Browser, case: Case, warmup: int, repeat: int) -> None:
    for round_ in range(warmup + repeat):
        mark = time.perf_counter()
        status, _, page = browser.fetch(case.url)
        elapsed_ms = (time.perf_counter() - mark) * 1000
        if status != 200:
            raise SystemExit(f"{case.label}: {case.url} answered {status}")
        problem = case.check(page)
        if problem:
            raise SystemExit(f"{case.label}: {case.url}: {problem}")
        if round_ >= warmup:
            case.timings_ms.append(elapsed_ms)


def read_server_times(cases: list[Case], log: str, repeat: int) -> None:
    """gunicorn's time for each timed request, from its access log (``%(M)sms``).

    Set against the client's time it tells what the server spent from what the
    machine's other work and HTTP on loopback added. The timed requests of a URL are
    its last ``repeat`` lines (warm-ups and the case-building fetch come first).
    """
    by_path: dict[str, list[float]] = {}
    for match in re.finditer(r'"GET (\S+) HTTP/[\d.]+" 200 .* (\d+)ms$', log, flags=re.MULTILINE):
        by_path.setdefault(match.group(1), []).append(float(match.group(2)))
    for case in cases:
        case.server_ms = by_path.get(case.url, [])[-repeat:]


# -- the report -------------------------------------------------------------------------------


def print_report(
    cases: list[Case],
    counts: list[tuple[str, list[float]]],
    seeding: SeedResult | None,
    database_url: str,
    workers: int,
    customers: int,
    repeat: int,
    warmup: int,
    load_before: str,
) -> bool:
    print()
    print(
        f"Customers overview, {customers:,} customers in {database_kind(database_url)} "
        f"({describe_url(database_url)}), gunicorn ({workers} sync worker"
        f"{'s' if workers != 1 else ''}), over HTTP on loopback; {repeat} requests each "
        f"after {warmup} warm-ups."
    )
    print(f"Machine: {machine()}")
    print(f"Load average (1, 5, 15 min) before: {load_before}, after: {load_average()}")
    if seeding:
        print(
            f"Seeding: {seeding.customers:,} customers and {seeding.rows - seeding.customers:,} "
            f"contacts, invoice addresses and issues in {seeding.seconds:.1f} s "
            f"({seeding.rows_per_second:,.0f} rows/s)"
        )
    print()
    print("| Request | Median ms | p95 ms | Server median ms | Target ms | |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    all_met = True
    for case in cases:
        median = statistics.median(case.timings_ms)
        met = median < case.target_ms
        all_met &= met
        server = f"{statistics.median(case.server_ms):.0f}" if case.server_ms else "?"
        print(
            f"| {case.label} | {median:.1f} | {percentile(case.timings_ms, 0.95):.1f} | {server} | "
            f"< {case.target_ms:.0f} | {'ok' if met else 'MISSED'} |"
        )
    print()
    print("Counting rows (SQL straight on the database, no HTTP):")
    print()
    print("| Query | Median ms | p95 ms |")
    print("| --- | ---: | ---: |")
    for label, timings in counts:
        print(f"| {label} | {statistics.median(timings):.1f} | {percentile(timings, 0.95):.1f} |")
    print()
    print("URLs:")
    for case in cases:
        print(f"  {case.label}: {case.url}")
    return all_met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--customers", type=int, default=100_000, help="customers to seed into an empty database"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--database-url",
        help="SQLAlchemy URL (sqlite:///... or postgresql+psycopg://...); "
        "seeded when it has no customers, reused as it is otherwise",
    )
    where.add_argument(
        "--database", type=Path, help="SQLite file (shorthand for --database-url sqlite:///FILE)"
    )
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per URL")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per URL first")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="iris-bench-"))
    # A SQLite path is made absolute: the server runs in the project folder, not the caller's.
    database_url = args.database_url or sqlite_url(args.database or workdir / "bench.sqlite")
    expect = None
    try:
        seeding = prepare_database(database_url, args.customers)
        expect = Expectations(database_url)
        customers = expect.value("SELECT count(*) FROM iris_customer")
        counts = [
            (f"`{sql}`", expect.time_query(sql, params, args.repeat))
            for sql, params in COUNT_QUERIES
        ]
        load_before = load_average()
        print(f"Starting gunicorn with {args.workers} worker(s) ...", flush=True)
        server_log = workdir / "server.log"
        with running_gunicorn(database_url, args.workers, server_log) as base:
            browser = Browser(base)
            browser.log_in()
            cases = build_cases(browser, expect)
            for case in cases:
                measure(browser, case, args.warmup, args.repeat)
        read_server_times(cases, server_log.read_text(errors="replace"), args.repeat)
        all_met = print_report(
            cases,
            counts,
            seeding,
            database_url,
            args.workers,
            customers,
            args.repeat,
            args.warmup,
            load_before,
        )
        return 0 if all_met else 1
    finally:
        if expect is not None:
            expect.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
