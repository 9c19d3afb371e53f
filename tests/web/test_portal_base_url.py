"""Production needs IRIS_PORTAL_BASE_URL: links in e-mails never come from a Host header."""

from __future__ import annotations

import pytest

from config.environment import read_environment
from iris_admin import create_app
from iris_admin.extension import db_session
from iris_admin.messaging.issue_updates import portal_issue_link
from iris_admin.models import Message, MessageKind
from tests.portal_world import build_world, client_for
from tests.web.test_production import (  # noqa: F401 (a fixture)
    production_environment,
    restore_logging,
    run_python,
)

SECRET = "a-long-random-production-key"


def test_production_refuses_to_start_without_the_portal_address(database_url):
    with pytest.raises(RuntimeError, match="IRIS_PORTAL_BASE_URL"):
        create_app(
            {
                "IRIS_CONFIG": "production",
                "SECRET_KEY": SECRET,
                "SQLALCHEMY_DATABASE_URI": database_url,
                "IRIS_PORTAL_BASE_URL": None,
            }
        )


def test_production_wsgi_names_the_missing_portal_address(tmp_path):
    environment = production_environment(f"sqlite:///{tmp_path / 'prod.sqlite'}")
    del environment["IRIS_PORTAL_BASE_URL"]
    result = run_python("import wsgi", environment)
    assert result.returncode != 0
    assert "IRIS_PORTAL_BASE_URL" in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "value", ["desk.example.com", "javascript:alert(1)", "https://", "https://a.example/?x=1"]
)
def test_an_unusable_portal_address_is_named(value):
    _values, problems = read_environment({"IRIS_PORTAL_BASE_URL": value})
    assert problems and problems[0].startswith("IRIS_PORTAL_BASE_URL must be")


@pytest.mark.usefixtures("restore_logging")
def test_production_e_mail_links_ignore_the_host_header(database_url):
    app = create_app(
        {
            "IRIS_CONFIG": "production",
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "IRIS_PORTAL_BASE_URL": "https://desk.example.com/",
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
        }
    )
    with app.app_context():
        world = build_world()
        with app.test_request_context("/", headers={"Host": "evil.example"}):
            link = portal_issue_link(world.own_issue.id)
        assert link == f"https://desk.example.com/portal/issues/{world.own_issue.id}"
        staff = client_for(app, "staff")
        staff.http.environ_base["HTTP_HOST"] = "evil.example"
        staff.post(
            f"/admin/issue/{world.own_issue.id}/reply",
            {"body": "Public answer.", "visibility": "public"},
            headers={"Host": "evil.example"},
        )
        bodies = [
            message.body
            for message in db_session()
            .query(Message)
            .filter(Message.kind == MessageKind.ISSUE_UPDATE.value)
        ]
        assert bodies and all("evil.example" not in body for body in bodies)
        assert any("https://desk.example.com/portal/issues/" in body for body in bodies)
