"""How fast the customers overview answers at scale, measured through real HTTP.

    python bench/bench_overview.py                      # 100,000 customers
    python bench/bench_overview.py --customers 1000000 --repeat 20
    python bench/bench_overview.py --database /tmp/big.sqlite   # seed once, reuse later

The script seeds a fresh SQLite file (bulk inserts in one transaction; ``search_text``
built with the model's own ``build_search_text``), starts the stand-alone app over HTTP
on 127.0.0.1 (gunicorn with one worker; werkzeug's threaded server when gunicorn is not
installed), logs in through /login and times every overview URL.

A timing only counts when the page is right: every response must be 200 and show
exactly the rows the database says belong on that page, so a broken page cannot look
fast. Sort and pager URLs are taken from the links the overview itself renders.
"""

from __future__ import annotations

import argparse
import html
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from iris_admin import schema
from iris_admin.models import Customer, CustomerStatus, Role, User
from iris_admin.models.base import utcnow
from iris_admin.models.customers import build_search_text

ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-admin-password"
PAGE_SIZE = 20  # SecureModelView.page_size
TARGET_PAGE = 1000  # "page 1,000" as a user counts; Flask-Admin's ?page= is 0-based
# The overview's order: by name ignoring case, ties by id; header sorts ignore case too.
NAME_ORDER = "lower(name), id"

# -- realistic Dutch-ish data ------------------------------------------------------

FIRST_NAMES = (
    "Anna", "Bram", "Carla", "Daan", "Eva", "Femke", "Gijs", "Hanna", "Ivo", "Joost", "Kim",
    "Lotte", "Milan", "Noor", "Olaf", "Pien", "Ruben", "Sanne", "Tim", "Vera", "Willem", "Yara",
    "Zoë", "Thijs", "Lieke", "Jesse", "Fleur", "Sem", "Isa", "Lucas", "Mila", "Finn", "Julia",
    "Stijn", "Emma", "Jan", "Marieke", "Pieter", "Sophie", "Koen",
)
LAST_NAMES = (
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
    "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra",
    "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen",
    "van den Berg", "van Dijk", "Willems", "van Beek", "Schouten", "Hoekstra", "Koster", "Prins",
    "Huisman", "Kuipers", "van Wijk", "Postma", "Verhoeven", "Kramer",
)
COMPANY_WORDS = (
    "Noord", "Delta", "Polder", "Tulp", "Haven", "Duin", "Molen", "Gracht", "Oranje", "Vuurtoren",
    "Weide", "Brug", "Anker", "Klaver", "Valk", "Esdoorn", "Zuid", "Oost", "West", "Dijk",
    "Kade", "Sluis", "Linde", "Eik", "Beuk", "Zon", "Regenboog", "Kompas", "Ster", "Horizon",
)
COMPANY_KINDS = (
    "Logistiek", "Bakkerij", "Advies", "Installaties", "Reizen", "Tandartsen", "Media", "Garage",
    "Architecten", "Voeding", "Software", "Schoonmaak", "Bouw", "Makelaars", "Transport",
    "Drukkerij", "Kinderopvang", "Fysiotherapie", "Accountants", "Hoveniers",
)
LEGAL_FORMS = ("B.V.", "B.V.", "BV", "V.O.F.", "& Zn.", "Holding B.V.", "")
STREETS = (
    "Kerkstraat", "Dorpsstraat", "Stationsweg", "Molenweg", "Schoolstraat", "Marktplein",
    "Julianalaan", "Beatrixstraat", "Industrieweg", "Havenkade", "Wilhelminastraat", "Nieuwstraat",
    "Hoofdstraat", "Kastanjelaan", "Prinsengracht", "Lindelaan", "Parallelweg", "Emmastraat",
    "Oranjestraat", "Sportlaan", "Kanaalweg", "Burgemeester de Withstraat", "Vondelstraat",
    "Rembrandtlaan", "Van Goghstraat", "Spoorstraat", "Zandweg", "Raadhuisplein",
)
# City, first two digits of its postal codes, telephone area code.
NL_CITIES = (
    ("Amsterdam", "10", "20"), ("Rotterdam", "30", "10"), ("Utrecht", "35", "30"),
    ("Den Haag", "25", "70"), ("Eindhoven", "56", "40"), ("Groningen", "97", "50"),
    ("Haarlem", "20", "23"), ("Leiden", "23", "71"), ("Zwolle", "80", "38"),
    ("Breda", "48", "76"), ("Arnhem", "68", "26"), ("Nijmegen", "65", "24"),
    ("Tilburg", "50", "13"), ("Almere", "13", "36"), ("Maastricht", "62", "43"),
    ("Amersfoort", "38", "33"), ("Apeldoorn", "73", "55"), ("Enschede", "75", "53"),
    ("Leeuwarden", "89", "58"), ("Delft", "26", "15"),
)
FOREIGN_CITIES = (  # (country, city, postal code maker, telephone maker)
    ("BE", "Antwerpen", lambda r: f"{r.randint(2000, 2660)}",
     lambda r: f"+32 3 {r.randint(200, 999)} {r.randint(10, 99)} {r.randint(10, 99)}"),
    ("BE", "Brussel", lambda r: f"{r.randint(1000, 1210)}",
     lambda r: f"+32 2 {r.randint(200, 999)} {r.randint(10, 99)} {r.randint(10, 99)}"),
    ("DE", "Düsseldorf", lambda r: f"{r.randint(40210, 40629)}",
     lambda r: f"+49 211 {r.randint(1000000, 9999999)}"),
    ("DE", "Berlin", lambda r: f"{r.randint(10115, 14199)}",
     lambda r: f"+49 30 {r.randint(10000000, 99999999)}"),
)
POSTAL_LETTERS = "ABCDEGHJKLMNPRTVWXZ"  # no F, I, O, Q, U, Y; avoids SA/SD/SS
MAIL_PROVIDERS = ("gmail.com", "ziggo.nl", "kpnmail.nl", "hotmail.com", "outlook.com", "xs4all.nl")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("ë", "e").replace("ü", "u"))


