"""Two customers with users of every access level, issues, replies and internal notes.

Shared by the permission matrix, the portal and the isolation tests. Built
through the real models and session; every id the tests need is on ``World``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g

from iris_admin.extension import db_session
from iris_admin.models import (
    AccessLevel,
    Contact,
    Customer,
    CustomerUser,
    InvoiceAddress,
    Issue,
    IssueReply,
    Role,
    User,
)
from tests.conftest import PASSWORD, Client
from tests.factories import make_customer
from tests.passwords import password_hash

ACTORS = ("anonymous", "own", "all", "manager", "staff", "admin")

EMAILS = {
    "own": "own@alpha.example",
    "all": "all@alpha.example",
    "manager": "manager@alpha.example",
    "staff": "staff@desk.example",
    "admin": "admin@desk.example",
    "bravo": "user@bravo.example",
    "consultant": "consultant@both.example",
    "leaver": "leaver@alpha.example",
}


@dataclass
class World:
    alpha: Customer
    bravo: Customer
    users: dict[str, User]
    # Alpha: reported by the own-level user, with a public reply and an internal note.
    own_issue: Issue
    own_public_reply: IssueReply
    own_internal_note: IssueReply
    # Alpha: reported by the all-level user (a colleague of the own-level user).
    colleague_issue: Issue
    colleague_reply: IssueReply
    # Bravo: another customer's issue and reply.
    bravo_issue: Issue
    bravo_reply: IssueReply
    alpha_contact: Contact
    bravo_contact: Contact
    alpha_address: InvoiceAddress
    bravo_address: InvoiceAddress
    alpha_link: CustomerUser
    # Objects that exist only to be deleted by the matrix (so deleting them hurts nothing).
    victim_customer: Customer
    victim_contact: Contact
    victim_address: InvoiceAddress
    victim_link: CustomerUser

    def ids(self) -> dict[str, int]:
        """Placeholders of the matrix URLs."""
        return {
            "customer": self.alpha.id,
            "contact": self.alpha_contact.id,
            "address": self.alpha_address.id,
            "link": self.alpha_link.id,
            "issue": self.own_issue.id,
            "reply": self.own_public_reply.id,
            "user": self.users["own"].id,
            "victim_customer": self.victim_customer.id,
            "victim_contact": self.victim_contact.id,
            "victim_address": self.victim_address.id,
            "victim_link": self.victim_link.id,
        }


def world_user(email: str, role: str, name: str, *, commit: bool = True) -> User:
    user = User(email=email, name=name, role=role, active=True, password_hash=password_hash())
    db_session().add(user)
    if commit:
        db_session().commit()
    return user


def link(
    user: User, customer: Customer, access: AccessLevel, *, commit: bool = True
) -> CustomerUser:
    item = CustomerUser(user=user, customer=customer, access=access.value)
    db_session().add(item)
    if commit:
        db_session().commit()
    return item


def reply(issue: Issue, author: User, body: str, internal: bool = False) -> IssueReply:
    item = IssueReply(issue=issue, author=author, body=body, is_internal=internal)
    db_session().add(item)
    return item


def build_world() -> World:
    """Everything in one transaction (each SQLite commit costs a disk sync)."""
    session = db_session()
    people = {
        "own": (Role.CUSTOMER, "Olga Own"),
        "all": (Role.CUSTOMER, "Alex All"),
        "manager": (Role.CUSTOMER, "Mia Manager"),
        "staff": (Role.STAFF, "Sam Staff"),
        "admin": (Role.ADMIN, "Ada Admin"),
        "bravo": (Role.CUSTOMER, "Bo Bravo"),
        "consultant": (Role.CUSTOMER, "Cas Consultant"),
        "leaver": (Role.CUSTOMER, "Lee Leaver"),
    }
    users = {
        key: world_user(EMAILS[key], role.value, name, commit=False)
        for key, (role, name) in people.items()
    }
    alpha = make_customer("Alpha B.V.", code="ALPHA", commit=False)
    bravo = make_customer("Bravo B.V.", code="BRAVO", commit=False)
    victim = make_customer("Victim B.V.", code="VICTIM", commit=False)

    alpha_link = link(users["own"], alpha, AccessLevel.OWN, commit=False)
    link(users["all"], alpha, AccessLevel.ALL, commit=False)
    link(users["manager"], alpha, AccessLevel.MANAGER, commit=False)
    link(users["bravo"], bravo, AccessLevel.ALL, commit=False)
    link(users["consultant"], alpha, AccessLevel.ALL, commit=False)
    link(users["consultant"], bravo, AccessLevel.OWN, commit=False)
    victim_link = link(users["leaver"], alpha, AccessLevel.OWN, commit=False)

    own_issue = Issue(
        customer=alpha,
        title="Alpha printer offline",
        reporter=users["own"],
        description="The printer on floor 2 is offline.",
    )
    colleague_issue = Issue(
        customer=alpha,
        title="Alpha invoice question",
        reporter=users["all"],
        description="Why is invoice 12 higher?",
    )
    bravo_issue = Issue(
        customer=bravo,
        title="Bravo secret project",
        reporter=users["bravo"],
        description="Bravo's confidential plans.",
    )
    session.add_all([own_issue, colleague_issue, bravo_issue])

    contacts = {}
    addresses = {}
    for key, customer in (("alpha", alpha), ("bravo", bravo), ("victim", alpha)):
        contact = Contact(
            customer=customer, name=f"{key.title()} Contact", email=f"c@{key}.example"
        )
        address = InvoiceAddress(
            customer=customer,
            street=f"{key.title()}straat 1",
            city="Utrecht",
            is_default=key != "victim",
        )
        session.add_all([contact, address])
        contacts[key], addresses[key] = contact, address

    world = World(
        alpha=alpha,
        bravo=bravo,
        users=users,
        own_issue=own_issue,
        own_public_reply=reply(own_issue, users["staff"], "We are sending a technician."),
        own_internal_note=reply(
            own_issue, users["staff"], "INTERNAL: customer is late paying", internal=True
        ),
        colleague_issue=colleague_issue,
        colleague_reply=reply(colleague_issue, users["all"], "Any news on invoice 12?"),
        bravo_issue=bravo_issue,
        bravo_reply=reply(bravo_issue, users["bravo"], "Bravo's confidential reply."),
        alpha_contact=contacts["alpha"],
        bravo_contact=contacts["bravo"],
        alpha_address=addresses["alpha"],
        bravo_address=addresses["bravo"],
        alpha_link=alpha_link,
        victim_customer=victim,
        victim_contact=contacts["victim"],
        victim_address=addresses["victim"],
        victim_link=victim_link,
    )
    session.commit()
    return world


class BrowserLikeClient(Client):
    """A Client that forgets every per-request cache in ``g`` before each request.

    pytest-flask keeps one app context (and so one ``g``) for the whole test;
    Flask-WTF caches the signed CSRF token, Flask-Login the user and Flask-Babel the
    locale in ``g``, so a second client in the same test would be handed the first
    client's token, user and language (even while logging in). Each request here
    starts clean, as in production.
    """

    def refresh_token(self, url: str = "/login") -> str:
        _forget()
        return super().refresh_token(url)

    def login(self, email: str, password: str = PASSWORD):
        _forget()
        return super().login(email, password)

    def get(self, url: str, **kwargs):
        _forget()
        return super().get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kwargs):
        _forget()
        return super().post(url, data, csrf, **kwargs)


def _forget() -> None:
    g.pop("csrf_token", None)
    g.pop("_login_user", None)
    g.pop("_flask_babel", None)  # the locale chosen for the previous request


def client_for(app, actor: str) -> Client:
    """A logged-in client for ``actor`` (an ACTORS name or a World.users key)."""
    client = BrowserLikeClient(app.test_client())
    if actor == "anonymous":
        client.refresh_token("/login")
        return client
    response = client.login(EMAILS[actor])
    assert response.status_code == 302, f"{actor} could not log in"
    return client
