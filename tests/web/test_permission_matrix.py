"""Every URL rule of the app, for every kind of user → the expected answer.

The rules are read from ``app.url_map``: a view added without a line in MATRIX
makes ``test_every_url_rule_has_an_entry`` fail and name the rule, so no view
can be forgotten. Runs with CSRF on; POSTs carry a valid token and empty or
harmless data (deletions target objects that exist only to be deleted).

HOW TO ADD A ROUTE: add one line to MATRIX:

    <rule as in url_map>  <METHOD>  <url to request>  <anon> <own> <all> <manager> <staff> <admin>

- ``url`` may use the placeholders of ``World.ids()`` ({customer}, {contact}, {address},
  {link}, {issue}, {reply}, {user}, {victim_customer}, {victim_contact},
  {victim_address}, {victim_link}) and a query string;
- each answer is an HTTP status, or ``login`` = a redirect to the log-in page;
- own / all / manager are customer users of customer Alpha with that access level;
  {issue} is Alpha's issue reported by the own-level user, {reply} a public reply on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.portal_world import ACTORS, build_world, client_for

# fmt: off
MATRIX = """
# rule                                                       method url                                                  anon  own  all  mgr  staff admin
/                                                            GET  /                                                      login login login login login login
/login                                                       GET  /login                                                 200   302  302  302  302   302
/login                                                       POST /login                                                 200   302  302  302  302   302
/logout                                                      POST /logout                                                login login login login login login
/no-access                                                   GET  /no-access                                             403   403  403  403  403   403
/healthz                                                     GET  /healthz                                               200   200  200  200  200   200
/static/<path:filename>                                      GET  /static/nothing-here.css                               404   404  404  404  404   404
/iris-static/<path:filename>                                 GET  /iris-static/customer_form.js                          200   200  200  200  200   200
/admin/static/<path:filename>                                GET  /admin/static/bootstrap/bootstrap4/css/bootstrap.min.css 200 200 200 200  200   200

# Flask-Admin: customer users never get in (403 page), staff and admins do.
/admin/                                                      GET  /admin/                                                login 403  403  403  302   302
/admin/iris_permissions/                                     GET  /admin/iris_permissions/                               login 403  403  403  403   200
/admin/profile/                                              GET  /admin/profile/                                        login 403  403  403  200   200
/admin/profile/                                              POST /admin/profile/                                        login 403  403  403  400   400
/admin/profile/password                                      POST /admin/profile/password                                login 403  403  403  400   400

# Customers: staff may view and edit; only admins delete.
/admin/customer/                                             GET  /admin/customer/                                       login 403  403  403  200   200
/admin/customer/new/                                         GET  /admin/customer/new/                                   login 403  403  403  200   200
/admin/customer/new/                                         POST /admin/customer/new/                                   login 403  403  403  200   200
/admin/customer/edit/                                        GET  /admin/customer/edit/?id={customer}                    login 403  403  403  200   200
/admin/customer/edit/                                        POST /admin/customer/edit/?id={customer}                    login 403  403  403  200   200
/admin/customer/details/                                     GET  /admin/customer/details/?id={customer}                 login 403  403  403  200   200
/admin/customer/delete/                                      POST /admin/customer/delete/                                login 403  403  403  302   302
/admin/customer/action/                                      POST /admin/customer/action/                                login 403  403  403  302   302
/admin/customer/export/<export_type>/                        GET  /admin/customer/export/csv/                            login 403  403  403  302   302
/admin/customer/ajax/lookup/                                 GET  /admin/customer/ajax/lookup/?name=accounts&query=a     login 403  403  403  200   200
/admin/customer/ajax/update/                                 POST /admin/customer/ajax/update/                           login 403  403  403  404   404
/admin/customer/<int:customer_id>/delete                     POST /admin/customer/{victim_customer}/delete               login 403  403  403  403   302
/admin/customer/<int:customer_id>/contacts/new               POST /admin/customer/{customer}/contacts/new                login 403  403  403  400   400
/admin/customer/contacts/<int:contact_id>/edit               POST /admin/customer/contacts/{contact}/edit                login 403  403  403  400   400
/admin/customer/contacts/<int:contact_id>/delete             POST /admin/customer/contacts/{victim_contact}/delete       login 403  403  403  302   302
/admin/customer/<int:customer_id>/invoice-addresses/new      POST /admin/customer/{customer}/invoice-addresses/new       login 403  403  403  400   400
/admin/customer/invoice-addresses/<int:address_id>/edit      POST /admin/customer/invoice-addresses/{address}/edit       login 403  403  403  400   400
/admin/customer/invoice-addresses/<int:address_id>/delete    POST /admin/customer/invoice-addresses/{victim_address}/delete login 403 403 403  302   302
/admin/customer/<int:customer_id>/users/new                  POST /admin/customer/{customer}/users/new                   login 403  403  403  400   400
/admin/customer/users/<int:link_id>/edit                     POST /admin/customer/users/{link}/edit                      login 403  403  403  400   400
/admin/customer/users/<int:link_id>/delete                   POST /admin/customer/users/{victim_link}/delete             login 403  403  403  302   302

