"""The uploaded rows annotated with what the plan found: the errors file and the CLI report.

The plan does not keep a copy of every cell: the run keeps the upload, and these rows
are read from it again, so the file the user gets back is the file they sent, in its
own columns, with one column added saying what is wrong with each row.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .columns import json_cell
from .readers import ReadLimits, SheetSource, open_sheet
from .results import RowMessage, RowStatus
from .store import ROWS, ReadOptions, iter_rows

AnnotatedRow = tuple[list[Any], str, "str | None"]


def _problems(session: Session, run_id: int, *, every_row: bool) -> dict[int, tuple[str, str]]:
    """Row number -> (problems, status); only rows with problems unless ``every_row``."""
    query = select(ROWS.c.row_number, ROWS.c.status, ROWS.c.data).where(
        ROWS.c.run_id == run_id, ROWS.c.row_number.is_not(None)
    )
    if not every_row:
        query = query.where(ROWS.c.status.in_((RowStatus.ERROR.value, RowStatus.SKIP.value)))
    found: dict[int, tuple[str, str]] = {}
    for record in session.execute(query.execution_options(yield_per=2000)):
        messages = [RowMessage.from_dict(item) for item in (record.data or {}).get("messages", [])]
        found[record.row_number] = ("; ".join(str(message) for message in messages), record.status)
    return found


def annotated_rows(
    session: Session,
    run_id: int,
    source: SheetSource,
    file_name: str,
    options: ReadOptions,
    *,
    header: list[Any] | None = None,
    with_status: bool = False,
) -> Iterator[AnnotatedRow]:
    """(cells, problems, status) for every row of the upload, in file order.

    ``with_status`` also gives each row's plan status, and appends the customers the
    file does not name (mode all) with only their code and name filled in.
    """
    problems = _problems(session, run_id, every_row=with_status)
    sheet = open_sheet(source, file_name, ReadLimits(max_bytes=options.max_bytes))
    for number, cells in sheet.rows:
        text, status = problems.get(number, ("", None))
        yield [json_cell(value) for value in cells], text, status
    if not with_status:
        return
    header = header if header is not None else list(sheet.header)
    positions = {(name or "").strip().lower(): index for index, name in enumerate(header)}
    code_at = positions.get("code")
    name_at = positions.get("name", positions.get("naam"))
    missing = str(_l("not in the file"))
    for row in iter_rows(session, run_id, (RowStatus.MISSING.value,), options.batch_size):
        cells = [None] * len(header)
        if code_at is not None:
            cells[code_at] = row.code
        if name_at is not None:
            cells[name_at] = row.name
        yield cells, missing, row.status.value