def customer_rows(
    count: int, statuses: dict[str, int], rng: random.Random
) -> Iterator[dict[str, Any]]:
    """Customer rows (without ``search_text``), ids 1..count."""
    now = utcnow()
    businesses: list[int] = []
    for number in range(1, count + 1):
        is_business = rng.random() < 0.65
        if rng.random() < 0.05:
            country, city, postal, phone = rng.choice(FOREIGN_CITIES)
            postal_code, telephone = postal(rng), phone(rng)
        else:
            city, postal_prefix, area = rng.choice(NL_CITIES)
            country = "NL"
            postal_code = (
                f"{postal_prefix}{rng.randint(0, 99):02d} "
                f"{rng.choice(POSTAL_LETTERS)}{rng.choice(POSTAL_LETTERS)}"
            )
            telephone = f"+31 {area} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        house = f"{rng.randint(1, 250)}{rng.choice(('', '', '', 'a', 'b', '-2'))}"
        if is_business:
            first = last = None
            if rng.random() < 0.3:
                name = f"{rng.choice(LAST_NAMES).split()[-1]} {rng.choice(COMPANY_KINDS)}"
            else:
                name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
            name = f"{name} {rng.choice(LEGAL_FORMS)}".strip()
            email = f"info@{_slug(name)[:20]}{number}.nl"
            mobile_share = 0.3
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = f"{first} {last}"
            email = f"{_slug(first)}.{_slug(last)}{number}@{rng.choice(MAIL_PROVIDERS)}"
            mobile_share = 0.8
        payer = None
        if businesses and rng.random() < 0.03:  # a branch billed through its head office
            payer = rng.choice(businesses)
        if is_business:
            businesses.append(number)
        yield {
            "id": number,
            "is_business": is_business,
            "name": name,
            "first_name": first,
            "last_name": last,
            "code": f"C{number:06d}" if rng.random() >= 0.08 else None,
            "street": f"{rng.choice(STREETS)} {house}",
            "postal_code": postal_code,
            "city": city,
            "country": country,
            "email": email if rng.random() >= 0.05 else None,
            "telephone": telephone if rng.random() >= 0.1 else None,
            "mobile": (
                f"+31 6 {rng.randint(10000000, 99999999)}" if rng.random() < mobile_share else None
            ),
            "default_payer_id": payer,
            "status_id": statuses["Active"] if rng.random() < 0.88 else statuses["Inactive"],
            "created_at": now,
            "updated_at": now,
        }