# Issues: staff and admins; staff reply (public or internal) from the details page.
/admin/issue/                                                GET  /admin/issue/                                          login 403  403  403  200   200
/admin/issue/new/                                            GET  /admin/issue/new/                                      login 403  403  403  200   200
/admin/issue/new/                                            POST /admin/issue/new/                                      login 403  403  403  200   200
/admin/issue/edit/                                           GET  /admin/issue/edit/?id={issue}                          login 403  403  403  200   200
/admin/issue/edit/                                           POST /admin/issue/edit/?id={issue}                          login 403  403  403  200   200
/admin/issue/details/                                        GET  /admin/issue/details/?id={issue}                       login 403  403  403  200   200
/admin/issue/delete/                                         POST /admin/issue/delete/                                   login 403  403  403  302   302
/admin/issue/action/                                         POST /admin/issue/action/                                   login 403  403  403  302   302
/admin/issue/export/<export_type>/                           GET  /admin/issue/export/csv/                               login 403  403  403  302   302
/admin/issue/ajax/lookup/                                    GET  /admin/issue/ajax/lookup/?name=customer&query=a        login 403  403  403  200   200
/admin/issue/ajax/update/                                    POST /admin/issue/ajax/update/                              login 403  403  403  404   404
/admin/issue/<int:issue_id>/reply                            POST /admin/issue/{issue}/reply                             login 403  403  403  302   302

# Import: staff and admins (delete mode needs customers.import_delete, tested in test_import_pages).
# {run} ids that do not exist answer 404 to those who may import.
/admin/import/                                               GET  /admin/import/                                         login 403  403  403  200   200
/admin/import/                                               POST /admin/import/                                         login 403  403  403  200   200
/admin/import/<int:run_id>/                                  GET  /admin/import/999999/                                  login 403  403  403  404   404
/admin/import/<int:run_id>/confirm                           POST /admin/import/999999/confirm                           login 403  403  403  404   404
/admin/import/<int:run_id>/discard                           POST /admin/import/999999/discard                           login 403  403  403  404   404
/admin/import/<int:run_id>/errors.xlsx                       GET  /admin/import/999999/errors.xlsx                       login 403  403  403  404   404
/admin/import/<int:run_id>/missing.xlsx                      GET  /admin/import/999999/missing.xlsx                      login 403  403  403  404   404
/admin/import/<int:run_id>/progress                          GET  /admin/import/999999/progress                          login 403  403  403  404   404
/admin/import/export.<string:file_format>                    GET  /admin/import/export.csv                               login 403  403  403  200   200
/admin/import/history/                                       GET  /admin/import/history/                                 login 403  403  403  200   200
/admin/import/template.xlsx                                  GET  /admin/import/template.xlsx                            login 403  403  403  200   200

# Messages (issue 5): the log for everyone who sees customers; sending and cancelling need customers.edit.
/admin/customer/<int:customer_id>/messages/email             POST /admin/customer/{customer}/messages/email              login 403  403  403  400   400
/admin/customer/<int:customer_id>/messages/sms               POST /admin/customer/{customer}/messages/sms                login 403  403  403  400   400
/admin/customer/<int:customer_id>/messages/<int:message_id>/cancel POST /admin/customer/{customer}/messages/999999/cancel login 403 403 403 404   404
/admin/message/                                              GET  /admin/message/                                        login 403  403  403  200   200
/admin/message/new/                                          GET  /admin/message/new/                                    login 403  403  403  302   302
/admin/message/new/                                          POST /admin/message/new/                                    login 403  403  403  302   302
/admin/message/edit/                                         GET  /admin/message/edit/?id=999999                         login 403  403  403  302   302
/admin/message/edit/                                         POST /admin/message/edit/?id=999999                         login 403  403  403  302   302
/admin/message/details/                                      GET  /admin/message/details/?id=999999                      login 403  403  403  302   302
/admin/message/delete/                                       POST /admin/message/delete/                                 login 403  403  403  302   302
/admin/message/action/                                       POST /admin/message/action/                                 login 403  403  403  302   302
/admin/message/export/<export_type>/                         GET  /admin/message/export/csv/                             login 403  403  403  302   302
/admin/message/ajax/lookup/                                  GET  /admin/message/ajax/lookup/?name=x&query=a             login 403  403  403  404   404
/admin/message/ajax/update/                                  POST /admin/message/ajax/update/                            login 403  403  403  404   404
/admin/message/cancel/<int:message_id>                       POST /admin/message/cancel/999999                           login 403  403  403  404   404

