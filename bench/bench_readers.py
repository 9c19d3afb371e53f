"""How fast open_sheet() reads a large customer list, and how much memory it takes.

    python bench/bench_readers.py                  # 100,000 rows x 14 columns
    python bench/bench_readers.py --rows 200000 --repeat 3
    python bench/bench_readers.py --fallback       # .xlsx through openpyxl, not calamine

The workbook is written once with openpyxl in write-only mode and kept under
/tmp/iris-bench-readers (writing 100,000 rows takes openpyxl about half a minute); the
same content is also written as a UTF-8 CSV. Each measurement runs in a fresh child
interpreter so that its peak RSS belongs to the read alone, not to the writer or to an
earlier run. Every row is consumed and counted: a timing only counts when all rows came
out.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

WORK = Path("/tmp/iris-bench-readers")
HEADER = [
    "Code", "Name", "Street", "Zip", "City", "Country", "Email", "Phone",
    "Customer since", "Active", "Credit limit", "Discount", "Notes", "VAT ID",
]  # fmt: skip


def customer(index: int) -> list[object]:
    return [
        f"{index:06d}",
        f"Customer {index} GmbH",
        f"Hauptstrasse {index % 300 + 1}",
        f"{10000 + index % 89999}",
        ("Berlin", "Hamburg", "München", "Köln")[index % 4],
        "DE",
        f"customer{index}@example.com",
        f"+49 30 {index:07d}",
        dt.date(2000, 1, 1) + dt.timedelta(days=index % 8000),
        index % 2 == 0,
        1000 + index,
        0.5 + index % 10 / 10,
        None if index % 3 else "Prefers e-mail",
        f"DE{index:09d}",
    ]


def ensure_files(rows: int) -> dict[str, Path]:
    WORK.mkdir(exist_ok=True)
    xlsx = WORK / f"customers-{rows}.xlsx"
    csv_path = WORK / f"customers-{rows}.csv"
    if not xlsx.exists():
        print(f"writing {xlsx} with openpyxl (write-only) ...", flush=True)
        write_xlsx(xlsx, rows)
    if not csv_path.exists():
        write_csv(csv_path, rows)
    return {"xlsx": xlsx, "csv": csv_path}


def write_xlsx(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Customers")
    sheet.append(HEADER)
    for index in range(rows):
        sheet.append(customer(index))
    partial = path.with_suffix(".partial")
    workbook.save(partial)
    partial.rename(path)  # never leave a half-written file to be reused


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(HEADER)
        for index in range(rows):
            writer.writerow(["" if value is None else value for value in customer(index)])


def measure(path: str, filename: str, fallback: bool) -> dict[str, float | int]:
    """Runs in the child: open, consume every row, report times and memory."""
    from iris_admin.importing import readers
    from iris_admin.importing.readers import open_sheet

    if fallback:  # what files calamine may not read (see readers._xlsx_rows) go through
        readers.CALAMINE_MAX_CELLS = 0

    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), time.process_time()
    sheet = open_sheet(path, filename)
    opened = time.perf_counter()
    count = sum(1 for _ in sheet.rows)
    finished, cpu_finished = time.perf_counter(), time.process_time()
    return {
        "rows": count,
        "open_s": opened - started,
        "iterate_s": finished - opened,
        "total_s": finished - started,
        "cpu_s": cpu_finished - cpu_started,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "baseline_rss_mb": baseline_kb / 1024,
    }


def run_child(path: Path, fallback: bool) -> dict[str, float | int]:
    command = [sys.executable, __file__, "--measure", str(path), path.name]
    completed = subprocess.run(
        command + (["--fallback"] if fallback else []),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per format; the best is kept")
    parser.add_argument(
        "--fallback", action="store_true", help="read the .xlsx with openpyxl, not calamine"
    )
    parser.add_argument("--measure", nargs=2, metavar=("PATH", "FILENAME"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        print(json.dumps(measure(*arguments.measure, fallback=arguments.fallback)))
        return

    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    files = ensure_files(arguments.rows)
    if arguments.fallback:
        files = {"xlsx (openpyxl)": files["xlsx"]}
    for file_format, path in files.items():
        runs = [run_child(path, arguments.fallback) for _ in range(arguments.repeat)]
        for run in runs:
            if run["rows"] != arguments.rows:
                sys.exit(f"{file_format}: read {run['rows']} rows, expected {arguments.rows}")
        best = min(runs, key=lambda run: run["total_s"])
        print(
            f"{file_format} {path.stat().st_size / 1e6:.1f} MB  {best['rows']:,} rows x "
            f"{len(HEADER)}: {best['total_s']:.2f} s wall (open {best['open_s']:.2f} s, "
            f"rows {best['iterate_s']:.2f} s), {best['cpu_s']:.2f} s CPU, "
            f"{best['rows'] / best['total_s']:,.0f} rows/s; peak RSS {best['peak_rss_mb']:.0f} MB "
            f"({best['peak_rss_mb'] - best['baseline_rss_mb']:.0f} MB above the imports)"
        )


if __name__ == "__main__":
    main()
