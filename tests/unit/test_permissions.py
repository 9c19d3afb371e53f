"""The permission table, the portal access levels, the one scoping helper and the throttle."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask_login import AnonymousUserMixin

from iris_admin.extension import db_session
from iris_admin.models import (
    Contact,
    Customer,
    CustomerUser,
    InvoiceAddress,
    Issue,
    IssueReply,
    IssueStatusChange,
    Role,
    User,
)
from iris_admin.permissions import (
    DEFAULT_ACCESS_RIGHTS,
    DEFAULT_ROLE_PERMISSIONS,
    PERMISSIONS,
    access_rights,
    has_permission,
    link_allows,
    portal_links,
    visible,
)
from iris_admin.throttle import LoginThrottle, ThrottleRules
from tests.portal_world import build_world


def user(role: Role, active: bool = True) -> User:
    return User(id=1, email="x@example.com", name="X", role=role.value, active=active)


# -- the role table --------------------------------------------------------------------------
def test_every_role_lists_only_known_permissions():
    for role, granted in DEFAULT_ROLE_PERMISSIONS.items():
        assert granted <= set(PERMISSIONS), role


@pytest.mark.parametrize(
    ("permission", "admin", "staff", "customer"),
    [
        ("admin.access", True, True, False),
        ("customers.view", True, True, False),
        ("customers.edit", True, True, False),
        ("customers.import", True, True, False),
        ("customers.delete", True, False, False),
        ("customers.import_delete", True, False, False),
        ("issues.delete", True, False, False),
        ("users.manage", True, False, False),
        ("settings.manage", True, False, False),
        ("portal.access", False, False, True),
    ],
)
def test_default_split_between_roles(app, permission, admin, staff, customer):
    assert has_permission(permission, user(Role.ADMIN)) is admin
    assert has_permission(permission, user(Role.STAFF)) is staff
    assert has_permission(permission, user(Role.CUSTOMER)) is customer


def test_deactivated_and_anonymous_users_hold_no_permission(app):
    for permission in PERMISSIONS:
        assert not has_permission(permission, user(Role.ADMIN, active=False))
        assert not has_permission(permission, AnonymousUserMixin())


def test_deployment_overrides_the_table_in_config(app):
    app.config["IRIS_PERMISSIONS"] = {
        "staff": ["admin.access", "customers.view", "customers.delete"]
    }
    assert has_permission("customers.delete", user(Role.STAFF))
    assert not has_permission("customers.edit", user(Role.STAFF))
    assert not has_permission("admin.access", user(Role.ADMIN))  # not listed: nothing


def test_access_levels_grant_portal_rights(app):
    assert access_rights() == DEFAULT_ACCESS_RIGHTS
    own, every, manager = (CustomerUser(access=level) for level in ("own", "all", "manager"))
    assert link_allows(own, "issues.own") and not link_allows(own, "issues.all")
    assert link_allows(every, "issues.all") and not link_allows(every, "customer.details")
    assert link_allows(manager, "customer.details")
    assert link_allows(manager, "issues.report_for_colleague")
    assert not link_allows(None, "issues.own")
    assert not link_allows(CustomerUser(access="unknown"), "issues.own")


def test_admin_page_shows_both_tables(admin_client):
    page = admin_client.get("/admin/iris_permissions/").get_data(as_text=True)
    assert 'id="permission-table"' in page and 'id="portal-access-table"' in page
    assert "customers.import_delete" in page and "customer.details" in page


# -- the scoping helper ---------------------------------------------------------------------------
def titles(entity, who) -> set[str]:
    return {row.title for row in db_session().scalars(visible(entity, who))}


def ids(entity, who, **kwargs) -> set[int]:
    return {row.id for row in db_session().scalars(visible(entity, who, **kwargs))}


def test_visible_issues_follow_role_and_access_level(app):
    world = build_world()
    users = world.users
    everything = {"Alpha printer offline", "Alpha invoice question", "Bravo secret project"}
    assert titles(Issue, users["admin"]) == everything
    assert titles(Issue, users["staff"]) == everything
    assert titles(Issue, users["own"]) == {"Alpha printer offline"}
    assert titles(Issue, users["all"]) == {"Alpha printer offline", "Alpha invoice question"}
    assert titles(Issue, users["manager"]) == titles(Issue, users["all"])
    assert titles(Issue, users["bravo"]) == {"Bravo secret project"}
    # Consultant: all at Alpha, own at Bravo (reported nothing there).
    assert titles(Issue, users["consultant"]) == {"Alpha printer offline", "Alpha invoice question"}
    assert titles(Issue, AnonymousUserMixin()) == set()


def test_customer_id_narrows_and_never_widens(app):
    world = build_world()
    assert ids(Issue, world.users["all"], customer_id=world.bravo.id) == set()
    assert ids(Issue, world.users["staff"], customer_id=world.bravo.id) == {world.bravo_issue.id}
    assert ids(Customer, world.users["all"], customer_id=world.bravo.id) == set()


def test_visible_replies_hide_internal_notes_from_customer_users(app):
    world = build_world()
    note, public = world.own_internal_note.id, world.own_public_reply.id
    assert {note, public} <= ids(IssueReply, world.users["staff"])
    own_view = ids(IssueReply, world.users["own"])
    assert public in own_view and note not in own_view
    assert world.colleague_reply.id not in own_view and world.bravo_reply.id not in own_view
    assert world.colleague_reply.id in ids(IssueReply, world.users["all"])


def test_visible_status_history_follows_the_issue(app):
    world = build_world()
    world.bravo_issue.status = "closed"
    db_session().commit()
    assert len(ids(IssueStatusChange, world.users["bravo"])) == 1
    assert ids(IssueStatusChange, world.users["all"]) == set()


def test_visible_customer_data_needs_manager_level(app):
    world = build_world()
    users = world.users
    assert ids(Customer, users["own"]) == {world.alpha.id}
    assert ids(Customer, users["consultant"]) == {world.alpha.id, world.bravo.id}
    for entity in (Contact, InvoiceAddress):
        assert ids(entity, users["own"]) == set()
        assert ids(entity, users["all"]) == set()
        manager_view = ids(entity, users["manager"])
        assert manager_view and all(
            db_session().get(entity, item).customer_id == world.alpha.id for item in manager_view
        )
        assert len(ids(entity, users["staff"])) == 3
    own_links = ids(CustomerUser, users["own"])
    assert own_links == {world.alpha_link.id}  # only its own link
    assert len(ids(CustomerUser, users["manager"])) == 5  # every Alpha colleague


def test_visible_refuses_entities_it_does_not_know(app):
    with pytest.raises(TypeError):
        visible(User, user(Role.ADMIN))


def test_portal_links_are_sorted_by_customer_name(app):
    world = build_world()
    names = [item.customer.name for item in portal_links(world.users["consultant"])]
    assert names == ["Alpha B.V.", "Bravo B.V."]
    assert portal_links(world.users["staff"]) == []


def test_status_history_is_written_outside_requests_too(app):
    world = build_world()
    world.colleague_issue.status = "in_progress"
    db_session().commit()
    world.colleague_issue.status = "in_progress"  # unchanged: no row
    world.colleague_issue.title = "Renamed"
    db_session().commit()
    changes = world.colleague_issue.status_changes
    assert [(c.old_status, c.new_status, c.changed_by_id) for c in changes] == [
        ("open", "in_progress", None)
    ]


# -- the throttle, with a clock the test controls --------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, 0)

    def __call__(self) -> datetime:
        return self.now


def test_throttle_address_window_slides(app):
    clock = Clock()
    rules = ThrottleRules(max_per_account=100, max_per_address=3, window=timedelta(minutes=10))
    throttle = LoginThrottle(db_session(), rules, now=clock)
    for number in range(3):
        clock.now += timedelta(minutes=1)
        assert throttle.retry_after(f"u{number}@x.example", "10.0.0.1") is None
        throttle.record_failure(f"u{number}@x.example", "10.0.0.1")
    # Three failures at 12:01, 12:02, 12:03: paused until the first is 10 minutes old.
    assert throttle.retry_after("anyone@x.example", "10.0.0.1") == 8 * 60
    assert throttle.retry_after("anyone@x.example", "10.0.0.2") is None
    clock.now += timedelta(minutes=8)
    assert throttle.retry_after("anyone@x.example", "10.0.0.1") is None


def test_throttle_slows_an_account_down_without_locking_it(app):
    clock = Clock()
    rules = ThrottleRules(
        max_per_account=3,
        max_per_address=100,
        window=timedelta(minutes=10),
        account_delay=timedelta(minutes=1),
    )
    throttle = LoginThrottle(db_session(), rules, now=clock)
    for _minute in range(3):
        clock.now += timedelta(minutes=1)
        assert throttle.retry_after("A@x.example", "10.0.0.1") is None
        throttle.record_failure("a@x.example ", "10.0.0.1")
    # The failing address waits one minute after the latest failure ...
    assert throttle.retry_after("a@x.example", "10.0.0.1") == 60
    # ... an address that has not failed for the account never waits.
    assert throttle.retry_after("a@x.example", "10.0.0.2") is None
    clock.now += timedelta(minutes=1)
    assert throttle.retry_after("a@x.example", "10.0.0.1") is None
    # Every further failure doubles the delay, up to the window.
    throttle.record_failure("a@x.example", "10.0.0.1")
    assert throttle.retry_after("a@x.example", "10.0.0.1") == 2 * 60
    clock.now += timedelta(minutes=2)
    throttle.record_failure("a@x.example", "10.0.0.3")
    assert throttle.retry_after("a@x.example", "10.0.0.1") == 4 * 60
    for _number in range(6):
        throttle.record_failure("a@x.example", "10.0.0.1")
    assert throttle.retry_after("a@x.example", "10.0.0.1") == 10 * 60
    # A successful log-in from the user's address forgets only that address's failures.
    throttle.forget_account("a@x.example", "10.0.0.3")
    assert throttle.retry_after("a@x.example", "10.0.0.1") == 10 * 60


def test_throttle_prunes_old_failures(app):
    clock = Clock()
    rules = ThrottleRules(max_per_account=3, max_per_address=3, window=timedelta(minutes=10))
    throttle = LoginThrottle(db_session(), rules, now=clock)
    throttle.record_failure("old@x.example", "10.0.0.1")
    clock.now += timedelta(hours=1)
    throttle.record_failure("new@x.example", "10.0.0.1")
    db_session().flush()
    from iris_admin.models import LoginFailure

    emails = [row.email for row in db_session().query(LoginFailure)]
    assert emails == ["new@x.example"]