@dataclass
class SeedTiming:
    customers: int
    generate_s: float = 0.0
    search_text_s: float = 0.0
    insert_s: float = 0.0
    total_s: float = 0.0


def seed(engine: Engine, count: int, batch_size: int = 10_000, seed: int = 2026) -> SeedTiming:
    """Upgrade the schema and fill it with ``count`` customers and one admin user."""
    timing = SeedTiming(customers=count)
    started = time.perf_counter()
    schema.upgrade(engine)
    with Session(engine) as session:
        statuses = {s.name: s.id for s in session.scalars(select(CustomerStatus))}
        admin = User(name="Bench Admin", email=ADMIN_EMAIL, role=Role.ADMIN.value)
        admin.set_password(ADMIN_PASSWORD)
        session.add(admin)
        session.commit()

    rows = customer_rows(count, statuses, random.Random(seed))
    table = Customer.__table__
    with engine.begin() as connection:  # one transaction: all or nothing
        while True:
            mark = time.perf_counter()
            batch = [row for _, row in zip(range(batch_size), rows)]
            if not batch:
                break
            timing.generate_s += time.perf_counter() - mark
            mark = time.perf_counter()
            # Bulk inserts bypass the ORM event that keeps search_text in step.
            for row in batch:
                row["search_text"] = build_search_text(row)
            timing.search_text_s += time.perf_counter() - mark
            mark = time.perf_counter()
            connection.execute(insert(table), batch)
            timing.insert_s += time.perf_counter() - mark
    timing.total_s = time.perf_counter() - started
    return timing


# The pager's count: the overview's own, then Flask-Admin's default search for comparison.
COUNT_QUERIES = (
    ("SELECT count(*) FROM iris_customer", ()),
    ("SELECT count(*) FROM iris_customer WHERE search_text LIKE '%rotterdam%'",
     ("%rotterdam%",)),
    (
        (
            "SELECT count(*) FROM iris_customer "
            "WHERE lower(CAST(search_text AS VARCHAR)) LIKE lower('%rotterdam%')"
        ),
        ("%rotterdam%",),
    ),
)

# -- the server ------------------------------------------------------------------------

