"""Turn spreadsheet rows into a plan: what each row would do to the customers.

The plan is built batch by batch while the file is read: each batch of rows is
cleaned, the customers it names are looked up with one query per batch (never one per
row), and the batch's plan rows go to a sink (the database, see ``store``). Nothing
here writes customer data: building a plan has no side effects, so preview and commit
use the same code and the preview is exactly what the commit will do.

Matching rules (shown on the import page):

* A row with a code matches the customer with that code, ignoring case and
  surrounding spaces. A row whose code is in no customer makes a new customer.
* A row without a code matches an existing customer without a code and the same name
  (ignoring case) only when exactly one such customer exists; when several do, the row
  is an error (add codes); when none does, it is a new customer.
* Default payer names a code in the file (also further down) or in the system; a
  customer without a code is found by its name under the same rule.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..customers import display_name
from ..models import Customer, CustomerStatus, Issue
from ..models.customers import SEARCHABLE_FIELDS, build_search_text
from ..validation import InvalidValue, code_key, national_digits, normalise_code
from .cleaning import CleanSettings, check_row, row_texts
from .columns import (
    COLUMN_BY_KEY,
    HeaderMatch,
    StatusLookup,
    check_length,
    clean_country,
    clean_email,
    clean_phone,
    match_headers,
    parse_bool,
)
from .custom_columns import CUSTOM_VALUES, CustomColumns, is_custom_key
from .results import ImportMode, ImportResult, RowResult, RowStatus

CUSTOMERS = Customer.__table__
# The stored fields an import compares and writes, in display order.
VALUE_FIELDS = (
    "code",
    "name",
    "is_business",
    "first_name",
    "last_name",
    "street",
    "postal_code",
    "city",
    "country",
    "email",
    "telephone",
    "mobile",
    "default_payer_id",
    "status_id",
)
# Column key -> stored field.
FIELD_OF_COLUMN = {"default_payer": "default_payer_id", "status": "status_id"}
COLUMN_OF_FIELD = {value: key for key, value in FIELD_OF_COLUMN.items()}
_EXISTING_COLUMNS = [CUSTOMERS.c.id] + [CUSTOMERS.c[name] for name in VALUE_FIELDS]
_PLAIN_FIELDS = ("street", "postal_code", "city")
_MAX_LENGTH = {
    key: COLUMN_BY_KEY[key].max_length or 10**9
    for key in (*_PLAIN_FIELDS, "name", "first_name", "last_name", "email", "telephone", "mobile")
}

# Extra keys of a plan row's staged values (see ``models.ImportChange``).
SEARCH_TEXT = "search_text"
PAYER_LABEL = "payer_label"
CHANGED = "changed"
FIELD_BITS = {name: 1 << position for position, name in enumerate(VALUE_FIELDS)}
ALL_FIELDS = sum(FIELD_BITS.values())

ProgressCallback = Callable[[int, "int | None"], None]


class FileRefused(Exception):
    """The file as a whole cannot be imported; ``str(exc)`` is the message for the user."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


def national_of(known: dict[str, str], phone: str) -> str | None:
    return known.get(phone) or national_digits(phone)


class PlanSink(Protocol):
    def write(self, rows: list[RowResult]) -> None: ...

    def patch(self, rows: list[RowResult]) -> None: ...


class ListSink:
    """Keeps the plan in memory (tests, small tools)."""

    def __init__(self) -> None:
        self.rows: dict[int, RowResult] = {}

    def write(self, rows: list[RowResult]) -> None:
        for row in rows:
            self.rows[row.seq] = row

    def patch(self, rows: list[RowResult]) -> None:
        self.write(rows)

    def ordered(self) -> list[RowResult]:
        return [self.rows[seq] for seq in sorted(self.rows)]


@dataclass
class PlanSettings:
    mode: ImportMode
    batch_size: int = 1000
    default_region: str = "NL"


@dataclass
class _Ref:
    """Where a default payer points: an existing customer or a new row of this file."""

    customer_id: int | None = None
    row_seq: int | None = None
    label: str = ""


