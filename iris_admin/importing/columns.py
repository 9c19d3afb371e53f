"""The import's columns: which headers mean what, and how a cell becomes a stored value.

Headers match ignoring case, spaces, hyphens and order, in English and Dutch. Cells
are cleaned with the same rules as the forms (:mod:`iris_admin.validation`), so a value
the customer form accepts is accepted here and stored the same way.

No Flask imports: used from web requests, background jobs and the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
from flask_babel import lazy_gettext as _l

from ..validation import (
    InvalidValue,
    analyse_phone,
    clean_text,
    normalise_country,
    normalise_email,
)
from .results import ImportMode

if TYPE_CHECKING:
    from .custom_columns import CustomColumns


@dataclass(frozen=True)
class Column:
    key: str
    # The header the template and exports write (English, stable across languages).
    header: str
    label: Any  # translated name shown in the app
    aliases: tuple[str, ...] = ()
    # Written as text cells so Excel keeps leading zeros and the "+" of phones.
    text: bool = True
    max_length: int | None = None
    help: Any = ""
    example: str = ""


COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        "Code",
        _l("Code"),
        ("klantcode", "customer code", "klantnummer", "customer number", "debiteurnummer"),
        max_length=50,
        help=_l(
            "The customer's code (customer number). Optional, unique ignoring case. "
            "Rows are matched to existing customers by this code."
        ),
        example="C-0042",
    ),
    Column(
        "name",
        "Name",
        _l("Name"),
        ("naam", "company name", "bedrijfsnaam", "display name"),
        max_length=200,
        help=_l(
            "The display name: the company name, or the person's name. Required, "
            "except for a person row that gives First name and Last name."
        ),
        example="Acme B.V.",
    ),
    Column(
        "is_business",
        "Business customer",
        _l("Business customer"),
        ("zakelijke klant", "zakelijk", "business", "company", "bedrijf"),
        help=_l(
            "yes for a company, no for a person. Also accepted: ja/nee, true/false, "
            "1/0, x (yes) and empty (no)."
        ),
        example="yes",
    ),
    Column(
        "first_name",
        "First name",
        _l("First name"),
        ("voornaam",),
        max_length=100,
        help=_l("Persons only: the first name."),
        example="Jan",
    ),
    Column(
        "last_name",
        "Last name",
        _l("Last name"),
        ("achternaam", "surname", "family name"),
        max_length=100,
        help=_l("Persons only: the last name."),
        example="Jansen",
    ),
    Column(
        "street",
        "Street",
        _l("Street"),
        ("straat", "straat en huisnummer", "street address"),
        max_length=200,
        help=_l("Street and house number."),
        example="Keizersgracht 1",
    ),
    Column(
        "postal_code",
        "Postal code",
        _l("Postal code"),
        ("postcode", "zip", "zip code"),
        max_length=20,
        help=_l("Postal code, kept as written."),
        example="1015 AB",
    ),
    Column(
        "city",
        "City",
        _l("City"),
        ("plaats", "woonplaats", "stad", "town"),
        max_length=100,
        help=_l("City."),
        example="Amsterdam",
    ),
    Column(
        "country",
        "Country",
        _l("Country"),
        ("land",),
        help=_l("ISO code (NL) or the English or Dutch name (Netherlands, Nederland)."),
        example="NL",
    ),
    Column(
        "email",
        "Email",
        _l("Email"),
        ("e-mail", "e-mailadres", "emailadres", "email address", "e-mail address", "mail"),
        max_length=254,
        help=_l("A valid e-mail address."),
        example="info@acme.example",
    ),
    Column(
        "telephone",
        "Telephone",
        _l("Telephone"),
        ("telefoon", "telefoonnummer", "phone", "phone number", "tel"),
        max_length=40,
        help=_l(
            "Phone number; numbers without a country code are read as numbers of the "
            "default country. Stored as +31 20 1234567."
        ),
        example="+31 20 1234567",
    ),
    Column(
        "mobile",
        "Mobile phone",
        _l("Mobile phone"),
        ("mobiel", "mobile", "mobiele telefoon", "mobiel nummer", "gsm", "cell phone"),
        max_length=40,
        help=_l("Mobile number, read like Telephone."),
        example="+31 6 12345678",
    ),
    Column(
        "default_payer",
        "Default payer",
        _l("Default payer"),
        ("standaard betaler", "standaardbetaler", "betaler", "payer"),
        help=_l(
            "Code of the customer who pays this customer's invoices, in this file or "
            "already in the system. Empty: the customer pays itself."
        ),
        example="C-0001",
    ),
    Column(
        "status",
        "Status",
        _l("Status"),
        ("klantstatus",),
        help=_l(
            "Name of a status code (for example Active or Inactive). Empty: new "
            "customers get the default status, existing ones keep theirs."
        ),
        example="Active",
    ),
)

COLUMN_BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}
FIELD_KEYS: tuple[str, ...] = tuple(column.key for column in COLUMNS)
TEMPLATE_HEADERS: tuple[str, ...] = tuple(column.header for column in COLUMNS)


def header_key(text: object) -> str:
    """A header as compared: lower-cased, without spaces, hyphens, dots or underscores."""
    return re.sub(r"[\s\-_.*:/]+", "", str(text).casefold())


@lru_cache(maxsize=1)
def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for column in COLUMNS:
        for name in (column.header, column.key, *column.aliases):
            index[header_key(name)] = column.key
    return index


def builtin_header_index() -> dict[str, str]:
    """Every name a built-in column answers to (as compared) -> its key. Do not modify."""
    return _header_index()


@dataclass
class HeaderMatch:
    """Which spreadsheet column holds which field."""

    header: list[str | None]
    columns: dict[str, int] = field(default_factory=dict)  # field key -> column index
    unknown: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return key in self.columns


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def match_headers(
    header: Sequence[str | None], mode: ImportMode, custom: CustomColumns | None = None
) -> HeaderMatch:
    """Map the header row to fields; a missing required column is an error.

    With ``custom``, the custom fields' columns match too (key "custom:<field key>").
    """
    match = HeaderMatch(header=list(header))
    seen: dict[str, int] = {}
    index = _header_index()
    custom_index = custom.header_index if custom is not None else {}
    for position, text in enumerate(header):
        if text is None or not str(text).strip():
            continue  # empty header cells are ignored
        name = header_key(text)
        key = index.get(name) or custom_index.get(name)
        if key is None:
            match.unknown.append(str(text).strip())
            continue
        if key in seen:
            if key in COLUMN_BY_KEY:
                shown = COLUMN_BY_KEY[key].header
            else:
                assert custom is not None  # only custom columns have keys outside COLUMN_BY_KEY
                shown = custom.headers_by_key[key]
            match.errors.append(
                str(
                    _l(
                        "The column %(name)s appears twice (columns %(first)s and %(second)s). "
                        "Remove one of them.",
                        name=shown,
                        first=column_letter(seen[key]),
                        second=column_letter(position),
                    )
                )
            )
            continue
        seen[key] = position
    match.columns = seen
    if mode is ImportMode.DELETE:
        if "code" not in seen and "name" not in seen:
            match.errors.append(
                str(_l("The file needs a column Code or Name to find the customers to delete."))
            )
    elif "name" not in seen and not ("first_name" in seen and "last_name" in seen):
        match.errors.append(
            str(
                _l(
                    "The file has no column Name (or First name and Last name). Download the "
                    "template to see the expected columns."
                )
            )
        )
    return match


# -- cells -------------------------------------------------------------------------------
_CSV_NEUTRALISED = re.compile(r"^'[=+\-@\t\r]")


def cell_text(value: object, *, from_csv: bool = False) -> str | None:
    """A cell as text: trimmed, None when empty; 4711 (a number cell) is "4711", never "4711.0".

    CSV exports put a quote before values that start with = + - @ so spreadsheet
    programs never run them as formulas; reading a CSV removes that quote again.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, datetime):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    if from_csv and _CSV_NEUTRALISED.match(text):
        return text[1:].strip() or None
    return text