WERKZEUG_SERVER = """
import sys
from werkzeug.serving import run_simple
from wsgi import app
run_simple("127.0.0.1", int(sys.argv[1]), app, threaded=True)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_available() -> bool:
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def running_server(kind: str, database_url: str, log_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "IRIS_CONFIG": "development",
        "IRIS_DATABASE_URL": database_url,
        "IRIS_SECRET_KEY": "bench-" + os.urandom(8).hex(),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    if kind == "gunicorn":
        command = [
            sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
            "--chdir", str(ROOT), "--log-level", "warning", "wsgi:app",
        ]
    else:
        command = [sys.executable, "-c", WERKZEUG_SERVER, str(port)]
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, base_url, log_path)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(server: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The server exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(base_url + "/login", timeout=10) as response:
                if response.status == 200:
                    return
        except OSError:  # not listening yet (URLError, refused, timed out)
            time.sleep(0.1)
    raise SystemExit(f"The server did not answer within 60 s:\n{log_path.read_text()}")


# -- the client ----------------------------------------------------------------------------


class Browser:
    """A cookie-keeping HTTP client that reports status codes instead of raising."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar())
        )

    def fetch(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        """(status, final URL, body) of a GET, or of a POST when ``data`` is given."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self._opener.open(self.base_url + path, data=body, timeout=60) as response:
                return response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read().decode(errors="replace")

    def log_in(self, email: str, password: str) -> None:
        status, _, page = self.fetch("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if status != 200 or token is None:
            raise SystemExit(f"/login answered {status} without a CSRF token")
        status, url, page = self.fetch(
            "/login", {"csrf_token": token.group(1), "email": email, "password": password}
        )
        if status != 200 or "/admin/customer/" not in url:
            raise SystemExit(f"Logging in failed: {status} at {url}")


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
    """The rows each overview URL must show, straight from the database."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def column(
        self, column: str, order: str, where: str = "", params: tuple = (), offset: int = 0
    ) -> list[str]:
        sql = (
            f"SELECT coalesce({column}, '') FROM iris_customer {where} "
            f"ORDER BY {order} LIMIT {PAGE_SIZE} OFFSET {offset}"
        )
        return [row[0] for row in self._db.execute(sql, params)]

    def search(self, term: str) -> list[str]:
        return self.column(
            "name", NAME_ORDER, "WHERE search_text LIKE ?", (f"%{term.lower()}%",)
        )

    def value(self, sql: str, params: tuple = ()) -> Any:
        return self._db.execute(sql, params).fetchone()[0]

    def time_query(self, sql: str, params: tuple, repeat: int) -> list[float]:
        timings = []
        for _ in range(repeat):
            mark = time.perf_counter()
            self._db.execute(sql, params).fetchall()
            timings.append((time.perf_counter() - mark) * 1000)
        return timings