@dataclass
class _FileRow:
    result: RowResult
    text: dict[str, str | None]
    code: str | None = None
    key: str | None = None  # code key, or None
    name_key: str | None = None  # for rows without a code
    existing: dict[str, Any] | None = None
    payer_key: str | None = None
    payer_text: str | None = None
    new_values: dict[str, Any] = field(default_factory=dict)
    # Values checked beside the planner (see cleaning.CleanRow).
    checked: dict[str, Any] = field(default_factory=dict)
    # Stored phone number -> its national digits, for the search text.
    phone_digits: dict[str, str] = field(default_factory=dict)
    # Custom fields: the file's cells, then the cleaned values (field key -> value).
    custom_cells: dict[str, Any] = field(default_factory=dict)
    custom_new: dict[str, Any] = field(default_factory=dict)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _sql_lower_variants(texts: Iterable[str]) -> list[str]:
    """What SQL ``lower()`` may give for these texts: SQLite lowers ASCII only, others all."""
    variants: set[str] = set()
    for text in texts:
        variants.add(text.lower())
        variants.add(text.translate(_ASCII_LOWER))
    return sorted(variants)


def name_key(name: str | None) -> str | None:
    text = (name or "").strip()
    return text.lower() or None


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _label(key: str) -> str:
    return str(COLUMN_BY_KEY[key].label)


