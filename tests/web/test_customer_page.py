"""The customer page: its blocks, pop-up forms and the guarded delete."""

from sqlalchemy import func, select

from iris_admin.extension import db_session
from iris_admin.models import Contact, Customer, CustomerUser, InvoiceAddress, Issue
from tests.conftest import make_user
from tests.factories import make_customer, make_issue


def count(model):
    return db_session().scalar(select(func.count()).select_from(model))


def test_page_shows_info_blocks_and_buttons(admin_client):
    customer = make_customer("Polder Travel", code="PT-1", city="Leiden")
    page = admin_client.get(f"/admin/customer/details/?id={customer.id}").get_data(as_text=True)
    for text in (
        "Polder Travel",
        "PT-1",
        "Leiden",
        "Contacts",
        "Invoice addresses",
        "Customer users",
        "View customer issues",
        'id="edit-customer"',
        'id="delete-customer"',
    ):
        assert text in page


def test_add_edit_delete_contact(admin_client):
    customer = make_customer()
    response = admin_client.post(
        f"/admin/customer/{customer.id}/contacts/new",
        {
            "contact-new-name": "Bram Bakker",
            "contact-new-function": "Planner",
            "contact-new-email": "bram@acme.example",
            "contact-new-telephone": "",
            "contact-new-mobile": "0612345678",
        },
    )
    assert response.status_code == 302
    contact = db_session().scalar(select(Contact))
    assert (contact.name, contact.mobile) == ("Bram Bakker", "+31 6 12345678")

    prefix = f"contact-{contact.id}-"
    response = admin_client.post(
        f"/admin/customer/contacts/{contact.id}/edit",
        {
            prefix + "name": "Bram Bakker",
            prefix + "function": "Director",
            prefix + "email": "",
            prefix + "telephone": "",
            prefix + "mobile": "",
        },
    )
    assert response.status_code == 302
    db_session().refresh(contact)
    assert contact.function == "Director" and contact.email is None

    assert admin_client.post(f"/admin/customer/contacts/{contact.id}/delete").status_code == 302
    assert count(Contact) == 0