# Status codes and custom fields (issue 5): admins only (settings.manage).
/admin/customerstatus/                                       GET  /admin/customerstatus/                                 login 403  403  403  403   200
/admin/customerstatus/new/                                   GET  /admin/customerstatus/new/                             login 403  403  403  403   200
/admin/customerstatus/new/                                   POST /admin/customerstatus/new/                             login 403  403  403  403   200
/admin/customerstatus/edit/                                  GET  /admin/customerstatus/edit/?id=1                       login 403  403  403  403   200
/admin/customerstatus/edit/                                  POST /admin/customerstatus/edit/?id=1                       login 403  403  403  403   200
/admin/customerstatus/details/                               GET  /admin/customerstatus/details/?id=1                    login 403  403  403  403   302
/admin/customerstatus/delete/                                POST /admin/customerstatus/delete/                          login 403  403  403  403   302
/admin/customerstatus/action/                                POST /admin/customerstatus/action/                          login 403  403  403  403   302
/admin/customerstatus/export/<export_type>/                  GET  /admin/customerstatus/export/csv/                      login 403  403  403  403   302
/admin/customerstatus/ajax/lookup/                           GET  /admin/customerstatus/ajax/lookup/?name=x&query=a      login 403  403  403  403   404
/admin/customerstatus/ajax/update/                           POST /admin/customerstatus/ajax/update/                     login 403  403  403  403   404
/admin/customfield/                                          GET  /admin/customfield/                                    login 403  403  403  403   200
/admin/customfield/new/                                      GET  /admin/customfield/new/                                login 403  403  403  403   200
/admin/customfield/new/                                      POST /admin/customfield/new/                                login 403  403  403  403   200
/admin/customfield/edit/                                     GET  /admin/customfield/edit/?id=999999                     login 403  403  403  403   302
/admin/customfield/edit/                                     POST /admin/customfield/edit/?id=999999                     login 403  403  403  403   302
/admin/customfield/details/                                  GET  /admin/customfield/details/?id=999999                  login 403  403  403  403   302
/admin/customfield/delete/                                   POST /admin/customfield/delete/                             login 403  403  403  403   302
/admin/customfield/action/                                   POST /admin/customfield/action/                             login 403  403  403  403   302
/admin/customfield/export/<export_type>/                     GET  /admin/customfield/export/csv/                         login 403  403  403  403   302
/admin/customfield/ajax/lookup/                              GET  /admin/customfield/ajax/lookup/?name=x&query=a         login 403  403  403  403   404
/admin/customfield/ajax/update/                              POST /admin/customfield/ajax/update/                        login 403  403  403  403   404
/admin/customfield/remove/                                   GET  /admin/customfield/remove/?id=999999                   login 403  403  403  403   404
/admin/customfield/remove/                                   POST /admin/customfield/remove/?id=999999                   login 403  403  403  403   404

# Users: admins only (staff may not open Users).
/admin/user/                                                 GET  /admin/user/                                           login 403  403  403  403   200
/admin/user/new/                                             GET  /admin/user/new/                                       login 403  403  403  403   200
/admin/user/new/                                             POST /admin/user/new/                                       login 403  403  403  403   200
/admin/user/edit/                                            GET  /admin/user/edit/?id={user}                            login 403  403  403  403   200
/admin/user/edit/                                            POST /admin/user/edit/?id={user}                            login 403  403  403  403   200
/admin/user/details/                                         GET  /admin/user/details/?id={user}                         login 403  403  403  403   302
/admin/user/delete/                                          POST /admin/user/delete/                                    login 403  403  403  403   302
/admin/user/action/                                          POST /admin/user/action/                                    login 403  403  403  403   302
/admin/user/export/<export_type>/                            GET  /admin/user/export/csv/                                login 403  403  403  403   302
/admin/user/ajax/lookup/                                     GET  /admin/user/ajax/lookup/?name=x&query=a                login 403  403  403  403   404
/admin/user/ajax/update/                                     POST /admin/user/ajax/update/                               login 403  403  403  403   404