class Planner:
    """Builds the plan of one file; see :func:`build_plan`."""

    def __init__(self, session: Session, settings: PlanSettings, sink: PlanSink) -> None:
        self.session = session
        self.settings = settings
        self.mode = settings.mode
        self.sink = sink
        self.result = ImportResult(mode=settings.mode)
        self.match: HeaderMatch | None = None
        self.from_csv = False
        self.seq = 0
        status_rows = session.execute(
            select(CustomerStatus.id, CustomerStatus.name).order_by(
                CustomerStatus.sort_order, CustomerStatus.id
            )
        ).all()
        self.statuses = StatusLookup(
            [(row.id, row.name) for row in status_rows],
            status_rows[0].id if status_rows else None,
        )
        # Code key -> (seq, row number, existing customer id or None) of every file row so far.
        self.file_codes: dict[str, tuple[int, int, int | None]] = {}
        # Existing customer id -> row number of the row that matched it.
        self.matched: dict[int, int] = {}
        self.deferred: list[tuple[_FileRow, str]] = []  # with the payer's code key
        self.payer_labels: dict[int, str] = {}
        self.delete_candidates: dict[int, RowResult] = {}
        # The custom field definitions, read once for the whole import.
        self.custom = CustomColumns.load(session)
        self.custom_positions: list[Any] = []
        self.fixed_positions: list[tuple[str, int]] = []
        self.existing_columns = _EXISTING_COLUMNS
        self.present_plain: list[str] = []
        self.present_contacts: list[str] = []
        self.countries: dict[str | None, Any] = {}

    # -- entry point ------------------------------------------------------------------
    def run(
        self,
        header: Sequence[str | None],
        rows: Iterable[tuple[int, list[Any]]],
        *,
        file_format: str = "xlsx",
        progress: ProgressCallback | None = None,
        total_rows: int | None = None,
    ) -> ImportResult:
        self.from_csv = file_format == "csv"
        self.match = match_headers(header, self.mode, self.custom)
        self.fixed_positions = [
            (key, position)
            for key, position in self.match.columns.items()
            if not is_custom_key(key)
        ]
        self.present_plain = [
            key
            for key in (*_PLAIN_FIELDS, "name", "first_name", "last_name")
            if key in self.match.columns
        ]
        self.present_contacts = [
            key for key in ("email", "telephone", "mobile") if key in self.match.columns
        ]
        if self.mode is not ImportMode.DELETE:
            self.custom_positions = self.custom.positions(self.match.columns)
        if self.custom_positions:
            self.existing_columns = [*_EXISTING_COLUMNS, CUSTOMERS.c.custom_values]
        if self.match.unknown:
            self.result.warnings.append(
                str(
                    _l(
                        "These columns are not known and were ignored: %(names)s.",
                        names=", ".join(self.match.unknown),
                    )
                )
            )
        if self.match.errors:
            self.result.file_errors.extend(self.match.errors)
            return self.result

        self.clean_settings = CleanSettings(
            tuple(self.fixed_positions), self.from_csv, self.settings.default_region
        )
        batch: list[tuple[int, list[Any]]] = []
        for number, cells in rows:
            batch.append((number, cells))
            if len(batch) >= self.settings.batch_size:
                self._plan_batch(batch)
                batch = []
                if progress:
                    progress(self.result.rows, total_rows)
        if batch:
            self._plan_batch(batch)
        if self.result.rows == 0:
            raise FileRefused(
                str(
                    _l(
                        "The file has a header row but no customer rows, so there is nothing "
                        "to import."
                    )
                ),
                code="empty",
            )
        self._finish_deferred()
        if self.mode is ImportMode.ALL:
            self._plan_missing()
        if self.mode is ImportMode.DELETE:
            self._check_deletable()
        if progress:
            progress(self.result.rows, total_rows)
        return self.result

    # -- one batch ------------------------------------------------------------------------
    def _plan_batch(self, batch: list[tuple[int, list[Any]]]) -> None:
        settings = self.clean_settings
        file_rows = [
            self._read_row(number, cells, row_texts(cells, settings)) for number, cells in batch
        ]
        self.result.rows += len(file_rows)

        code_keys = {row.key for row in file_rows if row.key}
        payer_keys = {row.payer_key for row in file_rows if row.payer_key}
        by_code = self._customers_by_code(
            [row.code for row in file_rows if row.code]
            + [row.payer_text for row in file_rows if row.payer_key and row.payer_text]
        )
        by_name = self._codeless_customers_by_name(
            [row.name_key for row in file_rows if row.key is None and row.name_key]
        )
        for key in payer_keys - code_keys:
            customer = by_code.get(key)
            if customer is not None:
                self.payer_labels[customer["id"]] = customer["code"]

        for row in file_rows:
            self._match_row(row, by_code, by_name)
        ready: list[RowResult] = []
        if self.mode is ImportMode.DELETE:
            ready = [row.result for row in file_rows]
        else:
            for row in file_rows:
                checked = check_row(row.text, row.existing, settings, self.countries)
                row.checked = checked.checked
                row.phone_digits = checked.phone_digits
                if self._plan_values(row, by_code):
                    ready.append(row.result)
            self._label_old_payers(ready)
        self._count(ready)
        self.sink.write(ready)

    def _read_row(self, number: int, cells: list[Any], text: dict[str, str | None]) -> _FileRow:
        assert self.match is not None
        result = RowResult(seq=self._next_seq(), row_number=number, status=RowStatus.UNCHANGED)
        row = _FileRow(result=result, text=text)
        if self.custom_positions:
            row.custom_cells = self.custom.read_cells(
                cells, self.custom_positions, from_csv=self.from_csv
            )
        row.code = normalise_code(text.get("code"))
        if row.code is not None:
            try:
                check_length("code", row.code)
            except InvalidValue as exc:
                result.error(str(exc), _label("code"), row.code)
            row.key = code_key(row.code)
        result.code = row.code
        result.name = self._file_name(row)
        if row.key is None:
            row.name_key = name_key(result.name)
        payer = text.get("default_payer")
        if payer is not None and self.mode is not ImportMode.DELETE:
            row.payer_text = normalise_code(payer)
            row.payer_key = code_key(row.payer_text)
        return row

    def _file_name(self, row: _FileRow) -> str | None:
        """The display name the row gives (a person's is built from first and last name)."""
        text = row.text
        name = text.get("name")
        first, last = text.get("first_name"), text.get("last_name")
        if "is_business" in text:
            try:
                is_business = parse_bool(text.get("is_business"))
            except InvalidValue:
                is_business = True
        else:
            is_business = not (first and last and not name)
        return display_name(is_business, name, first, last) or None

    def _next_seq(self) -> int:
        seq = self.seq
        self.seq += 1
        return seq

    # -- database lookups (one query per batch) ------------------------------------------
    def _customers_by_code(self, codes: list[str]) -> dict[str, dict[str, Any]]:
        if not codes:
            return {}
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(_sql_lower_variants(set(codes)), 2 * self.settings.batch_size):
            query = select(*self.existing_columns).where(func.lower(CUSTOMERS.c.code).in_(chunk))
            for record in self.session.execute(query).mappings():
                key = code_key(record["code"])
                assert key is not None  # the query matched this code
                found[key] = dict(record)
        return found

    def _codeless_customers_by_name(self, names: list[str]) -> dict[str, list[dict[str, Any]]]:
        if not names:
            return {}
        found: dict[str, list[dict[str, Any]]] = {}
        seen: set[int] = set()
        for chunk in _chunks(_sql_lower_variants(set(names)), 2 * self.settings.batch_size):
            query = select(*self.existing_columns).where(
                CUSTOMERS.c.code.is_(None), func.lower(CUSTOMERS.c.name).in_(chunk)
            )
            for record in self.session.execute(query).mappings():
                if record["id"] in seen:
                    continue
                seen.add(record["id"])
                found.setdefault(name_key(record["name"]) or "", []).append(dict(record))
        return found

    # -- matching ---------------------------------------------------------------------------
    def _match_row(
        self,
        row: _FileRow,
        by_code: dict[str, dict[str, Any]],
        by_name: dict[str, list[dict[str, Any]]],
    ) -> None:
        result = row.result
        number = result.row_number or 0
        problem = self.skip if self.mode is ImportMode.DELETE else self.fail
        if row.key is not None:
            earlier = self.file_codes.get(row.key)
            if earlier is not None:
                problem(
                    row,
                    str(
                        _l(
                            "The code %(code)s is also on row %(row)d; each customer "
                            "may appear only once.",
                            code=row.code,
                            row=earlier[1],
                        )
                    ),
                    "code",
                    row.code,
                )
                return
            row.existing = by_code.get(row.key)
        elif row.name_key is not None:
            candidates = by_name.get(row.name_key, [])
            if len(candidates) == 1:
                row.existing = candidates[0]
            elif len(candidates) > 1:
                problem(
                    row,
                    str(
                        _l(
                            "%(count)d customers without a code are named %(name)s, so "
                            "this row cannot tell which one is meant. Add the code.",
                            count=len(candidates),
                            name=result.name,
                        )
                    ),
                    "name",
                    result.name,
                )
                return
        elif self.mode is ImportMode.DELETE:
            self.skip(row, str(_l("The row has no code and no name, so no customer can be found.")))
            return

        customer_id = row.existing["id"] if row.existing else None
        if customer_id is not None:
            earlier_row = self.matched.get(customer_id)
            if earlier_row is not None:
                problem(row, str(_l("Row %(row)d already names this customer.", row=earlier_row)))
                row.existing = None
                return
            self.matched[customer_id] = number
            result.customer_id = customer_id
        if row.key is not None:
            self.file_codes[row.key] = (result.seq, number, customer_id)

        if self.mode is ImportMode.DELETE:
            if row.existing is None:
                if row.key is not None:
                    message = _l("No customer has the code %(code)s.", code=row.code)
                else:
                    message = _l("No customer without a code is named %(name)s.", name=result.name)
                self.skip(row, str(message))
                return
            result.status = RowStatus.DELETE
            result.code = row.existing["code"]
            result.name = row.existing["name"]
            self.delete_candidates[row.existing["id"]] = result

    def _fail_length(self, row: _FileRow, key: str, value: str, shown: Any) -> None:
        try:
            check_length(key, value)
        except InvalidValue as exc:
            self.fail(row, str(exc), key, shown)

    def _country(self, text: str | None) -> str | None:
        """Country names repeat on every row: each one is looked up once per import."""
        try:
            found = self.countries[text]
        except KeyError:
            try:
                found = clean_country(text)
            except InvalidValue as exc:
                found = exc
            self.countries[text] = found
        if isinstance(found, InvalidValue):
            raise found
        return found

    def fail(
        self, row: _FileRow, message: str, column: str | None = None, value: Any = None
    ) -> None:
        row.result.error(message, _label(column) if column else None, value)

    def skip(
        self, row: _FileRow, message: str, column: str | None = None, value: Any = None
    ) -> None:
        row.result.skip(message, _label(column) if column else None, value)

    # -- values and the diff ----------------------------------------------------------------
    def _plan_values(self, row: _FileRow, by_code: dict[str, dict[str, Any]]) -> bool:
        """Clean the row, merge it into the existing customer and diff; False when deferred."""
        result = row.result
        text = row.text
        old = row.existing
        new: dict[str, Any] = dict(old) if old else {name: None for name in VALUE_FIELDS}
        new.pop("id", None)
        if row.code is not None or old is None:
            new["code"] = row.code

        # The cell texts are trimmed already (see _read_row). A value as stored (and
        # checked) before is not cleaned again.
        for key in self.present_plain:
            value = text[key]
            if old is not None and value is not None and value == old.get(key):
                continue
            if value is not None and len(value) > _MAX_LENGTH[key]:
                self._fail_length(row, key, value, value)
            else:
                new[key] = value
        country = text.get("country")
        if "country" in text and not (
            old is not None and country is not None and country == old.get("country")
        ):
            if "country" in row.checked:
                new["country"] = row.checked["country"]
            else:
                try:
                    new["country"] = self._country(country)
                except InvalidValue as exc:
                    self.fail(row, str(exc), "country", country)
        region = self.settings.default_region
        for key in self.present_contacts:
            value = text[key]
            if old is not None and value is not None and value == old.get(key):
                continue
            try:
                if key in row.checked:
                    cleaned = row.checked[key]
                elif key == "email":
                    cleaned = clean_email(value)
                else:
                    cleaned = clean_phone(value, region, row.phone_digits)
            except InvalidValue as exc:
                self.fail(row, str(exc), key, value)
                continue
            if cleaned is not None and len(cleaned) > _MAX_LENGTH[key]:
                self._fail_length(row, key, cleaned, value)
            else:
                new[key] = cleaned

        if "is_business" in text:
            try:
                new["is_business"] = parse_bool(text["is_business"])
            except InvalidValue as exc:
                self.fail(row, str(exc), "is_business", text["is_business"])
                new["is_business"] = True if old is None else old["is_business"]
        elif old is None:
            new["is_business"] = not (new["first_name"] and new["last_name"] and not new["name"])

        if new["is_business"]:
            new["first_name"] = new["last_name"] = None
            if not new["name"]:
                self.fail(row, str(_l("A business customer needs a name.")), "name")
        else:
            if not new["name"] and not (new["first_name"] and new["last_name"]):
                self.fail(
                    row, str(_l("A person needs a Name, or a First name and a Last name.")), "name"
                )
            new["name"] = display_name(False, new["name"], new["first_name"], new["last_name"])
        if new["name"] is not None:
            try:
                check_length("name", new["name"])
            except InvalidValue as exc:
                self.fail(row, str(exc), "name", new["name"])
        result.name = new["name"] or result.name

        status_text = text.get("status")
        if status_text is not None:
            try:
                new["status_id"] = self.statuses.find(status_text)
            except InvalidValue as exc:
                self.fail(row, str(exc), "status", status_text)
        elif old is None:
            new["status_id"] = self.statuses.default_id

        if self.custom:
            row.custom_new = self.custom.clean_row(
                row.custom_cells,
                old.get(CUSTOM_VALUES) if old else None,
                is_new=old is None,
                fail=result.error,
            )
        row.new_values = new
        if "default_payer" in text:
            if row.payer_key is None:
                new["default_payer_id"] = None
            elif row.payer_key == row.key:
                self.fail(
                    row,
                    str(
                        _l(
                            "A customer cannot be its own default payer; leave "
                            "Default payer empty when the customer pays itself."
                        )
                    ),
                    "default_payer",
                    row.payer_text,
                )
            else:
                ref = self._resolve_payer(row.payer_key, by_code)
                if ref is None:
                    self.deferred.append((row, row.payer_key))
                    return False
                self._set_payer(row, ref)
        self._diff(row)
        return True

    def _resolve_payer(self, key: str, by_code: dict[str, dict[str, Any]]) -> _Ref | None:
        in_file = self.file_codes.get(key)
        if in_file is not None:
            seq, _number, customer_id = in_file
            if customer_id is not None:
                return _Ref(customer_id=customer_id)
            return _Ref(row_seq=seq)
        customer = by_code.get(key)
        if customer is not None:
            return _Ref(customer_id=customer["id"])
        return None

    def _set_payer(self, row: _FileRow, ref: _Ref) -> None:
        label = row.payer_text or ""
        if ref.customer_id is not None:
            row.new_values["default_payer_id"] = ref.customer_id
            self.payer_labels.setdefault(ref.customer_id, label)
        else:
            row.new_values["default_payer_id"] = None
            row.result.payer_row = ref.row_seq
        row.result.values["_payer_label"] = label

    def _diff(self, row: _FileRow) -> None:
        result = row.result
        new = row.new_values
        old = row.existing
        payer_label = result.values.pop("_payer_label", None)
        if result.status is RowStatus.ERROR:
            result.values = {}
            return
        old_custom = old.get(CUSTOM_VALUES) if old else None
        custom_values, custom_changes = self.custom.diff(row.custom_new, old_custom)

        def national(phone: str) -> str | None:
            return national_of(row.phone_digits, phone)

        if old is None:
            result.status = RowStatus.NEW
            result.values = {name: new[name] for name in VALUE_FIELDS}
            if payer_label:
                result.values["default_payer_label"] = payer_label
            if custom_values:
                result.values[CUSTOM_VALUES] = custom_values
                result.changes = custom_changes
            result.staged = {
                **{name: new[name] for name in VALUE_FIELDS},
                SEARCH_TEXT: build_search_text(new, national),
                CUSTOM_VALUES: custom_values or {},
                PAYER_LABEL: payer_label,
                CHANGED: ALL_FIELDS,
            }
            return
        changed = {name: new[name] for name in VALUE_FIELDS if new[name] != old[name]}
        if result.payer_row is not None:
            changed["default_payer_id"] = None
        if not changed and not custom_values:
            result.status = RowStatus.UNCHANGED
            return
        result.status = RowStatus.UPDATE
        result.values = dict(changed)
        result.changes = {
            name: (self._display(name, old[name]), self._display(name, new[name]))
            for name in changed
        }
        if "default_payer_id" in changed or result.payer_row is not None:
            result.changes["default_payer_id"] = (old["default_payer_id"], payer_label or None)
        if custom_values:
            result.values[CUSTOM_VALUES] = custom_values
            result.changes.update(custom_changes)
        result.staged = {
            **{name: new[name] for name in VALUE_FIELDS},
            CHANGED: sum(FIELD_BITS[name] for name in changed),
            SEARCH_TEXT: (
                build_search_text(new, national)
                if any(name in changed for name in SEARCHABLE_FIELDS)
                else None
            ),
            CUSTOM_VALUES: custom_values or None,
            PAYER_LABEL: payer_label,
        }

    def _display(self, name: str, value: Any) -> Any:
        if name == "is_business":
            return None if value is None else ("yes" if value else "no")
        if name == "status_id":
            return self.statuses.name(value)
        return value

    def _label_old_payers(self, rows: list[RowResult]) -> None:
        """Old payers in the diff are ids until here; show their codes (one query)."""
        wanted = {
            row.changes["default_payer_id"][0]
            for row in rows
            if "default_payer_id" in row.changes and row.changes["default_payer_id"][0]
        }
        missing = [pid for pid in wanted if pid not in self.payer_labels]
        for chunk in _chunks(missing, self.settings.batch_size):
            query = select(CUSTOMERS.c.id, CUSTOMERS.c.code, CUSTOMERS.c.name).where(
                CUSTOMERS.c.id.in_(chunk)
            )
            for record in self.session.execute(query):
                self.payer_labels[record.id] = record.code or record.name
        for row in rows:
            change = row.changes.get("default_payer_id")
            if change and change[0]:
                row.changes["default_payer_id"] = (self.payer_labels.get(change[0]), change[1])

    # -- after the last row ---------------------------------------------------------------
    def _finish_deferred(self) -> None:
        """Default payers that were not found while reading: later rows, or names."""
        if not self.deferred:
            return
        unresolved = [key for _row, key in self.deferred if key not in self.file_codes]
        by_name = self._codeless_customers_by_name(unresolved)
        finished: list[RowResult] = []
        for row, key in self.deferred:
            ref = self._resolve_payer(key, {})
            if ref is None:
                candidates = by_name.get(key, [])
                if len(candidates) == 1:
                    ref = _Ref(customer_id=candidates[0]["id"])
            if ref is None:
                self.fail(
                    row,
                    str(
                        _l(
                            "Unknown default payer %(code)s: no customer has this "
                            "code, in the file or in the system.",
                            code=row.payer_text,
                        )
                    ),
                    "default_payer",
                    row.payer_text,
                )
            else:
                self._set_payer(row, ref)
            self._diff(row)
            finished.append(row.result)
        self._label_old_payers(finished)
        self._count(finished)
        for chunk in _chunks(finished, self.settings.batch_size):
            self.sink.write(list(chunk))
        self.deferred = []

    def _plan_missing(self) -> None:
        """Mode all: every customer the file does not name (nothing will happen to them)."""
        query = (
            select(CUSTOMERS.c.id, CUSTOMERS.c.code, CUSTOMERS.c.name)
            .order_by(func.lower(CUSTOMERS.c.name), CUSTOMERS.c.id)
            .execution_options(yield_per=self.settings.batch_size)
        )
        batch: list[RowResult] = []
        for record in self.session.execute(query):
            if record.id in self.matched:
                continue
            batch.append(
                RowResult(
                    seq=self._next_seq(),
                    row_number=None,
                    status=RowStatus.MISSING,
                    customer_id=record.id,
                    code=record.code,
                    name=record.name,
                )
            )
            if len(batch) >= self.settings.batch_size:
                self._count(batch)
                self.sink.write(batch)
                batch = []
        if batch:
            self._count(batch)
            self.sink.write(batch)

    def _check_deletable(self) -> None:
        """Mode delete: customers with issues, or paying for customers that stay, stay."""
        blocked = deletion_blockers(
            self.session, list(self.delete_candidates), self.settings.batch_size
        )
        patched: list[RowResult] = []
        for customer_id, reasons in blocked.items():
            row = self.delete_candidates.pop(customer_id)
            row.status = RowStatus.SKIP
            for reason in reasons:
                row.skip(
                    str(_l("%(name)s cannot be deleted: %(reason)s.", name=row.name, reason=reason))
                )
            patched.append(row)
        if patched:
            self.result.totals[RowStatus.DELETE.value] -= len(patched)
            self.result.totals[RowStatus.SKIP.value] += len(patched)
            for chunk in _chunks(patched, self.settings.batch_size):
                self.sink.patch(list(chunk))

    def _count(self, rows: Iterable[RowResult]) -> None:
        for row in rows:
            self.result.totals[row.status.value] += 1