def test_invalid_contact_reopens_the_popup_with_errors_and_saves_nothing(admin_client):
    customer = make_customer()
    response = admin_client.post(
        f"/admin/customer/{customer.id}/contacts/new",
        {"contact-new-name": "", "contact-new-email": "nope"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'data-modal="#modal-contact-new"' in page
    assert "Not a valid e-mail address" in page
    assert count(Contact) == 0


def test_exactly_one_default_invoice_address(admin_client):
    customer = make_customer()

    def add(street, default=False):
        data = {
            "address-new-street": street,
            "address-new-city": "Utrecht",
            "address-new-country": "NL",
        }
        if default:
            data["address-new-is_default"] = "y"
        assert (
            admin_client.post(
                f"/admin/customer/{customer.id}/invoice-addresses/new", data
            ).status_code
            == 302
        )

    add("First 1")
    add("Second 2")
    add("Third 3", default=True)
    defaults = {a.street: a.is_default for a in db_session().scalars(select(InvoiceAddress))}
    assert defaults == {"First 1": False, "Second 2": False, "Third 3": True}

    third = db_session().scalar(select(InvoiceAddress).where(InvoiceAddress.street == "Third 3"))
    assert (
        admin_client.post(f"/admin/customer/invoice-addresses/{third.id}/delete").status_code == 302
    )
    db_session().expire_all()
    addresses = db_session().scalars(select(InvoiceAddress).order_by(InvoiceAddress.id))
    assert [a.is_default for a in addresses] == [True, False]


def test_link_user_change_role_and_remove(admin_client):
    customer = make_customer()
    account = make_user("linda@acme.example", "customer", "Linda Link")
    found = admin_client.get("/admin/customer/ajax/lookup/?name=accounts&query=linda").get_json()
    assert found == [[account.id, "Linda Link <linda@acme.example>"]]

    response = admin_client.post(
        f"/admin/customer/{customer.id}/users/new",
        {"user-new-account": str(account.id), "user-new-access": "all"},
    )
    assert response.status_code == 302
    link = db_session().scalar(select(CustomerUser))
    assert (link.user_id, link.access) == (account.id, "all")

    again = admin_client.post(
        f"/admin/customer/{customer.id}/users/new",
        {"user-new-account": str(account.id), "user-new-access": "own"},
    )
    assert "already linked" in again.get_data(as_text=True)
    assert count(CustomerUser) == 1

    assert (
        admin_client.post(
            f"/admin/customer/users/{link.id}/edit", {f"user-{link.id}-access": "manager"}
        ).status_code
        == 302
    )
    db_session().refresh(link)
    assert link.access == "manager"

    assert admin_client.post(f"/admin/customer/users/{link.id}/delete").status_code == 302
    assert count(CustomerUser) == 0
    assert account.id in [u.id for u in db_session().scalars(select(type(account)))]


def test_linking_requires_an_existing_account(admin_client):
    customer = make_customer()
    response = admin_client.post(
        f"/admin/customer/{customer.id}/users/new",
        {"user-new-account": "99999", "user-new-access": "all"},
    )
    assert "Pick an existing user account." in response.get_data(as_text=True)
    assert count(CustomerUser) == 0


def test_delete_is_refused_while_customer_has_issues(admin_client):
    customer = make_customer("Busy B.V.")
    make_issue(customer)
    response = admin_client.post(f"/admin/customer/{customer.id}/delete", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Busy B.V. cannot be deleted: it still has 1 issue(s)" in page
    assert count(Customer) == 1 and count(Issue) == 1


def test_delete_is_refused_while_customer_pays_for_others(admin_client):
    payer = make_customer("Head Office")
    make_customer("Branch", default_payer=payer)
    response = admin_client.post(f"/admin/customer/{payer.id}/delete", follow_redirects=True)
    assert "it is the default payer of 1 other customer(s)" in response.get_data(as_text=True)
    assert count(Customer) == 2


def test_flask_admin_delete_and_bulk_action_follow_the_same_rule(admin_client):
    customer = make_customer("Busy B.V.")
    make_issue(customer)
    admin_client.post(
        "/admin/customer/delete/", {"id": str(customer.id), "url": "/admin/customer/"}
    )
    admin_client.post("/admin/customer/action/", {"action": "delete", "rowid": str(customer.id)})
    assert count(Customer) == 1


def test_confirmation_names_what_goes_with_the_customer(admin_client):
    customer = make_customer("Full Co")
    customer.contacts.append(Contact(name="A"))
    customer.invoice_addresses.append(InvoiceAddress(street="S", city="C", is_default=True))
    db_session().commit()
    page = admin_client.get(f"/admin/customer/details/?id={customer.id}").get_data(as_text=True)
    assert "This also removes:" in page
    assert "1 contact(s)" in page and "1 invoice address(es)" in page


def test_confirmation_names_the_message_log_that_goes_with_the_customer(admin_client):
    from iris_admin.messaging.outbox import Recipient, queue_email

    customer = make_customer("Mailed Co", email="info@mailed.example")
    queue_email(
        db_session(),
        customer=customer,
        recipients=[Recipient("info@mailed.example")],
        subject="Hello",
        body="Hi",
    )
    db_session().commit()
    page = admin_client.get(f"/admin/customer/details/?id={customer.id}").get_data(as_text=True)
    assert "the log of 1 message(s) sent or scheduled" in page


def test_delete_removes_customer_with_its_contacts(admin_client):
    customer = make_customer("Gone Co")
    customer.contacts.append(Contact(name="A"))
    db_session().commit()
    response = admin_client.post(f"/admin/customer/{customer.id}/delete")
    assert response.headers["Location"] == "/admin/customer/"
    assert count(Customer) == 0 and count(Contact) == 0


def test_popups_refuse_posts_without_csrf(admin_client):
    customer = make_customer()
    response = admin_client.post(
        f"/admin/customer/{customer.id}/contacts/new", {"contact-new-name": "X"}, csrf=False
    )
    assert response.status_code == 400
    assert admin_client.post(f"/admin/customer/{customer.id}/delete", csrf=False).status_code == 400
    assert count(Contact) == 0 and count(Customer) == 1


def test_unknown_ids_give_404(admin_client):
    assert admin_client.post("/admin/customer/contacts/424242/edit", {}).status_code == 404
    assert admin_client.post("/admin/customer/424242/contacts/new", {}).status_code == 404


def test_view_customer_issues_lists_only_that_customer(admin_client):
    mine, other = make_customer("Mine"), make_customer("Other")
    make_issue(mine, "Mine broken")
    make_issue(other, "Other broken")
    page = admin_client.get(f"/admin/customer/details/?id={mine.id}").get_data(as_text=True)
    import re

    url = re.search(r'id="view-customer-issues"[^>]*href="([^"]+)"', page) or re.search(
        r'href="([^"]+)"[^>]*id="view-customer-issues"', page
    )
    issues_page = admin_client.get(url.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Mine broken" in issues_page and "Other broken" not in issues_page
    assert "Issues of customer Mine" in issues_page
