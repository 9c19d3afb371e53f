"""Benchmark of the customer import: preview and commit of a 100,000-row template file.

    python bench/bench_import.py [--rows 100000] [--keep DIR]

Generates a template file (.xlsx, the columns of the download template, realistic
values: codes with leading zeros, companies and persons, e-mail addresses, phone
numbers, default payers), then on a fresh SQLite database measures:

1. preview (read + plan + store the plan) and commit into an empty database;
2. preview and commit of the same file with one changed value in every row
   (an update of all rows).

Each phase runs in its own process so its peak memory (max RSS) is its own. Prints
rows/second and peak memory per phase. Targets (issue 3): preview < 4 s, commit < 4 s,
peak < 300 MB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CITIES = [
    "Amsterdam",
    "Rotterdam",
    "Utrecht",
    "Den Haag",
    "Eindhoven",
    "Groningen",
    "Delft",
    "Leiden",
    "Zwolle",
    "Maastricht",
]
STREETS = ["Kerkstraat", "Dorpsstraat", "Stationsweg", "Markt", "Molenweg", "Schoolstraat"]
FIRST = ["Jan", "Piet", "Anna", "Sanne", "Daan", "Emma", "Lucas", "Julia", "Sem", "Tess"]
LAST = ["de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer"]


def generate(path: Path, rows: int, city_suffix: str = "", phones: bool = True) -> None:
    """A template-shaped .xlsx with ``rows`` customers (streaming writer)."""
    from openpyxl import Workbook

    from iris_admin.importing.columns import TEMPLATE_HEADERS

    rng = random.Random(42)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Customers")
    sheet.append(list(TEMPLATE_HEADERS))
    for i in range(1, rows + 1):
        code = f"{i:07d}"  # leading zeros, kept as text
        business = i % 3 != 0
        first = last = None
        if business:
            name = f"{rng.choice(LAST).title()} {rng.choice(['B.V.', 'Holding', 'en Zn.'])} {i}"
        else:
            first, last = rng.choice(FIRST), f"{rng.choice(LAST)} {i}"
            name = f"{first} {last}"
        telephone = f"+31 20 {1000000 + i:07d}"[:15] if phones else None
        mobile = f"06{10000000 + i:08d}" if phones and not business else None
        payer = f"{(i // 10) * 10 or 1:07d}" if i % 10 == 5 else None
        sheet.append(
            [
                code,
                name,
                "yes" if business else "no",
                first,
                last,
                f"{rng.choice(STREETS)} {i % 200 + 1}",
                f"{1000 + i % 8999} AB",
                rng.choice(CITIES) + city_suffix,
                "NL",
                f"info{i}@customer{i % 500}.example",
                telephone,
                mobile,
                payer,
                "Active" if i % 7 else "Inactive",
            ]
        )
    book.save(path)


def _url(database: Path | str) -> str:
    text = str(database)
    return text if "://" in text else f"sqlite:///{text}"


def _app(database: Path | str):
    from iris_admin import create_app

    return create_app({"IRIS_CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": _url(database)})


def phase(kind: str, database: Path | str, file: Path) -> dict:
    """Run one phase in this process; returns seconds, rows and peak RSS."""
    app = _app(database)
    with app.app_context():
        from sqlalchemy import select

        from iris_admin.extension import db_session
        from iris_admin.importing.apply import apply_run
        from iris_admin.importing.jobs import read_options
        from iris_admin.importing.results import ImportMode
        from iris_admin.importing.store import claim_for_apply, create_run, plan_run
        from iris_admin.models import ImportRun, RunStatus

        session = db_session()
        options = read_options()
        if kind == "preview":
            data = file.read_bytes()
            run = create_run(
                session,
                mode=ImportMode.ADD,
                file_name=file.name,
                file_size=len(data),
                ttl_seconds=3600,
            )
            start, cpu = time.perf_counter(), time.process_time()
            result = plan_run(session, run, data, options)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            assert not result.has_errors, result.file_errors or result.totals
            rows, totals = result.rows, dict(result.totals)
        else:
            run = session.scalar(
                select(ImportRun)
                .where(ImportRun.status == RunStatus.READY.value)
                .order_by(ImportRun.id.desc())
            )
            assert claim_for_apply(session, run) is None
            start, cpu = time.perf_counter(), time.process_time()
            done = apply_run(session, run.id, batch_size=options.batch_size)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            rows, totals = sum(done.values()), done
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "phase": kind,
        "seconds": round(seconds, 2),
        "cpu": round(cpu, 2),
        "rows": rows,
        "totals": totals,
        "peak_mb": round(peak_mb),
    }


def _child(kind: str, database: Path | str, file: Path) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--phase", kind, "--db", str(database), "--file", str(file)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=None, help="Keep the files in this folder.")
    parser.add_argument(
        "--without-phones",
        action="store_true",
        help="Leave the phone columns empty (shows what phone checks cost).",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="An EMPTY database to use instead of a new SQLite file, e.g. "
        "postgresql+psycopg://user@127.0.0.1/iris_bench (it is migrated).",
    )
    parser.add_argument("--phase", choices=["preview", "commit"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.db, args.file)))
        return

    folder = args.keep or Path(tempfile.mkdtemp(prefix="iris-bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    first, second = folder / "customers.xlsx", folder / "customers-changed.xlsx"
    start = time.perf_counter()
    phones = not args.without_phones
    if args.keep is not None and first.exists() and second.exists():
        print(f"Reusing the files in {folder}")
    else:
        generate(first, args.rows, phones=phones)
        generate(second, args.rows, city_suffix=" Centrum", phones=phones)
    print(
        f"Generated 2 files of {args.rows:,} rows ({first.stat().st_size / 1e6:.1f} MB each) "
        f"in {time.perf_counter() - start:.1f} s, in {folder}"
    )

    import sqlalchemy as sa

    from iris_admin.schema import upgrade

    if args.database_url:
        database: Path | str = args.database_url
    else:
        database = folder / "bench.sqlite"
        if database.exists():
            database.unlink()
    engine = sa.create_engine(_url(database))
    upgrade(engine)
    with engine.connect() as connection:
        if connection.scalar(sa.text("SELECT count(*) FROM iris_customer")):
            raise SystemExit("The database must have no customers.")
    engine.dispose()
    print(f"Database: {engine.url.render_as_string(hide_password=True)}")

    # CPU seconds next to wall-clock seconds: on a shared machine the wall clock also
    # measures the other processes.
    print(f"{'phase':<34}{'seconds':>9}{'cpu s':>8}{'rows/s':>10}{'peak MB':>9}  result")
    for label, file in (("into an empty database", first), ("update of all rows", second)):
        for kind in ("preview", "commit"):
            figures = _child(kind, database, file)
            rate = figures["rows"] / figures["seconds"] if figures["seconds"] else 0
            print(
                f"{kind + ' ' + label:<34}{figures['seconds']:>9.2f}{figures['cpu']:>8.2f}"
                f"{rate:>10,.0f}"
                f"{figures['peak_mb']:>9}  {figures['totals']}"
            )
    if args.keep is None:
        for path in folder.iterdir():
            os.remove(path)
        folder.rmdir()


if __name__ == "__main__":
    main()