def deletion_blockers(
    session: Session, customer_ids: list[int], batch_size: int = 1000
) -> dict[int, list[str]]:
    """Why each of these customers may not be deleted together; absent when it may.

    The rules of :func:`iris_admin.customers.deletion_blockers`, for many customers at
    once: a customer with issues stays; a customer that is the default payer of a
    customer that stays (not in the set, or blocked itself) stays too.
    """
    candidates = set(customer_ids)
    reasons: dict[int, list[str]] = {}
    payees: dict[int, list[int]] = {}
    for chunk in _chunks(customer_ids, batch_size):
        issue_counts = session.execute(
            select(Issue.customer_id, func.count())
            .where(Issue.customer_id.in_(chunk))
            .group_by(Issue.customer_id)
        )
        for customer_id, count in issue_counts:
            reasons.setdefault(customer_id, []).append(
                str(
                    _l(
                        "it still has %(count)d issue(s); close and move or delete them first",
                        count=count,
                    )
                )
            )
        paid = session.execute(
            select(CUSTOMERS.c.id, CUSTOMERS.c.default_payer_id).where(
                CUSTOMERS.c.default_payer_id.in_(chunk)
            )
        )
        for payee_id, payer_id in paid:
            if payee_id != payer_id:
                payees.setdefault(payer_id, []).append(payee_id)
    # A payer stays while one of its payees stays; repeat until nothing changes.
    changed = True
    while changed:
        changed = False
        for payer_id, paid_for in payees.items():
            if payer_id in reasons:
                continue
            staying = [pid for pid in paid_for if pid not in candidates or pid in reasons]
            if staying:
                reasons[payer_id] = [
                    str(
                        _l(
                            "it is the default payer of %(count)d other customer(s); choose "
                            "another payer for them first",
                            count=len(staying),
                        )
                    )
                ]
                changed = True
    return reasons


def build_plan(
    session: Session,
    header: Sequence[str | None],
    rows: Iterable[tuple[int, list[Any]]],
    settings: PlanSettings,
    sink: PlanSink,
    *,
    file_format: str = "xlsx",
    progress: ProgressCallback | None = None,
    total_rows: int | None = None,
) -> ImportResult:
    """Plan the import of ``rows`` (1-based row number, cells) under ``header``."""
    planner = Planner(session, settings, sink)
    return planner.run(
        header, rows, file_format=file_format, progress=progress, total_rows=total_rows
    )
