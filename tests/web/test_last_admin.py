"""The last active administrator cannot be demoted, deactivated or deleted."""

from __future__ import annotations

import pytest

from iris_admin.extension import db_session
from iris_admin.models import Role, User
from tests.conftest import make_user

MESSAGE = "is the last active administrator and must stay one"


def edit(client, user: User, **changes):
    data = {"name": user.name, "email": user.email, "role": user.role, "active": "y"}
    data.update(changes)
    data = {key: value for key, value in data.items() if value is not None}
    client.refresh_token(f"/admin/user/edit/?id={user.id}")
    return client.post(f"/admin/user/edit/?id={user.id}", data, follow_redirects=True)


def stored(user_id: int) -> User:
    db_session().expire_all()
    return db_session().get(User, user_id)


@pytest.mark.parametrize(
    "changes", [{"role": Role.STAFF.value}, {"role": Role.CUSTOMER.value}, {"active": None}]
)
def test_the_last_admin_is_neither_demoted_nor_deactivated(admin_client, admin_user, changes):
    response = edit(admin_client, admin_user, **changes)
    assert MESSAGE in response.get_data(as_text=True)
    user = stored(admin_user.id)
    assert (user.role, user.active) == (Role.ADMIN.value, True)


def test_the_last_admin_is_not_deleted(admin_client, admin_user):
    response = admin_client.post(
        "/admin/user/delete/", {"id": str(admin_user.id)}, follow_redirects=True
    )
    assert MESSAGE in response.get_data(as_text=True)
    assert stored(admin_user.id) is not None


def test_with_another_active_admin_the_change_is_allowed(admin_client, admin_user):
    other = make_user("second-admin@test.example", Role.ADMIN.value)
    inactive = make_user("retired-admin@test.example", Role.ADMIN.value, active=False)
    assert MESSAGE not in edit(admin_client, other, role=Role.STAFF.value).get_data(as_text=True)
    assert stored(other.id).role == Role.STAFF.value
    # An inactive admin does not count: the remaining one stays.
    assert inactive.active is False
    assert MESSAGE in edit(admin_client, admin_user, active=None).get_data(as_text=True)
