"""Demo data: customers of both kinds with contacts, addresses, users and issues."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .customers import ensure_builtin_statuses
from .models import (
    AccessLevel,
    Contact,
    Customer,
    CustomerStatus,
    CustomerUser,
    InvoiceAddress,
    Issue,
    IssuePriority,
    IssueStatus,
    Role,
    User,
)

DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_ADMIN_PASSWORD = "iris-demo-admin"
DEMO_STAFF_EMAIL = "staff@example.com"
DEMO_CUSTOMER_USER_EMAIL = "customer@example.com"
DEMO_PASSWORD = "iris-demo-user"

FIRST_NAMES = [
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
]
LAST_NAMES = [
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
]
COMPANY_WORDS = [
    "Noord",
    "Delta",
    "Polder",
    "Tulip",
    "Harbour",
    "Dune",
    "Windmill",
    "Canal",
    "Orange",
    "Lighthouse",
    "Meadow",
    "Bridge",
    "Anchor",
    "Clover",
    "Falcon",
    "Maple",
]
COMPANY_KINDS = [
    "Logistics",
    "Bakery",
    "Consultancy",
    "Installations",
    "Travel",
    "Dental",
    "Media",
    "Garage",
    "Architects",
    "Foods",
    "Software",
    "Cleaning",
]
LEGAL_FORMS = ["B.V.", "BV", "V.O.F.", "& Zn.", ""]
STREETS = [
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
]
# (city, first digits of its postal codes, its telephone area code)
CITIES = [
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
]
FUNCTIONS = ["Director", "Office manager", "Accountant", "IT contact", "Planner", "Owner"]
ISSUE_TITLES = [
    "Invoice not received",
    "Cannot log in",
    "Booking needs to be moved",
    "Change of address",
    "Question about the contract",
    "Printer offline",
    "Request for a quote",
    "Wrong amount on invoice",
    "Delivery delayed",
]


@dataclass
class DemoSummary:
    created: bool
    customers: int


def _phone(rng: random.Random, area: str) -> str:
    return f"+31 {area} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"


def _mobile(rng: random.Random) -> str:
    return f"+31 6 {rng.randint(10000000, 59999999)}"


def _address(rng: random.Random) -> tuple[str, str, str]:
    city, prefix, _area = rng.choice(CITIES)
    letters = "ABCDEGHJKLMNPRSTVWXZ"
    postal = f"{prefix}{rng.randint(10, 99)} {rng.choice(letters)}{rng.choice(letters)}"
    return f"{rng.choice(STREETS)} {rng.randint(1, 250)}", postal, city


def add_demo_data(session: Session, customers: int = 200, seed: int = 7) -> DemoSummary:
    """Fill an empty database; a database that has customers is left alone."""
    ensure_builtin_statuses(session)
    if session.scalar(select(func.count()).select_from(Customer)):
        _ensure_demo_admin(session)
        session.commit()
        return DemoSummary(created=False, customers=0)

    rng = random.Random(seed)
    statuses = {s.name: s for s in session.scalars(select(CustomerStatus))}
    _ensure_demo_admin(session)
    staff = User(name="Sam Staff", email=DEMO_STAFF_EMAIL, role=Role.STAFF.value)
    staff.set_password(DEMO_PASSWORD)
    portal_user = User(
        name="Cees Customer", email=DEMO_CUSTOMER_USER_EMAIL, role=Role.CUSTOMER.value
    )
    portal_user.set_password(DEMO_PASSWORD)
    session.add_all([staff, portal_user])

    created: list[Customer] = []
    for number in range(1, customers + 1):
        street, postal, city = _address(rng)
        area = next(area for name, _prefix, area in CITIES if name == city)
        is_business = number % 3 != 0
        if is_business:
            words = (rng.choice(COMPANY_WORDS), rng.choice(COMPANY_KINDS), rng.choice(LEGAL_FORMS))
            name = " ".join(words).strip()
            first = last = None
            email = f"info@{name.split()[0].lower()}{number}.example"
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = f"{first} {last}"
            email = f"{first.lower()}.{last.replace(' ', '').lower()}{number}@mail.example"
        customer = Customer(
            is_business=is_business,
            name=name,
            first_name=first,
            last_name=last,
            code=f"C{number:05d}" if number % 10 else None,
            street=street,
            postal_code=postal,
            city=city,
            country="NL",
            email=email,
            telephone=_phone(rng, area),
            mobile=_mobile(rng) if rng.random() < 0.6 else None,
            status=statuses["Inactive"] if number % 17 == 0 else statuses["Active"],
        )
        if is_business:
            for _ in range(rng.randint(1, 3)):
                contact_first, contact_last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                customer.contacts.append(
                    Contact(
                        name=f"{contact_first} {contact_last}",
                        function=rng.choice(FUNCTIONS),
                        email=f"{contact_first.lower()}@{email.split('@')[1]}",
                        telephone=_phone(rng, area),
                        mobile=_mobile(rng),
                    )
                )
            customer.invoice_addresses.append(
                InvoiceAddress(
                    attention="Accounts payable",
                    street=street,
                    postal_code=postal,
                    city=city,
                    country="NL",
                    invoice_email=f"invoices@{email.split('@')[1]}",
                    is_default=True,
                )
            )
        created.append(customer)
    session.add_all(created)
    session.flush()

    # Some customers are billed through another (a branch through its head office).
    for customer in created[5::25]:
        customer.default_payer = created[0]

    session.add(CustomerUser(customer=created[0], user=portal_user, access=AccessLevel.ALL.value))
    for index, customer in enumerate(created[:60]):
        for _ in range(rng.randint(0, 3)):
            session.add(
                Issue(
                    title=rng.choice(ISSUE_TITLES),
                    description="Reported by phone.",
                    status=rng.choice(list(IssueStatus)).value,
                    priority=rng.choice(list(IssuePriority)).value,
                    customer=customer,
                    reporter=portal_user if index == 0 else staff,
                )
            )
    session.commit()
    return DemoSummary(created=True, customers=len(created))


def _ensure_demo_admin(session: Session) -> User:
    admin = session.scalar(select(User).where(User.email == DEMO_ADMIN_EMAIL))
    if admin is None:
        admin = User(name="Demo Admin", email=DEMO_ADMIN_EMAIL, role=Role.ADMIN.value)
        admin.set_password(DEMO_ADMIN_PASSWORD)
        session.add(admin)
        session.flush()
    return admin