@dataclass
class Case:
    label: str
    url: str
    check: Callable[[str], str | None]  # a page -> what is wrong with it, or None
    target_ms: float
    timings_ms: list[float] = field(default_factory=list)


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
    name_asc = header_link(first, "name")
    _, _, page = browser.fetch(name_asc)
    name_desc = header_link(page, "name")
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
        "SELECT code FROM iris_customer WHERE code IS NOT NULL AND id >= ? ORDER BY id LIMIT 1",
        (int(expect.value("SELECT max(id) FROM iris_customer") * 0.73),),
    )
    telephone = expect.value(
        "SELECT telephone FROM iris_customer WHERE telephone LIKE '+31 10 %' "
        "ORDER BY id DESC LIMIT 1"
    )
    phone_part = re.sub(r"\D", "", telephone)[3:10]  # seven digits from the number's middle
    city = "rotterdam"

    def search_url(term: str) -> str:
        return "/admin/customer/?" + urllib.parse.urlencode({"search": term})

    offset = (target_page - 1) * PAGE_SIZE
    return [
        Case("First page (default sort: name)", "/admin/customer/",
             rows_are("name", expect.column("name", NAME_ORDER)), 50),
        Case(f"Page {target_page:,}", page_deep,
             all_of(rows_are("name", expect.column("name", NAME_ORDER, offset=offset)),
                    active_page_is(target_page)), 50),
        Case("Sort by name ascending", name_asc,
             rows_are("name", expect.column("name", "lower(name)")), 50),
        Case("Sort by name descending", name_desc,
             rows_are("name", expect.column("name", "lower(name) DESC")), 50),
        Case("Sort by code ascending", code_asc,
             rows_are("code", expect.column("code", "lower(code)")), 50),
        Case("Sort by code descending", code_desc,
             rows_are("code", expect.column("code", "lower(code) DESC")), 50),
        Case(f"Search part of a name ({name_part!r})", search_url(name_part),
             rows_are("name", expect.search(name_part)), 150),
        Case(f"Search a code ({code!r})", search_url(code),
             rows_are("name", expect.search(code)), 150),
        Case(f"Search a phone fragment ({phone_part!r})", search_url(phone_part),
             rows_are("name", expect.search(phone_part)), 150),
        Case(f"Search a city ({city!r})", search_url(city),
             rows_are("name", expect.search(city)), 150),
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


# -- the report -------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "? GiB"
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))  # type: ignore[union-attr]
        ram = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{cores} CPUs ({cpu}), {ram} RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def load_average() -> str:
    """Other work on the machine skews every figure; say how busy it was."""
    try:
        return ", ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def print_report(
    cases: list[Case], counts: list[tuple[str, list[float]]], timing: SeedTiming | None,
    server: str, customers: int, repeat: int, warmup: int, load_before: str,
) -> bool:
    print()
    served_by = "gunicorn (1 sync worker)" if server == "gunicorn" else "werkzeug (threaded)"
    print(f"Customers overview, {customers:,} customers in SQLite, {served_by}, "
          f"over HTTP on loopback; {repeat} requests each after {warmup} warm-ups.")
    print(f"Machine: {machine()}")
    print(f"Load average (1, 5, 15 min) before: {load_before}, after: {load_average()}")
    if timing:
        print(
            f"Seeding: {timing.total_s:.1f} s in all (rows {timing.generate_s:.1f} s, "
            f"search_text {timing.search_text_s:.1f} s, inserts {timing.insert_s:.1f} s)"
        )
    print()
    print("| Request | Median ms | p95 ms | Target ms | |")
    print("| --- | ---: | ---: | ---: | --- |")
    all_met = True
    for case in cases:
        median = statistics.median(case.timings_ms)
        met = median < case.target_ms
        all_met &= met
        print(f"| {case.label} | {median:.1f} | {p95(case.timings_ms):.1f} | "
              f"< {case.target_ms:.0f} | {'ok' if met else 'MISSED'} |")
    print()
    print("The pager's row count alone (SQL straight on the file, no HTTP; the last one is")
    print("Flask-Admin's default search condition, which the overview no longer uses):")
    print()
    print("| Query | Median ms | p95 ms |")
    print("| --- | ---: | ---: |")
    for label, timings in counts:
        print(f"| {label} | {statistics.median(timings):.1f} | {p95(timings):.1f} |")
    print()
    print("URLs:")
    for case in cases:
        print(f"  {case.label}: {case.url}")
    return all_met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per URL")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per URL first")
    parser.add_argument("--server", choices=("auto", "gunicorn", "werkzeug"), default="auto")
    parser.add_argument(
        "--database", type=Path,
        help="SQLite file to use; seeded when missing, reused as is when it exists "
             "(default: a fresh file in a temporary folder, removed afterwards)",
    )
    args = parser.parse_args(argv)

    server = args.server
    if server == "auto":
        server = "gunicorn" if gunicorn_available() else "werkzeug"
    workdir = Path(tempfile.mkdtemp(prefix="iris-bench-"))
    # Absolute: the server runs in the project folder, not in the caller's.
    database = (args.database or workdir / "bench.sqlite").resolve()
    try:
        timing = None
        if not database.exists():
            print(f"Seeding {args.customers:,} customers into {database} ...", flush=True)
            engine = create_engine(f"sqlite:///{database}")
            timing = seed(engine, args.customers)
            engine.dispose()
        expect = Expectations(database)
        customers = expect.value("SELECT count(*) FROM iris_customer")
        counts = [
            (f"`{sql}`", expect.time_query(sql.replace("'%rotterdam%'", "?"), params, args.repeat))
            for sql, params in COUNT_QUERIES
        ]
        load_before = load_average()
        print(f"Starting {server} ...", flush=True)
        with running_server(server, f"sqlite:///{database}", workdir / "server.log") as base:
            browser = Browser(base)
            browser.log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
            cases = build_cases(browser, expect)
            for case in cases:
                measure(browser, case, args.warmup, args.repeat)
        all_met = print_report(
            cases, counts, timing, server, customers, args.repeat, args.warmup, load_before
        )
        return 0 if all_met else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
