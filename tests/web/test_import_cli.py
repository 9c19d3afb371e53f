"""flask iris import / export from the command line."""

from __future__ import annotations

import openpyxl
from sqlalchemy import select

from iris_admin.extension import db_session
from iris_admin.models import Customer, ImportRun, RunStatus
from tests.factories import make_customer
from tests.import_files import row, xlsx_bytes


def customers() -> dict:
    session = db_session()
    session.expire_all()
    return {c.code or c.name: c for c in session.scalars(select(Customer))}


def run_cli(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["iris", *args], input=input)


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_import_applies_and_prints_a_summary(app, tmp_path):
    make_customer("Acme", code="C1", city="Delft")
    path = write(
        tmp_path,
        "c.xlsx",
        xlsx_bytes(
            [
                row(code="C1", name="Acme", is_business="yes", city="Leiden", status="Active"),
                row(code="C2", name="Beta"),
            ]
        ),
    )
    result = run_cli(app, "import", path)
    assert result.exit_code == 0, result.output
    assert "1 new, 1 to update, 0 unchanged" in result.output
    assert "applied: 1 added, 1 updated" in result.output
    assert customers()["C1"].city == "Leiden" and "C2" in customers()
    run = db_session().scalar(select(ImportRun))
    assert run.status == RunStatus.APPLIED.value and run.source == "cli"


def test_dry_run_changes_nothing(app, tmp_path):
    path = write(tmp_path, "c.xlsx", xlsx_bytes([row(code="C1", name="Acme")]))
    result = run_cli(app, "import", path, "--dry-run")
    assert result.exit_code == 0
    assert "Dry run: nothing was changed." in result.output
    assert customers() == {}


def test_row_errors_exit_1_and_are_listed_with_row_numbers(app, tmp_path):
    path = write(
        tmp_path,
        "c.xlsx",
        xlsx_bytes([row(code="C1", name="Acme"), row(code="C2", name="Bad", email="nope")]),
    )
    result = run_cli(app, "import", path)
    assert result.exit_code == 1
    assert "Row 3, Email ('nope'): Not a valid e-mail address" in result.output
    assert customers() == {}
    result = run_cli(app, "import", path, "--dry-run")
    assert result.exit_code == 1


def test_report_file_lists_each_row_with_status_and_problems(app, tmp_path):
    make_customer("Gone", code="G")
    path = write(
        tmp_path,
        "c.xlsx",
        xlsx_bytes([row(code="C1", name="Acme"), row(code="C2", name="Bad", email="nope")]),
    )
    report = tmp_path / "report.xlsx"
    result = run_cli(app, "import", path, "--mode", "all", "--report", str(report))
    assert result.exit_code == 1
    values = list(openpyxl.load_workbook(report).active.iter_rows(values_only=True))
    assert values[0][-2:] == ("Import status", "Problems in this row")
    assert values[1][0] == "C1" and values[1][-2] == "new"
    assert values[2][-2] == "error" and "Email" in values[2][-1]
    assert values[3][0] == "G" and values[3][-2] == "missing"


def test_unreadable_file_exits_1_with_the_message(app, tmp_path):
    path = write(tmp_path, "c.xlsx", b"not a workbook at all")
    result = run_cli(app, "import", path)
    assert result.exit_code == 1
    assert "not an Excel workbook" in result.output


def test_delete_mode_asks_for_confirmation(app, tmp_path):
    make_customer("Doomed", code="D")
    path = write(tmp_path, "d.xlsx", xlsx_bytes([["D"]], header=["Code"]))
    result = run_cli(app, "import", path, "--mode", "delete", input="n\n")
    assert result.exit_code == 1 and "Delete 1 customer(s)?" in result.output
    assert "D" in customers()
    result = run_cli(app, "import", path, "--mode", "delete", input="y\n")
    assert result.exit_code == 0 and customers() == {}


def test_delete_mode_with_yes_does_not_ask(app, tmp_path):
    make_customer("Doomed", code="D")
    path = write(tmp_path, "d.xlsx", xlsx_bytes([["D"], ["nobody"]], header=["Code"]))
    result = run_cli(app, "import", path, "--mode", "delete", "--yes")
    assert result.exit_code == 0, result.output
    assert "No customer has the code nobody" in result.output
    assert customers() == {}


def test_export_then_import_is_unchanged(app, tmp_path):
    make_customer("Acme", code="0042", telephone="+31 6 12345678", city="Delft")
    for name in ("out.xlsx", "out.csv"):
        out = tmp_path / name
        assert run_cli(app, "export", str(out)).exit_code == 0
        result = run_cli(app, "import", str(out), "--mode", "all")
        assert result.exit_code == 0
        assert "0 new, 0 to update, 1 unchanged, 0 not in the file" in result.output
        assert "Nothing to change." in result.output


def test_export_refuses_other_extensions(app, tmp_path):
    result = run_cli(app, "export", str(tmp_path / "out.txt"))
    assert result.exit_code == 2
