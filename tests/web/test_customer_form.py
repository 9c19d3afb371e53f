"""Creating and editing customers through the admin form (server side, CSRF on)."""

from sqlalchemy import select

from iris_admin.extension import db_session
from iris_admin.models import Customer
from tests.factories import make_customer


def business(**values):
    data = {
        "is_business": "y",
        "name": "Delta Logistics B.V.",
        "code": "",
        "street": "Kade 1",
        "postal_code": "1011 AB",
        "city": "Amsterdam",
        "country": "NL",
        "email": "info@delta.example",
        "telephone": "020 1234567",
        "mobile": "",
    }
    data.update(values)
    return data


def person(**values):
    data = {
        "first_name": "Anna",
        "last_name": "de Vries",
        "name": "",
        "code": "",
        "email": "",
        "telephone": "",
        "mobile": "06 12345678",
        "country": "",
    }
    data.update(values)
    return data


def customers():
    return db_session().scalars(select(Customer).order_by(Customer.id)).all()


def test_create_business_customer(admin_client):
    response = admin_client.post("/admin/customer/new/", business(code=" C-100 "))
    assert response.status_code == 302, response.get_data(as_text=True)
    [customer] = customers()
    assert customer.is_business and customer.name == "Delta Logistics B.V."
    assert customer.code == "C-100"
    assert customer.telephone == "+31 20 123 4567"
    assert customer.status.name == "Active"


def test_create_person_builds_the_name(admin_client):
    response = admin_client.post("/admin/customer/new/", person())
    assert response.status_code == 302
    [customer] = customers()
    assert not customer.is_business
    assert customer.name == "Anna de Vries"
    assert customer.mobile == "+31 6 12345678"


def test_person_needs_first_and_last_name(admin_client):
    response = admin_client.post("/admin/customer/new/", person(last_name=""))
    assert response.status_code == 200
    assert "A person needs a first and a last name." in response.get_data(as_text=True)
    assert customers() == []


def test_business_needs_company_name(admin_client):
    response = admin_client.post("/admin/customer/new/", business(name=" "))
    assert "A business customer needs a company name." in response.get_data(as_text=True)
    assert customers() == []


def test_duplicate_code_ignoring_case_and_spaces_is_a_field_error(admin_client):
    make_customer("First", code="ABC-1")
    response = admin_client.post("/admin/customer/new/", business(code="  abc-1 "))
    assert response.status_code == 200
    assert "Another customer already has the code abc-1." in response.get_data(as_text=True)
    assert len(customers()) == 1


def test_database_refuses_duplicate_code_even_past_the_form(app):
    import pytest
    from sqlalchemy.exc import IntegrityError

    make_customer("First", code="ABC-1")
    with pytest.raises(IntegrityError):
        make_customer("Second", code="abc-1")
    db_session().rollback()


def test_empty_codes_are_not_duplicates(admin_client):
    assert admin_client.post("/admin/customer/new/", business(code="")).status_code == 302
    assert (
        admin_client.post("/admin/customer/new/", business(code=" ", name="Other")).status_code
        == 302
    )
    assert [c.code for c in customers()] == [None, None]


def test_editing_keeps_own_code(admin_client):
    customer = make_customer("Keep", code="K1")
    response = admin_client.post(
        f"/admin/customer/edit/?id={customer.id}", business(name="Keep", code="k1")
    )
    assert response.status_code == 302
    db_session().refresh(customer)
    assert customer.code == "k1"


def test_bad_email_and_phone_get_clear_messages(admin_client):
    response = admin_client.post(
        "/admin/customer/new/", business(email="info@", telephone="12", mobile="call me")
    )
    page = response.get_data(as_text=True)
    assert "Not a valid e-mail address" in page
    assert "Not a valid phone number: 12." in page
    assert "Not a valid phone number: call me." in page
    assert customers() == []


def test_default_payer_is_another_customer(admin_client):
    payer = make_customer("Head Office", code="HQ")
    response = admin_client.post(
        "/admin/customer/new/", business(name="Branch", default_payer=str(payer.id))
    )
    assert response.status_code == 302
    branch = db_session().scalar(select(Customer).where(Customer.name == "Branch"))
    assert branch.default_payer_id == payer.id


def test_customer_cannot_be_its_own_payer(admin_client):
    customer = make_customer("Self", code="S")
    response = admin_client.post(
        f"/admin/customer/edit/?id={customer.id}",
        business(name="Self", code="S", default_payer=str(customer.id)),
    )
    assert "Leave Default payer empty when the customer pays itself." in response.get_data(
        as_text=True
    )


def test_default_payer_picker_searches_instead_of_listing_everyone(admin_client):
    for number in range(30):
        make_customer(f"Filler {number}", commit=False)
    make_customer("Zebra Travel", code="ZT")
    form = admin_client.get("/admin/customer/new/").get_data(as_text=True)
    assert 'data-role="select2-ajax"' in form
    assert "Filler 12" not in form
    found = admin_client.get(
        "/admin/customer/ajax/lookup/?name=default_payer&query=zebra"
    ).get_json()
    assert [label for _, label in found] == ["Zebra Travel (ZT)"]


def test_edit_form_carries_contacts_and_addresses_inline(admin_client):
    customer = make_customer("Inline Co", code="IN")
    page = admin_client.get(f"/admin/customer/edit/?id={customer.id}").get_data(as_text=True)
    assert 'id="contacts"' in page or "contacts-" in page
    assert "invoice_addresses" in page
    data = business(name="Inline Co", code="IN")
    data.update(
        {
            "contacts-0-name": "Piet Inline",
            "contacts-0-email": "piet@inline.example",
            "invoice_addresses-0-street": "Laan 2",
            "invoice_addresses-0-city": "Utrecht",
        }
    )
    response = admin_client.post(f"/admin/customer/edit/?id={customer.id}", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db_session().refresh(customer)
    assert [c.name for c in customer.contacts] == ["Piet Inline"]
    assert [(a.street, a.is_default) for a in customer.invoice_addresses] == [("Laan 2", True)]


def test_create_without_csrf_token_changes_nothing(admin_client):
    response = admin_client.post("/admin/customer/new/", business(), csrf=False)
    assert response.status_code == 400
    assert customers() == []


def test_staff_may_create_but_not_delete(staff_client):
    assert staff_client.post("/admin/customer/new/", business()).status_code == 302
    [customer] = customers()
    response = staff_client.post(f"/admin/customer/{customer.id}/delete")
    assert response.status_code == 403
    response = staff_client.post("/admin/customer/delete/", {"id": str(customer.id)})
    assert len(customers()) == 1