_TRUE = frozenset({"yes", "y", "ja", "j", "true", "waar", "1", "x", "on"})
_FALSE = frozenset({"no", "n", "nee", "false", "onwaar", "0", "off"})


def parse_bool(value: object) -> bool:
    """yes/no, ja/nee, true/false, 1/0, x/empty and real boolean cells."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if not text:
        return False
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidValue(_l("Not yes or no: %(value)s. Use yes or no.", value=str(value).strip()))


# -- e-mail and phones, fast ------------------------------------------------------------
# An import checks every address and number of a file; the validation libraries take
# 150-300 µs a value, which is most of the time of a 100,000-row import. The shortcuts
# below give exactly what iris_admin.validation gives (tests compare them on many
# values) and fall back to it for everything that is not plain.
_ATEXT_DOT_ATOM = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)
_PLAIN_DOMAIN = re.compile(r"[A-Za-z0-9.-]+")
_CASE_INSENSITIVE_MAILBOXES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


@lru_cache(maxsize=4096)
def _checked_domain(domain: str) -> str | None:
    """The normalised domain when ``x@domain`` is valid, None when it is not plain ASCII."""
    try:
        normalised = normalise_email(f"x@{domain}")
    except InvalidValue:
        return None
    assert normalised is not None
    return normalised.partition("@")[2]


def clean_email(text: str | None) -> str | None:
    """Like :func:`normalise_email`, with the domain check cached per domain."""
    if text is None:
        return None
    local, at, domain = text.rpartition("@")
    if (
        at
        and len(text) <= 254
        and len(local) <= 64
        and _ATEXT_DOT_ATOM.fullmatch(local)
        and _PLAIN_DOMAIN.fullmatch(domain)
    ):
        checked = _checked_domain(domain)
        if checked is not None:
            if local.lower() in _CASE_INSENSITIVE_MAILBOXES:  # RFC 2142: info@, sales@, ...
                local = local.lower()
            return f"{local}@{checked}"
    return normalise_email(text)


def clean_phone(
    text: str | None, region: str, national: dict[str, str] | None = None
) -> str | None:
    """The stored form of a phone number; its national digits go into ``national``."""
    number = analyse_phone(text, region)
    if number is None:
        return None
    if national is not None:
        national[number.international] = number.national_digits
    return number.international


_BUILTIN_STATUS_ALIASES = {"actief": "active", "inactief": "inactive"}


class StatusLookup:
    """Status codes by name, ignoring case; Dutch names of the built-in ones work too."""

    def __init__(self, statuses: Iterable[tuple[int, str]], default_id: int | None) -> None:
        self.by_key = {name.strip().casefold(): (status_id, name) for status_id, name in statuses}
        self.names = {status_id: name for status_id, name in self.by_key.values()}
        self.default_id = default_id

    def find(self, text: str) -> int:
        key = text.strip().casefold()
        found = self.by_key.get(key) or self.by_key.get(_BUILTIN_STATUS_ALIASES.get(key, ""))
        if found is None:
            known = ", ".join(sorted(self.names.values()))
            raise InvalidValue(
                _l("Unknown status: %(value)s. Known statuses: %(known)s.", value=text, known=known)
            )
        return found[0]

    def name(self, status_id: int | None) -> str | None:
        return self.names.get(status_id) if status_id is not None else None


def check_length(key: str, value: str | None) -> None:
    limit = COLUMN_BY_KEY[key].max_length
    if value is not None and limit is not None and len(value) > limit:
        raise InvalidValue(
            _l(
                "Too long: %(length)d characters, at most %(limit)d allowed.",
                length=len(value),
                limit=limit,
            )
        )


def clean_plain(key: str, text: str | None) -> str | None:
    """Text fields without further rules (name, street, city, ...): trimmed, length checked."""
    value = clean_text(text)
    check_length(key, value)
    return value


def clean_country(text: str | None) -> str | None:
    return normalise_country(text)


def json_cell(value: object) -> Any:
    """A cell value that JSON can store (dates as ISO text)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value