# Portal: customer users only; what they see follows the link's access level.
# Empty POSTs: 400 = form errors shown; 404 = the (missing) customer id is not one of theirs.
/portal/                                                     GET  /portal/                                               login 200  200  200  403   403
/portal/issues/<int:issue_id>                                GET  /portal/issues/{issue}                                 login 200  200  200  403   403
/portal/issues/<int:issue_id>/reply                          POST /portal/issues/{issue}/reply                           login 400  400  400  403   403
/portal/replies/<int:reply_id>                               GET  /portal/replies/{reply}                                login 302  302  302  403   403
/portal/issues/new                                           GET  /portal/issues/new                                     login 200  200  200  403   403
/portal/issues/new                                           POST /portal/issues/new                                     login 404  404  404  403   403
/portal/switch                                               POST /portal/switch                                         login 404  404  404  403   403
/portal/customer                                             GET  /portal/customer                                       login 403  403  200  403   403
/portal/profile                                              GET  /portal/profile                                        login 200  200  200  403   403
/portal/profile                                              POST /portal/profile                                        login 400  400  400  403   403
/portal/profile/password                                     POST /portal/profile/password                               login 400  400  400  403   403
"""  # noqa: E501  a table: one route a line, its columns aligned for reading
# fmt: on

IGNORED_METHODS = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Entry:
    rule: str
    method: str
    url: str
    expected: dict[str, str]


def parse_matrix(text: str) -> dict[tuple[str, str], Entry]:
    entries: dict[tuple[str, str], Entry] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        assert len(parts) == 3 + len(ACTORS), f"MATRIX line {number} needs 9 columns: {line!r}"
        rule, method, url, *answers = parts
        key = (rule, method)
        assert key not in entries, f"MATRIX lists {rule} {method} twice"
        entries[key] = Entry(rule, method, url, dict(zip(ACTORS, answers, strict=True)))
    return entries


ENTRIES = parse_matrix(MATRIX)


def app_rules(app) -> set[tuple[str, str]]:
    return {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IGNORED_METHODS
    }


def test_every_url_rule_has_an_entry(app):
    missing = sorted(app_rules(app) - set(ENTRIES))
    assert not missing, (
        "These URL rules have no line in MATRIX (tests/web/test_permission_matrix.py); "
        "add one per rule and method with the expected answer for each kind of user:\n"
        + "\n".join(f"  {rule} {method}" for rule, method in missing)
    )


def test_every_entry_is_a_real_url_rule(app):
    stale = sorted(set(ENTRIES) - app_rules(app))
    assert not stale, "MATRIX lists rules the app does not have (renamed or removed?):\n" + (
        "\n".join(f"  {rule} {method}" for rule, method in stale)
    )


def _order(entry: Entry) -> tuple[int, str]:
    # Reads first, then writes; logging out last, since it ends the session.
    if entry.rule == "/logout":
        return (2, entry.rule)
    return (0 if entry.method == "GET" else 1, entry.rule)


@pytest.mark.parametrize("actor", ACTORS)
def test_answers_match_the_matrix(app, actor):
    world = build_world()
    ids = world.ids()
    client = client_for(app, actor)
    wrong = []
    for entry in sorted(ENTRIES.values(), key=_order):
        if (entry.rule, entry.method) not in app_rules(app):
            continue  # reported by test_every_entry_is_a_real_url_rule
        url = entry.url.format(**ids)
        response = client.get(url) if entry.method == "GET" else client.post(url, {})
        answer = str(response.status_code)
        if response.status_code == 302 and response.headers["Location"].startswith("/login"):
            answer = "login"
        if answer != entry.expected[actor]:
            wrong.append(f"  {entry.method} {url}: expected {entry.expected[actor]}, got {answer}")
    assert not wrong, f"As {actor}:\n" + "\n".join(wrong)


def test_customer_user_gets_the_403_page_with_a_link_to_the_portal(app):
    build_world()
    client = client_for(app, "own")
    for url in ("/admin/", "/admin/customer/", "/admin/issue/", "/admin/user/"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 403, url
        assert "No access" in page and 'href="/portal/"' in page, url
        assert "Traceback" not in page


def test_staff_opening_the_portal_gets_the_403_page_with_a_link_to_the_admin(app):
    build_world()
    response = client_for(app, "staff").get("/portal/")
    assert response.status_code == 403
    assert 'href="/admin/"' in response.get_data(as_text=True)
