"""Filling a database with many realistic customers, fast (``flask iris seed``).

For trying a deployment at scale and for the benchmarks in ``bench/``: companies and
persons with codes, Dutch (and some Belgian and German) addresses, e-mail, valid phone
numbers in the stored international format (``+31 20 123 4567``), statuses, default
payers, contacts, invoice addresses and some issues.

Speed comes from three things:

- Core ``INSERT``s of whole batches (one ``executemany`` per table and batch), never
  the ORM; customer ids are chosen here, so children need no round trip.
- ``search_text`` built directly. The ORM event (``build_search_text``) parses every
  phone number with ``phonenumbers`` to find its national digits (0.1-0.2 ms each);
  the numbers made here are generated from their digits, so the national form is
  known. :func:`search_text` must give exactly what ``build_search_text`` gives for
  the same values; ``tests/web/test_seed.py`` holds it to that.
- One transaction for the whole run: all customers or none, and SQLite writes its
  journal once.
- SQLite's search index (FTS5, kept by triggers) is built once at the end instead
  of row by row, which would triple the cost.

Seeding refuses a database that already has customers, because it adds made-up
people to it; ``append=True`` (``--append``) adds to them anyway. It never deletes.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, func, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .customers import ensure_builtin_statuses
from .models import Contact, Customer, CustomerStatus, InvoiceAddress, Issue
from .models.base import utcnow
from .models.customers import build_search_text
from .schema import current_revision, head_revision
from .search_index import sqlite_index_rebuilt_afterwards


class SeedRefused(Exception):
    """The database is not one to seed; ``str(exc)`` says why and what to do."""


# -- what the data is made of -------------------------------------------------------------

FIRST_NAMES = (
    "Anna",
    "Bram",
    "Carla",
    "Daan",
    "Eva",
    "Femke",
    "Gijs",
    "Hanna",
    "Ivo",
    "Joost",
    "Kim",
    "Lotte",
    "Milan",
    "Noor",
    "Olaf",
    "Pien",
    "Ruben",
    "Sanne",
    "Tim",
    "Vera",
    "Willem",
    "Yara",
    "Zoë",
    "Thijs",
    "Lieke",
    "Jesse",
    "Fleur",
    "Sem",
    "Isa",
    "Lucas",
    "Mila",
    "Finn",
    "Julia",
    "Stijn",
    "Emma",
    "Jan",
    "Marieke",
    "Pieter",
    "Sophie",
    "Koen",
    "Mohamed",
    "Fatima",
    "Sven",
    "Ingrid",
    "Hendrik",
    "Anouk",
    "Bas",
    "Charlotte",
    "Dirk",
    "Esther",
)
LAST_NAMES = (
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Berg",
    "van Dijk",
    "Willems",
    "van Beek",
    "Schouten",
    "Hoekstra",
    "Koster",
    "Prins",
    "Huisman",
    "Kuipers",
    "van Wijk",
    "Postma",
    "Verhoeven",
    "Kramer",
    "El Amrani",
    "Yilmaz",
    "Claes",
    "Maes",
    "Schmidt",
    "Müller",
)
COMPANY_WORDS = (
    "Noord",
    "Delta",
    "Polder",
    "Tulp",
    "Haven",
    "Duin",
    "Molen",
    "Gracht",
    "Oranje",
    "Vuurtoren",
    "Weide",
    "Brug",
    "Anker",
    "Klaver",
    "Valk",
    "Esdoorn",
    "Zuid",
    "Oost",
    "West",
    "Dijk",
    "Kade",
    "Sluis",
    "Linde",
    "Eik",
    "Beuk",
    "Zon",
    "Regenboog",
    "Kompas",
    "Ster",
    "Horizon",
)
COMPANY_KINDS = (
    "Logistiek",
    "Bakkerij",
    "Advies",
    "Installaties",
    "Reizen",
    "Tandartsen",
    "Media",
    "Garage",
    "Architecten",
    "Voeding",
    "Software",
    "Schoonmaak",
    "Bouw",
    "Makelaars",
    "Transport",
    "Drukkerij",
    "Kinderopvang",
    "Fysiotherapie",
    "Accountants",
    "Hoveniers",
)
LEGAL_FORMS = ("B.V.", "B.V.", "BV", "V.O.F.", "& Zn.", "Holding B.V.", "")
STREETS = (
    "Kerkstraat",
    "Dorpsstraat",
    "Stationsweg",
    "Molenweg",
    "Schoolstraat",
    "Marktplein",
    "Julianalaan",
    "Beatrixstraat",
    "Industrieweg",
    "Havenkade",
    "Wilhelminastraat",
    "Nieuwstraat",
    "Hoofdstraat",
    "Kastanjelaan",
    "Prinsengracht",
    "Lindelaan",
    "Parallelweg",
    "Emmastraat",
    "Oranjestraat",
    "Sportlaan",
    "Kanaalweg",
    "Burgemeester de Withstraat",
    "Vondelstraat",
    "Rembrandtlaan",
    "Van Goghstraat",
    "Spoorstraat",
    "Zandweg",
    "Raadhuisplein",
)
HOUSE_SUFFIXES = ("", "", "", "", "a", "b", "-2", " bis")
# City, first two digits of its postal codes, telephone area code (all valid numbers).
NL_CITIES = (
    ("Amsterdam", "10", "20"),
    ("Rotterdam", "30", "10"),
    ("Utrecht", "35", "30"),
    ("Den Haag", "25", "70"),
    ("Eindhoven", "56", "40"),
    ("Groningen", "97", "50"),
    ("Haarlem", "20", "23"),
    ("Leiden", "23", "71"),
    ("Zwolle", "80", "38"),
    ("Breda", "48", "76"),
    ("Arnhem", "68", "26"),
    ("Nijmegen", "65", "24"),
    ("Tilburg", "50", "13"),
    ("Almere", "13", "36"),
    ("Maastricht", "62", "43"),
    ("Amersfoort", "38", "33"),
    ("Apeldoorn", "73", "55"),
    ("Enschede", "75", "53"),
    ("Leeuwarden", "89", "58"),
    ("Delft", "26", "15"),
)
POSTAL_LETTERS = "ABCDEGHJKLMNPRTVWXZ"  # no F, I, O, Q, U, Y; avoids SA/SD/SS
MAIL_PROVIDERS = ("gmail.com", "ziggo.nl", "kpnmail.nl", "hotmail.com", "outlook.com", "xs4all.nl")
FUNCTIONS = (
    "Directeur",
    "Office manager",
    "Boekhouding",
    "IT",
    "Planning",
    "Eigenaar",
    "Inkoop",
    "Facilitair",
)
ISSUE_TITLES = (
    "Factuur niet ontvangen",
    "Kan niet inloggen",
    "Afspraak verzetten",
    "Adreswijziging",
    "Vraag over het contract",
    "Printer offline",
    "Offerte aangevraagd",
    "Verkeerd bedrag op factuur",
    "Levering vertraagd",
    "Wachtwoord vergeten",
)
ISSUE_STATES = ("open", "open", "in_progress", "waiting", "closed", "closed", "closed")
ISSUE_PRIORITIES = ("low", "normal", "normal", "normal", "high", "urgent")

Phone = tuple[str, str]  # (as stored, national digits)


def _nl_landline(r: Callable[[], float], area: str) -> Phone:
    first, second = 100 + int(r() * 900), 1000 + int(r() * 9000)
    return f"+31 {area} {first} {second}", f"0{area}{first}{second}"


def _nl_mobile(r: Callable[[], float]) -> Phone:
    # 06-1 to 06-5: mobile ranges; 06-6 are pagers and format differently.
    number = 10_000_000 + int(r() * 50_000_000)
    return f"+31 6 {number}", f"06{number}"


def _be_landline(area: str) -> Callable[[Callable[[], float]], Phone]:
    def make(r: Callable[[], float]) -> Phone:
        # Belgian subscriber numbers starting with 9 are not allocated.
        a, b, c = 200 + int(r() * 700), 10 + int(r() * 90), 10 + int(r() * 90)
        return f"+32 {area} {a} {b} {c}", f"0{area}{a}{b}{c}"

    return make


def _de_landline(area: str, digits: int) -> Callable[[Callable[[], float]], Phone]:
    low = 10 ** (digits - 1)

    def make(r: Callable[[], float]) -> Phone:
        number = low + int(r() * 9 * low)
        return f"+49 {area} {number}", f"0{area}{number}"

    return make


# (country, city, postal code maker, telephone maker)
FOREIGN_CITIES: tuple[
    tuple[str, str, Callable[[Callable[[], float]], str], Callable[[Callable[[], float]], Phone]],
    ...,
] = (
    ("BE", "Antwerpen", lambda r: str(2000 + int(r() * 661)), _be_landline("3")),
    ("BE", "Brussel", lambda r: str(1000 + int(r() * 211)), _be_landline("2")),
    ("DE", "Düsseldorf", lambda r: str(40210 + int(r() * 420)), _de_landline("211", 7)),
    ("DE", "Berlin", lambda r: str(10115 + int(r() * 4085)), _de_landline("30", 8)),
)


# -- search_text without phonenumbers ----------------------------------------------------------

_NOT_DIGITS = re.compile(r"\D")


def search_text(
    name: str,
    code: str | None,
    email: str | None,
    telephone: Phone | None,
    mobile: Phone | None,
    street: str | None,
    postal_code: str | None,
    city: str | None,
) -> str:
    """``models.customers.build_search_text`` for values whose national digits are known.

    Same fields, same order, same variants: each value trimmed and lower-cased; a
    phone number also as its digits and, when different, its national digits; a
    postal code also without spaces.
    """
    parts: list[str] = []
    add = parts.append
    for value in (name, code, email):
        if value:
            add(value.strip().lower())
    for phone in (telephone, mobile):
        if phone:
            typed = phone[0].strip().lower()
            add(typed)
            digits = _NOT_DIGITS.sub("", typed)
            if digits:
                add(digits)
                if phone[1] and phone[1] != digits:
                    add(phone[1])
    if street:
        add(street.strip().lower())
    if postal_code:
        postal = postal_code.strip().lower()
        add(postal)
        add(postal.replace(" ", ""))
    if city:
        add(city.strip().lower())
    return " | ".join(parts)


# -- generating rows ---------------------------------------------------------------------------


@dataclass
class Batch:
    customers: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    invoice_addresses: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)


@cache  # names come from short lists: a few thousand distinct values
def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower().replace("ë", "e").replace("ü", "u"))


class Generator:
    """Customers with their contacts, invoice addresses and issues, ids from ``first_id``."""

    def __init__(self, rng: random.Random, first_id: int, statuses: dict[str, int]) -> None:
        self.random = rng.random
        self.next_id = first_id
        self.active = statuses["Active"]
        self.inactive = statuses["Inactive"]
        self.now = utcnow().replace(microsecond=0)
        # Businesses made so far: some customers are billed through one (a head office).
        self.businesses: list[int] = []

    def pick(self, choices: Sequence[Any]) -> Any:
        return choices[int(self.random() * len(choices))]

    def batch(self, size: int) -> Batch:
        batch = Batch()
        for _ in range(size):
            self._customer(batch)
        return batch

    def _customer(self, batch: Batch) -> None:
        r, pick = self.random, self.pick
        number = self.next_id
        self.next_id += 1
        is_business = r() < 0.65
        if r() < 0.05:
            country, city, postal, phone = pick(FOREIGN_CITIES)
            postal_code, telephone = postal(r), phone(r)
            area = None
        else:
            city, postal_prefix, area = pick(NL_CITIES)
            country = "NL"
            postal_code = (
                f"{postal_prefix}{int(r() * 100):02d} {pick(POSTAL_LETTERS)}{pick(POSTAL_LETTERS)}"
            )
            telephone = _nl_landline(r, area)
        street = f"{pick(STREETS)} {1 + int(r() * 250)}{pick(HOUSE_SUFFIXES)}"
        if is_business:
            first = last = None
            if r() < 0.3:
                name = f"{pick(LAST_NAMES).split()[-1]} {pick(COMPANY_KINDS)}"
            else:
                name = f"{pick(COMPANY_WORDS)} {pick(COMPANY_KINDS)}"
            name = f"{name} {pick(LEGAL_FORMS)}".rstrip()
            domain = f"{_slug(name)[:20]}{number}.nl"
            email: str | None = f"info@{domain}"
            mobile = _nl_mobile(r) if r() < 0.3 else None
        else:
            first, last = pick(FIRST_NAMES), pick(LAST_NAMES)
            name = f"{first} {last}"
            domain = pick(MAIL_PROVIDERS)
            email = f"{_slug(first)}.{_slug(last)}{number}@{domain}"
            mobile = _nl_mobile(r) if r() < 0.8 else None
        code = f"C{number:07d}" if r() >= 0.08 else None
        if r() < 0.05:
            email = None
        if r() < 0.1:
            telephone = None
        payer = None
        if self.businesses and r() < 0.03:
            payer = self.businesses[int(r() * len(self.businesses))]
        if is_business:
            self.businesses.append(number)
        active = r() < 0.88
        created = self.now - timedelta(days=int(r() * 5 * 365), seconds=int(r() * 86400))
        batch.customers.append(
            {
                "id": number,
                "is_business": is_business,
                "name": name,
                "first_name": first,
                "last_name": last,
                "code": code,
                "street": street,
                "postal_code": postal_code,
                "city": city,
                "country": country,
                "email": email,
                "telephone": telephone[0] if telephone else None,
                "mobile": mobile[0] if mobile else None,
                "default_payer_id": payer,
                "status_id": self.active if active else self.inactive,
                "search_text": search_text(
                    name, code, email, telephone, mobile, street, postal_code, city
                ),
                "custom_values": {},
                "notify_issue_updates": r() < 0.1,
                "created_at": created,
                "updated_at": created,
            }
        )
        if is_business:
            self._contacts(batch, number, domain, area, created)
            self._invoice_addresses(batch, number, street, postal_code, city, country, domain)
        elif r() < 0.05:  # a person whose invoices go elsewhere (a guardian, an employer)
            self._invoice_addresses(batch, number, street, postal_code, city, country, None)
        if r() < 0.06:
            self._issues(batch, number, created, active)

    def _contacts(
        self, batch: Batch, customer_id: int, domain: str, area: str | None, created: datetime
    ) -> None:
        r, pick = self.random, self.pick
        roll = r()
        count = 0 if roll < 0.15 else 1 if roll < 0.55 else 2 if roll < 0.85 else 3
        for _ in range(count):
            first, last = pick(FIRST_NAMES), pick(LAST_NAMES)
            batch.contacts.append(
                {
                    "customer_id": customer_id,
                    "name": f"{first} {last}",
                    "function": pick(FUNCTIONS) if r() < 0.8 else None,
                    "email": f"{_slug(first)}.{_slug(last)}@{domain}" if r() < 0.9 else None,
                    "telephone": _nl_landline(r, area)[0] if area and r() < 0.6 else None,
                    "mobile": _nl_mobile(r)[0] if r() < 0.7 else None,
                }
            )

    def _invoice_addresses(
        self,
        batch: Batch,
        customer_id: int,
        street: str,
        postal_code: str,
        city: str,
        country: str,
        domain: str | None,
    ) -> None:
        r = self.random
        if domain is not None and r() < 0.15:
            return  # invoices go to the customer's own address
        batch.invoice_addresses.append(
            {
                "customer_id": customer_id,
                "attention": "Crediteurenadministratie" if domain else None,
                "street": street if r() < 0.7 else f"Postbus {1 + int(r() * 9999)}",
                "postal_code": postal_code,
                "city": city,
                "country": country,
                "invoice_email": f"facturen@{domain}" if domain and r() < 0.7 else None,
                "is_default": True,
            }
        )
        if domain is not None and r() < 0.08:  # a second address, e.g. a branch
            batch.invoice_addresses.append(
                {
                    "customer_id": customer_id,
                    "attention": "Vestiging " + self.pick(NL_CITIES)[0],
                    "street": f"{self.pick(STREETS)} {1 + int(r() * 250)}",
                    "postal_code": postal_code,
                    "city": city,
                    "country": country,
                    "invoice_email": None,
                    "is_default": False,
                }
            )

    def _issues(self, batch: Batch, customer_id: int, since: datetime, active: bool) -> None:
        r, pick = self.random, self.pick
        for _ in range(1 + int(r() * 3)):
            opened = since + (self.now - since) * r()
            status = pick(ISSUE_STATES) if active else "closed"
            batch.issues.append(
                {
                    "title": pick(ISSUE_TITLES),
                    "description": "Telefonisch gemeld.",
                    "status": status,
                    "priority": pick(ISSUE_PRIORITIES),
                    "customer_id": customer_id,
                    "reporter_id": None,
                    "created_at": opened,
                    "updated_at": opened
                    if status == "open"
                    else opened + (self.now - opened) * r(),
                }
            )


# -- writing -----------------------------------------------------------------------------------


@dataclass
class SeedResult:
    customers: int = 0
    contacts: int = 0
    invoice_addresses: int = 0
    issues: int = 0
    codes_dropped: int = 0  # --append only: generated codes that existed already
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.customers + self.contacts + self.invoice_addresses + self.issues

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def customers_per_second(self) -> float:
        return self.customers / self.seconds if self.seconds else 0.0


Progress = Callable[[SeedResult, int], None]  # (so far, customers wanted)


def seed_customers(
    engine: Engine,
    customers: int,
    *,
    batch_size: int = 10_000,
    append: bool = False,
    random_seed: int | None = None,
    progress: Progress | None = None,
    announce: Callable[[str], None] | None = None,
) -> SeedResult:
    """Add ``customers`` made-up customers (and what hangs off them) in one transaction.

    Refuses (:class:`SeedRefused`) a database whose schema is not at the head revision,
    and one that has customers unless ``append``. ``progress`` is called after every
    batch, ``announce`` with a line about a longer step (rebuilding the search index).
    The same ``random_seed`` and starting point give the same data; by default the
    seed is the first new id.
    """
    if customers < 1 or batch_size < 1:
        raise SeedRefused("The number of customers and the batch size must be at least 1.")
    if current_revision(engine) != head_revision():
        raise SeedRefused("The database schema is not up to date; run `flask iris init` first.")
    started = time.perf_counter()
    result = SeedResult()
    with engine.begin() as connection:
        existing = connection.scalar(select(func.count()).select_from(Customer.__table__)) or 0
        if existing and not append:
            raise SeedRefused(
                f"The database already has {existing:,} customers. Seeding adds made-up "
                "customers; use --append to add them anyway."
            )
        first_id = (connection.scalar(select(func.max(Customer.__table__.c.id))) or 0) + 1
        statuses = _builtin_status_ids(connection)
        rng = random.Random(first_id if random_seed is None else random_seed)
        generator = Generator(rng, first_id, statuses)
        # Re-indexing everything once beats keeping the index in step row by row,
        # unless the rows already there outnumber the new ones.
        reindex_after = existing <= customers
        with (
            _fast_bulk_writes(connection),
            sqlite_index_rebuilt_afterwards(connection, reindex_after, announce),
        ):
            for batch_customers in _batch_sizes(customers, batch_size):
                batch = generator.batch(batch_customers)
                if existing:
                    result.codes_dropped += _drop_taken_codes(connection, batch.customers)
                _insert(connection, batch, result)
                result.seconds = time.perf_counter() - started
                if progress:
                    progress(result, customers)
        _advance_id_sequence(connection)
        _commit_durably(connection)
    _refresh_planner_statistics(engine)
    result.seconds = time.perf_counter() - started
    return result


def _batch_sizes(total: int, batch_size: int) -> Iterator[int]:
    while total > 0:
        size = min(total, batch_size)
        yield size
        total -= size


def _builtin_status_ids(connection: Connection) -> dict[str, int]:
    with Session(bind=connection) as session:
        ensure_builtin_statuses(session)  # flushes within our transaction
        return {status.name: status.id for status in session.scalars(select(CustomerStatus))}


def _insert(connection: Connection, batch: Batch, result: SeedResult) -> None:
    for table, rows in (
        (Customer.__table__, batch.customers),
        (Contact.__table__, batch.contacts),
        (InvoiceAddress.__table__, batch.invoice_addresses),
        (Issue.__table__, batch.issues),
    ):
        if rows:
            connection.execute(insert(table), rows)
    result.customers += len(batch.customers)
    result.contacts += len(batch.contacts)
    result.invoice_addresses += len(batch.invoice_addresses)
    result.issues += len(batch.issues)


def _drop_taken_codes(connection: Connection, rows: list[dict[str, Any]]) -> int:
    """Appending: a generated code an existing customer already has is left empty."""
    codes = [row["code"].lower() for row in rows if row["code"]]
    column = func.lower(Customer.__table__.c.code)
    taken: set[str] = set()
    for start in range(0, len(codes), 5000):  # below every database's parameter limit
        taken.update(
            connection.scalars(select(column).where(column.in_(codes[start : start + 5000])))
        )
    dropped = 0
    for row in rows:
        if row["code"] and row["code"].lower() in taken:
            row["code"] = None
            row["search_text"] = _without_code(row)
            dropped += 1
    return dropped


def _without_code(row: dict[str, Any]) -> str:
    return build_search_text(row)  # rare: the exact, slower path is fine


@contextmanager
def _fast_bulk_writes(connection: Connection) -> Iterator[None]:
    """SQLite: a big page cache for this connection while it writes, so index pages stay
    in memory instead of being read again and again; restored afterwards."""
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = int(connection.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
    connection.exec_driver_sql("PRAGMA cache_size = -262144")  # KiB: 256 MiB
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {previous}")


def _refresh_planner_statistics(engine: Engine) -> None:
    """PostgreSQL: VACUUM ANALYZE the tables just filled, so the very next requests
    are fast instead of waiting for autovacuum to notice a million new rows.

    ANALYZE gives the planner its statistics (and the overview its estimate of the
    customers). VACUUM sets the visibility map: until a page is marked all-visible,
    an index-only scan still reads the table row by row to check visibility, and a
    deep overview page skips 100,000 index entries that way. VACUUM cannot run in a
    transaction, hence the autocommit connection.

    (SQLite is left alone: its planner uses statistics only once ANALYZE ran at all,
    and the app's queries are tuned without them.)
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(
            "VACUUM (ANALYZE) iris_customer, iris_contact, iris_invoice_address, iris_issue"
        )


def _commit_durably(connection: Connection) -> None:
    """PostgreSQL: this transaction's commit waits for its WAL to be on disk, even where
    ``synchronous_commit`` is off; until then VACUUM may not mark the new rows' pages
    all-visible (see :func:`_refresh_planner_statistics`)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit = on")


def _advance_id_sequence(connection: Connection) -> None:
    """PostgreSQL: customer ids were given explicitly, so move the id sequence past them."""
    if connection.dialect.name != "postgresql":
        return
    connection.execute(
        text(
            "SELECT setval(pg_get_serial_sequence('iris_customer', 'id'), "
            "(SELECT max(id) FROM iris_customer))"
        )
    )
