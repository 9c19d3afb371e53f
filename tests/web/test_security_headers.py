"""Security headers on every response; the admin's pages carry no inline script or
handler the Content-Security-Policy would refuse."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from iris_admin import create_app
from tests.portal_world import BrowserLikeClient, build_world, client_for

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "SAMEORIGIN",
}


def assert_security_headers(response, url: str) -> str:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (url, name)
    policy = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'self'" in policy, url
    assert "default-src 'self'" in policy and "object-src 'none'" in policy, url
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, url
    return policy


@pytest.mark.parametrize(
    "url",
    ["/login", "/no-access", "/healthz", "/does-not-exist", "/iris-static/customer_page.js"],
)
def test_anonymous_responses_carry_the_headers(anonymous, url):
    assert_security_headers(anonymous.get(url), url)


ADMIN_PAGES = [
    "/admin/customer/",
    "/admin/customer/new/",
    "/admin/customer/edit/?id={customer}",
    "/admin/customer/details/?id={customer}",
    "/admin/issue/",
    "/admin/issue/details/?id={issue}",
    "/admin/user/",
    "/admin/message/",
    "/admin/import/",
    "/admin/customerstatus/",
    "/admin/customfield/",
]


def test_admin_pages_carry_no_inline_script_or_handler_the_policy_refuses(app):
    world = build_world()
    client = client_for(app, "admin")
    for template in ADMIN_PAGES:
        url = template.format(customer=world.alpha.id, issue=world.own_issue.id)
        response = client.get(url)
        assert response.status_code == 200, url
        policy = assert_security_headers(response, url)
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        page = response.get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag or f'nonce="{nonce}"' in tag, (url, tag)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", page), url
        # Nor in the escaped templates of inline rows.
        assert not re.search(r"\son[a-z]+=(?:\"|&#34;)", page), url
        assert "javascript:" not in page, url


def test_portal_pages_carry_the_headers_and_no_inline_script(app):
    world = build_world()
    client = client_for(app, "manager")
    for url in ("/portal/", f"/portal/issues/{world.own_issue.id}", "/portal/profile"):
        response = client.get(url)
        assert_security_headers(response, url)
        page = response.get_data(as_text=True)
        assert not re.search(r"<script\b(?![^>]*\bsrc=)[^>]*>", page), url
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", page), url


def test_a_nonce_is_new_for_every_request(app):
    build_world()
    client = client_for(app, "admin")
    first = client.get("/admin/customer/").headers["Content-Security-Policy"]
    second = client.get("/admin/customer/").headers["Content-Security-Policy"]
    assert re.search(r"'nonce-[^']+'", first) and first != second


def test_a_header_the_app_sets_itself_is_kept(app_config):
    host = create_app(app_config)

    @host.get("/framed")
    def framed():
        return "ok", 200, {"X-Frame-Options": "DENY"}

    with host.app_context():
        response = BrowserLikeClient(host.test_client()).get("/framed")
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_host_app_can_switch_them_off(app_config):
    host: Flask = create_app({**app_config, "IRIS_SECURITY_HEADERS": False})
    with host.app_context():
        response = BrowserLikeClient(host.test_client()).get("/login")
        assert "Content-Security-Policy" not in response.headers
        assert "X-Frame-Options" not in response.headers
