"""Every account's profile: staff in the admin, customer users in the portal.

Name, language and password (the current one required); a password change ends
the account's other sessions and keeps this one; bad input changes nothing.
"""

from __future__ import annotations

import pytest

from iris_admin.extension import db_session
from iris_admin.models import User
from tests.conftest import PASSWORD
from tests.portal_world import EMAILS, BrowserLikeClient, build_world, client_for

NEW_PASSWORD = "a brand new long password"
PAGES = {"staff": "/admin/profile/", "admin": "/admin/profile/", "own": "/portal/profile"}


def password_url(actor: str) -> str:
    return PAGES[actor].rstrip("/") + "/password"


def account(actor: str) -> User:
    db_session().expire_all()
    user = db_session().query(User).filter_by(email=EMAILS[actor]).one()
    return user


@pytest.mark.parametrize("actor", ["staff", "admin", "own"])
def test_every_account_changes_its_password_with_the_current_one(app, actor):
    build_world()
    client = client_for(app, actor)
    other_device = client_for(app, actor)
    client.refresh_token(PAGES[actor])
    response = client.post(
        password_url(actor),
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert "Your password was changed." in client.get(PAGES[actor]).get_data(as_text=True)
    assert account(actor).check_password(NEW_PASSWORD)
    # The other device's session ended; this browser's goes on.
    assert other_device.get(PAGES[actor]).status_code == 302
    fresh = BrowserLikeClient(app.test_client())
    assert fresh.login(EMAILS[actor], NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("actor", ["staff", "own"])
@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"current_password": "not it at all", "new_password": NEW_PASSWORD},
            "The current password is not correct.",
        ),
        (
            {"current_password": PASSWORD, "new_password": "short"},
            "Use at least 8 and at most 200 characters.",
        ),
        (
            {"current_password": PASSWORD, "confirm_password": "something else entirely"},
            "The passwords differ.",
        ),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(app, actor, values, message):
    build_world()
    client = client_for(app, actor)
    before = account(actor)
    old_hash, old_version = before.password_hash, before.session_version
    client.refresh_token(PAGES[actor])
    data = {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD, **values}
    if "confirm_password" not in values:
        data["confirm_password"] = data["new_password"]
    response = client.post(password_url(actor), data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    after = account(actor)
    assert (after.password_hash, after.session_version) == (old_hash, old_version)
    assert client.get(PAGES[actor]).status_code == 200  # still logged in


def assert_answered_in_dutch(client: BrowserLikeClient, actor: str) -> None:
    if actor == "own":
        page = client.get("/portal/").get_data(as_text=True)
        assert '<html lang="nl">' in page
    else:  # Flask-Admin's own Dutch catalogue: its "Add Filter" menu
        page = client.get("/admin/customer/").get_data(as_text=True)
        assert "Filter toevoegen" in page


@pytest.mark.parametrize("actor", ["staff", "own"])
def test_without_a_choice_the_browser_preference_among_the_offered_languages_counts(app, actor):
    build_world()
    client = client_for(app, actor)
    client.http.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR, nl-NL;q=0.8, en;q=0.5"
    assert_answered_in_dutch(client, actor)


@pytest.mark.parametrize("actor", ["staff", "own"])
def test_name_and_language_are_saved_and_the_language_is_used(app, actor):
    build_world()
    client = client_for(app, actor)
    client.refresh_token(PAGES[actor])
    response = client.post(PAGES[actor], {"name": "  Renamed Person ", "language": "nl"})
    assert response.status_code == 302
    user = account(actor)
    assert (user.name, user.language) == ("Renamed Person", "nl")
    assert "Your profile was saved." in client.get(PAGES[actor]).get_data(as_text=True)
    assert_answered_in_dutch(client, actor)
    # Back to the browser's preference.
    client.refresh_token(PAGES[actor])
    client.post(PAGES[actor], {"name": "Renamed Person", "language": ""})
    assert account(actor).language is None


@pytest.mark.parametrize("actor", ["staff", "own"])
@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": "   ", "language": ""}, "This field is required."),
        ({"name": "x" * 201, "language": ""}, "Field cannot be longer than 200 characters."),
        ({"name": "Someone", "language": "xx"}, "Not a valid choice."),
    ],
)
def test_a_refused_profile_change_changes_nothing(app, actor, values, message):
    build_world()
    client = client_for(app, actor)
    before = account(actor)
    old = (before.name, before.language)
    client.refresh_token(PAGES[actor])
    response = client.post(PAGES[actor], values)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    after = account(actor)
    assert (after.name, after.language) == old


def test_profile_changes_need_the_csrf_token(app):
    build_world()
    client = client_for(app, "staff")
    response = client.post(
        "/admin/profile/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        csrf=False,
    )
    assert response.status_code == 400
    assert account("staff").check_password(PASSWORD)


def test_customer_users_have_no_admin_profile_and_anonymous_visitors_log_in(app):
    build_world()
    assert client_for(app, "own").get("/admin/profile/").status_code == 403
    anonymous = client_for(app, "anonymous")
    response = anonymous.get("/admin/profile/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_admin_top_bar_links_to_the_profile(app):
    build_world()
    page = client_for(app, "staff").get("/admin/customer/").get_data(as_text=True)
    assert 'id="profile-link" href="/admin/profile/"' in page
