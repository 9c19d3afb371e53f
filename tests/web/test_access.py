"""Who gets into /admin: only logged-in, active staff and admins."""

from tests.conftest import make_user


def test_anonymous_is_sent_to_login(anonymous):
    response = anonymous.get("/admin/customer/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_anonymous_gets_no_admin_page_anywhere(anonymous):
    for url in (
        "/admin/",
        "/admin/customer/",
        "/admin/customer/new/",
        "/admin/issue/",
        "/admin/user/",
        "/admin/customer/details/?id=1",
        "/admin/customer/ajax/lookup/?name=accounts&query=a",
    ):
        assert anonymous.get(url).status_code == 302, url


def test_customer_user_gets_403_page_not_admin(customer_client):
    response = customer_client.get("/admin/customer/")
    assert response.status_code == 403
    assert "No access" in response.get_data(as_text=True)
    assert (
        customer_client.get("/admin/customer/ajax/lookup/?name=accounts&query=a").status_code == 403
    )


def test_staff_sees_customers_but_not_users(staff_client):
    assert staff_client.get("/admin/customer/").status_code == 200
    assert staff_client.get("/admin/user/").status_code == 403


def test_admin_sees_users_and_permission_table(admin_client):
    assert admin_client.get("/admin/user/").status_code == 200
    page = admin_client.get("/admin/iris_permissions/").get_data(as_text=True)
    assert "customers.delete" in page


def test_wrong_password_is_refused_with_a_message(anonymous, admin_user):
    response = anonymous.login(admin_user.email, "not the password")
    assert response.status_code == 200
    assert "Wrong e-mail address or password." in response.get_data(as_text=True)
    assert anonymous.get("/admin/customer/").status_code == 302


def test_deactivated_user_loses_access_at_next_request(app, staff_client, staff_user):
    from iris_admin.extension import db_session

    assert staff_client.get("/admin/customer/").status_code == 200
    staff_user.active = False
    db_session().commit()
    assert staff_client.get("/admin/customer/").status_code == 302


def test_login_redirect_stays_on_site(anonymous, admin_user):
    anonymous.refresh_token("/login")
    response = anonymous.http.post(
        "/login?next=https://evil.example/",
        data={
            "email": admin_user.email,
            "password": "correct horse battery",
            "csrf_token": anonymous.token,
        },
    )
    assert response.headers["Location"] == "/admin/"


def test_login_without_csrf_token_is_refused(anonymous, admin_user):
    response = anonymous.http.post(
        "/login", data={"email": admin_user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert anonymous.get("/admin/customer/").status_code == 302


def test_passwords_are_stored_hashed(app):
    user = make_user("hash@test.example", "staff")
    assert user.password_hash.startswith("scrypt:")
    assert "correct horse battery" not in user.password_hash
