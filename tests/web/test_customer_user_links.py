"""The customer-user pop-up links customer accounts only: the lookup offers no staff or
admin accounts (nor their e-mail addresses) and the server refuses to link one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from iris_admin.extension import db_session
from iris_admin.models import CustomerUser, Role
from tests.conftest import make_user
from tests.factories import make_customer


def test_account_lookup_offers_only_customer_accounts(staff_client, admin_user, staff_user):
    customer_account = make_user("carla@acme.example", Role.CUSTOMER.value, "Carla Customer")
    found = staff_client.get("/admin/customer/ajax/lookup/?name=accounts&query=&limit=50")
    assert found.status_code == 200
    assert found.get_json() == [[customer_account.id, str(customer_account)]]
    page = found.get_data(as_text=True)
    assert admin_user.email not in page and staff_user.email not in page
    by_email = staff_client.get("/admin/customer/ajax/lookup/?name=accounts&query=admin@")
    assert by_email.get_json() == []


@pytest.mark.parametrize("role", [Role.ADMIN.value, Role.STAFF.value])
def test_linking_a_staff_or_admin_account_is_refused(staff_client, role):
    customer = make_customer()
    account = make_user(f"{role}-two@desk.example", role)
    response = staff_client.post(
        f"/admin/customer/{customer.id}/users/new",
        {"user-new-account": str(account.id), "user-new-access": "manager"},
    )
    assert "only customer accounts are linked to customers" in response.get_data(as_text=True)
    assert db_session().scalar(select(func.count()).select_from(CustomerUser)) == 0
