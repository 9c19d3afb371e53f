"""The customers overview under load: gunicorn with several workers, many clients at once.

    python bench/bench_load.py sqlite:////tmp/big.sqlite
    python bench/bench_load.py postgresql+psycopg://iris:secret@127.0.0.1/iris_bench \\
        --workers 4 --clients 16 --seconds 60

Starts gunicorn with the project's config file (``config/gunicorn.conf.py``, 4 workers
by default) on the given database, seeding ``--customers`` first when it has none and
creating an admin account with ``flask iris create-user`` when missing. Then
``--clients`` threads of this one process (the load comes from a second process, as a
proxy's would), each logged in through /login first, request overview URLs together
for ``--seconds`` seconds: pages near the start and deep in the list, sorts by name and code
both ways,
and searches for parts of names, codes, phone numbers and cities. Every answer must be
a 200 overview page; anything else counts as an error.

Prints requests per second, errors, and median / p90 / p99 latency, overall and per
kind of request. Exits 1 when any request failed. Bounded: nothing runs longer than
``--seconds`` plus one request timeout, and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

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
)

PAGE_SIZE = 20
LIST_MARKER = '<td class="col-name">'  # a row of the overview (searches may match none)
# Share of requests per kind: mostly paging and searching, some header sorts.
MIX = {"page": 0.4, "sort": 0.2, "search": 0.4}


@dataclass
class Target:
    kind: str  # "page", "sort" or "search"
    url: str


@dataclass
class ClientResult:
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)


def _sample(connection, sql: str, limit: int) -> list[str]:
    return [row[0] for row in connection.execute(text(sql), {"limit": limit}) if row[0]]


def build_targets(database_url: str, rng: random.Random) -> list[Target]:
    """The mix of overview URLs, with search terms taken from the database itself."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            customers = connection.execute(text("SELECT count(*) FROM iris_customer")).scalar()
            step = max(1, customers // 50)
            codes = _sample(
                connection,
                "SELECT code FROM iris_customer WHERE code IS NOT NULL "
                f"AND id % {step} = 0 LIMIT :limit",
                20,
            )
            phones = _sample(
                connection,
                "SELECT telephone FROM iris_customer WHERE telephone "
                f"LIKE '+31 %' AND id % {step} = 1 LIMIT :limit",
                20,
            )
            names = _sample(
                connection,
                "SELECT last_name FROM iris_customer WHERE last_name "
                f"IS NOT NULL AND id % {step} = 2 LIMIT :limit",
                20,
            )
            cities = _sample(
                connection,
                "SELECT DISTINCT city FROM iris_customer WHERE city IS NOT NULL LIMIT :limit",
                20,
            )
    finally:
        engine.dispose()
    if not (codes and phones and names and cities):
        raise SystemExit("The database has too few customers to build searches from.")
    pages = max(1, customers // PAGE_SIZE)
    targets = [Target("page", "/admin/customer/")]
    for page in sorted(
        {
            *(rng.randrange(min(pages, 50)) for _ in range(10)),
            *(rng.randrange(pages) for _ in range(10)),
        }
    ):
        targets.append(Target("page", f"/admin/customer/?page={page}"))
    for sort in (0, 1):  # Name, Code
        for desc in ("", "&desc=1"):
            targets.append(Target("sort", f"/admin/customer/?sort={sort}{desc}"))
            targets.append(Target("sort", f"/admin/customer/?sort={sort}{desc}&page=3"))
    terms = [
        *(name.split()[-1][:5].lower() for name in names),  # part of a name
        *codes,  # an exact code
        *("0" + re.sub(r"\D", "", phone)[2:] for phone in phones),  # a number as dialled
        *(city.lower() for city in cities),
    ]
    targets += [
        Target("search", "/admin/customer/?" + urllib.parse.urlencode({"search": term}))
        for term in terms
    ]
    return targets


def run_client(
    browser: Browser, targets: list[Target], start: threading.Barrier, seconds: float, seed: int
) -> ClientResult:
    """One client thread: wait for the others, then request random targets until time is up."""
    result = ClientResult()
    rng = random.Random(seed)
    by_kind: dict[str, list[Target]] = defaultdict(list)
    for target in targets:
        by_kind[target.kind].append(target)
    kinds = list(MIX)
    weights = [MIX[kind] for kind in kinds]
    start.wait()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        target = rng.choice(by_kind[rng.choices(kinds, weights)[0]])
        mark = time.perf_counter()
        try:
            status, _, page = browser.fetch(target.url)
        except OSError as exc:  # timed out, connection reset
            result.errors[f"{type(exc).__name__} on {target.kind}"] += 1
            continue
        elapsed_ms = (time.perf_counter() - mark) * 1000
        if status != 200:
            result.errors[f"HTTP {status} on {target.kind}"] += 1
        elif "customer" not in page or (target.kind != "search" and LIST_MARKER not in page):
            result.errors[f"not an overview page on {target.kind}"] += 1
        else:
            result.latencies_ms[target.kind].append(elapsed_ms)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", help="sqlite:///FILE or postgresql+psycopg://...")
    parser.add_argument(
        "--customers",
        type=int,
        default=100_000,
        help="customers to seed when the database has none",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--seconds", type=float, default=30, help="how long to keep loading")
    parser.add_argument("--seed", type=int, default=6, help="random seed of the URL mix")
    args = parser.parse_args(argv)

    seeding = prepare_database(args.database_url, args.customers)
    rng = random.Random(args.seed)
    targets = build_targets(args.database_url, rng)
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="iris-load-") as workdir:
        log_path = Path(workdir) / "gunicorn.log"
        print(f"Starting gunicorn with {args.workers} workers ...", flush=True)
        with running_gunicorn(args.database_url, args.workers, log_path) as base_url:
            print(f"Logging in {args.clients} clients ...", flush=True)
            browsers = []
            for _ in range(args.clients):
                browser = Browser(base_url)
                browser.log_in()  # before the clock starts: a log-in hashes a password
                browsers.append(browser)
            print(
                f"{args.clients} clients for {args.seconds:.0f} s over {len(targets)} URLs ...",
                flush=True,
            )
            start = threading.Barrier(args.clients + 1)
            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                futures = [
                    pool.submit(
                        run_client, browser, targets, start, args.seconds, args.seed * 1000 + number
                    )
                    for number, browser in enumerate(browsers)
                ]
                start.wait()
                started = time.perf_counter()
                results = [future.result() for future in futures]
                elapsed = time.perf_counter() - started

    latencies: dict[str, list[float]] = defaultdict(list)
    errors: Counter = Counter()
    for result in results:
        for kind, values in result.latencies_ms.items():
            latencies[kind].extend(values)
        errors.update(result.errors)
    every = [value for values in latencies.values() for value in values]
    answered = len(every) + sum(errors.values())

    print()
    print(
        f"Overview under load: {database_kind(args.database_url)} "
        f"({describe_url(args.database_url)}), gunicorn with {args.workers} sync workers, "
        f"{args.clients} client threads in one process for {elapsed:.1f} s."
    )
    print(f"Machine: {machine()}")
    print(f"Load average (1, 5, 15 min) before: {load_before}, after: {load_average()}")
    if seeding:
        print(
            f"Seeded {seeding.customers:,} customers first ({seeding.rows_per_second:,.0f} rows/s)."
        )
    print()
    print("| Requests | Requests/s | Errors | Median ms | p90 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    rows = [("all", every), *sorted(latencies.items())]
    for label, values in rows:
        if not values:
            continue
        rate = (answered if label == "all" else len(values)) / elapsed
        failed = (
            sum(errors.values())
            if label == "all"
            else sum(n for key, n in errors.items() if key.endswith(f" on {label}"))
        )
        print(
            f"| {label} ({len(values):,}) | {rate:.1f} | {failed} | "
            f"{statistics.median(values):.1f} | {percentile(values, 0.90):.1f} | "
            f"{percentile(values, 0.99):.1f} |"
        )
    if errors:
        print()
        print("Errors:")
        for reason, number in errors.most_common():
            print(f"  {number} x {reason}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
