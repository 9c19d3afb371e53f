"""The production configuration: settings from the environment, refusal without
secrets, proxy headers only when trusted, logs on stdout, the documented gunicorn command.

The production config module reads the environment once, when a process imports it,
so whole-chain checks run ``wsgi`` in a fresh Python process with that environment.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask import Flask, jsonify, request

from config.environment import read_environment
from iris_admin import create_app
from iris_admin.hosting import StdoutHandler
from tests.messaging_servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "a-long-random-production-key"
PORTAL = "https://desk.example.com"


def production_environment(database_url: str, **variables: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("IRIS_", "FORWARDED_ALLOW_IPS"))
    }
    environment.update(
        {
            "IRIS_CONFIG": "production",
            "IRIS_SECRET_KEY": SECRET,
            "IRIS_DATABASE_URL": database_url,
            "IRIS_PORTAL_BASE_URL": PORTAL,
            **variables,
        }
    )
    return environment


def run_python(code: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def restore_logging():
    """Apps built here install the stdout handler on the root logger; take it off after."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def production_app(database_url: str, **overrides: object) -> Flask:
    return create_app(
        {
            "IRIS_CONFIG": "production",
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "IRIS_PORTAL_BASE_URL": PORTAL,
            **overrides,
        }
    )


# -- refusing to start ------------------------------------------------------------------------


def test_refuses_to_start_without_secret_key_and_database_url_naming_both(tmp_path):
    environment = production_environment("")
    del environment["IRIS_SECRET_KEY"], environment["IRIS_DATABASE_URL"]
    result = run_python("import wsgi", environment)
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "IRIS_SECRET_KEY" in message and "IRIS_DATABASE_URL" in message


def test_refuses_to_start_with_an_empty_secret_key(tmp_path):
    environment = production_environment(
        f"sqlite:///{tmp_path / 'prod.sqlite'}", IRIS_SECRET_KEY="  "
    )
    result = run_python("import wsgi", environment)
    assert result.returncode != 0
    assert "IRIS_SECRET_KEY" in result.stderr and "IRIS_DATABASE_URL" not in result.stderr


def test_refuses_to_start_with_unusable_values_and_names_each(tmp_path):
    environment = production_environment(
        f"sqlite:///{tmp_path / 'prod.sqlite'}",
        IRIS_SMTP_PORT="five-eight-seven",
        IRIS_SMTP_TLS="tls",
        IRIS_PROXY_FIX="-1",
        IRIS_LOG_LEVEL="chatty",
    )
    result = run_python("import wsgi", environment)
    assert result.returncode != 0
    for variable in ("IRIS_SMTP_PORT", "IRIS_SMTP_TLS", "IRIS_PROXY_FIX", "IRIS_LOG_LEVEL"):
        assert variable in result.stderr


def test_reading_the_environment_names_bad_values_and_skips_empty_ones():
    values, problems = read_environment(
        {
            "IRIS_SMTP_PORT": "abc",
            "IRIS_SMTP_HOST": "",
            "IRIS_SMTP_TIMEOUT": "0",
            "IRIS_SMTP_TLS": "SSL",
            "IRIS_LOG_LEVEL": "warning",
        }
    )
    assert values == {"IRIS_SMTP_TLS": "ssl", "IRIS_LOG_LEVEL": "WARNING"}
    assert problems == [
        "IRIS_SMTP_PORT must be a whole number, not 'abc'",
        "IRIS_SMTP_TIMEOUT must be more than 0 seconds, not 0",
    ]


def test_languages_sessions_and_sending_limits_come_from_the_environment():
    values, problems = read_environment(
        {
            "IRIS_LANGUAGES": "en, nl",
            "IRIS_REMEMBER_DAYS": "7",
            "IRIS_LOGIN_ACCOUNT_DELAY": "30",
            "IRIS_MESSAGE_MAX_RECIPIENTS": "0",
        }
    )
    assert values == {
        "IRIS_LANGUAGES": {"en": "English", "nl": "Nederlands"},
        "IRIS_REMEMBER_DAYS": 7,
        "IRIS_LOGIN_ACCOUNT_DELAY": 30.0,
    }
    assert problems == ["IRIS_MESSAGE_MAX_RECIPIENTS must be at least 1, not 0"]
    assert read_environment({"IRIS_LANGUAGES": "en,klingon"})[1] == [
        "IRIS_LANGUAGES names an unknown language: 'klingon'"
    ]


# -- settings from the environment ----------------------------------------------------------


def test_smtp_sms_and_server_settings_come_from_the_environment(tmp_path):
    environment = production_environment(
        f"sqlite:///{tmp_path / 'prod.sqlite'}",
        IRIS_SMTP_HOST="smtp.example.net",
        IRIS_SMTP_PORT="465",
        IRIS_SMTP_TLS="ssl",
        IRIS_SMTP_USER="desk",
        IRIS_SMTP_PASSWORD="s3cret pass",
        IRIS_SMTP_SENDER="Service desk <desk@example.net>",
        IRIS_SMTP_TIMEOUT="12.5",
        IRIS_SMTP_CA_FILE="/etc/iris/smtp-ca.pem",
        IRIS_SMS_GATEWAY="http",
        IRIS_SMS_HTTP_URL="https://sms.example.net/v1/messages",
        IRIS_SMS_HTTP_TOKEN="token-123",
        IRIS_SMS_SENDER="Desk",
        IRIS_PROXY_FIX="2",
        IRIS_LOG_LEVEL="warning",
        IRIS_LOCALE="nl",
    )
    code = (
        "import json, wsgi\n"
        "from iris_admin.messaging.channels import SmtpSettings\n"
        "config = wsgi.app.config\n"
        "smtp = SmtpSettings.from_config(config)\n"
        "keys = ['SECRET_KEY', 'SQLALCHEMY_DATABASE_URI', 'IRIS_PLUGINS', 'IRIS_SMS_GATEWAY',\n"
        "        'IRIS_SMS_HTTP_URL', 'IRIS_SMS_HTTP_TOKEN', 'IRIS_SMS_SENDER', 'IRIS_PROXY_FIX',\n"
        "        'IRIS_LOG_LEVEL', 'BABEL_DEFAULT_LOCALE', 'SESSION_COOKIE_SECURE']\n"
        "print(json.dumps({'smtp': smtp.__dict__, **{key: config[key] for key in keys}}))\n"
    )
    result = run_python(code, environment)
    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout.strip().splitlines()[-1])
    assert settings["smtp"] == {
        "host": "smtp.example.net",
        "port": 465,
        "tls": "ssl",
        "user": "desk",
        "password": "s3cret pass",
        "sender": "Service desk <desk@example.net>",
        "timeout": 12.5,
        "ca_file": "/etc/iris/smtp-ca.pem",
    }
    assert settings["SECRET_KEY"] == SECRET
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'prod.sqlite'}"
    # Naming a gateway that ships with iris-admin loads its plugin.
    assert settings["IRIS_PLUGINS"] == ["plugins.sms_http"]
    assert settings["IRIS_SMS_GATEWAY"] == "http"
    assert settings["IRIS_SMS_HTTP_URL"] == "https://sms.example.net/v1/messages"
    assert settings["IRIS_SMS_HTTP_TOKEN"] == "token-123"
    assert settings["IRIS_SMS_SENDER"] == "Desk"
    assert settings["IRIS_PROXY_FIX"] == 2
    assert settings["IRIS_LOG_LEVEL"] == "WARNING"
    assert settings["BABEL_DEFAULT_LOCALE"] == "nl"
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_unset_variables_keep_the_documented_defaults(tmp_path):
    environment = production_environment(f"sqlite:///{tmp_path / 'prod.sqlite'}")
    code = (
        "import json, wsgi\n"
        "c = wsgi.app.config\n"
        "print(json.dumps([c['IRIS_SMTP_HOST'], c['IRIS_SMTP_PORT'], c['IRIS_SMTP_TLS'],\n"
        "                  c['IRIS_PLUGINS'], c['IRIS_SMS_GATEWAY'], c['IRIS_PROXY_FIX'],\n"
        "                  c['IRIS_LOG_LEVEL'], c['IRIS_HEALTHZ']]))\n"
    )
    result = run_python(code, environment)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        None,
        587,
        "starttls",
        [],
        None,
        0,
        "INFO",
        True,
    ]


# -- proxy headers ------------------------------------------------------------------------------

FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Host": "desk.example.com",
}


def what_the_app_sees(app: Flask, headers: dict[str, str]) -> dict[str, str]:
    """The scheme, client address and host a view gets, and a URL it builds."""

    @app.get("/test-request-probe")
    def probe():
        from flask import url_for

        return jsonify(
            scheme=request.scheme,
            remote_addr=request.remote_addr,
            host=request.host,
            login=url_for("iris_auth.login", _external=True),
        )

    response = app.test_client().get(
        "/test-request-probe", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    return response.get_json()


def test_forwarded_headers_are_ignored_by_default(database_url, restore_logging):
    seen = what_the_app_sees(production_app(database_url), FORWARDED)
    assert seen == {
        "scheme": "http",
        "remote_addr": "10.0.0.2",
        "host": "localhost",
        "login": "http://localhost/login",
    }


def test_forwarded_headers_are_honoured_when_proxies_are_configured(database_url, restore_logging):
    seen = what_the_app_sees(production_app(database_url, IRIS_PROXY_FIX=1), FORWARDED)
    assert seen == {
        "scheme": "https",
        "remote_addr": "203.0.113.7",
        "host": "desk.example.com",
        "login": "https://desk.example.com/login",
    }


def test_only_as_many_forwarded_addresses_as_proxies_are_believed(database_url, restore_logging):
    # The client wrote the first address itself; the one proxy appended the real one.
    seen = what_the_app_sees(
        production_app(database_url, IRIS_PROXY_FIX=1),
        {"X-Forwarded-For": "198.51.100.66, 203.0.113.7"},
    )
    assert seen["remote_addr"] == "203.0.113.7"


# -- logs -----------------------------------------------------------------------------------------


def test_logs_go_to_stdout_at_the_configured_level(tmp_path):
    code = (
        "import logging, wsgi\n"
        "wsgi.app.logger.info('app info line')\n"
        "wsgi.app.logger.warning('app warning line')\n"
        "logging.getLogger('iris_admin.messaging').error('module error line')\n"
    )
    info = run_python(code, production_environment(f"sqlite:///{tmp_path / 'a.sqlite'}"))
    assert info.returncode == 0, info.stderr
    lines = info.stdout.splitlines()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
    for expected in (
        rf"{stamp} INFO \[\d+\] iris_admin: app info line",
        rf"{stamp} WARNING \[\d+\] iris_admin: app warning line",
        rf"{stamp} ERROR \[\d+\] iris_admin.messaging: module error line",
    ):
        assert sum(bool(re.fullmatch(expected, line)) for line in lines) == 1, (expected, lines)
    assert "app info line" not in info.stderr and "app warning line" not in info.stderr

    quiet = run_python(
        code, production_environment(f"sqlite:///{tmp_path / 'b.sqlite'}", IRIS_LOG_LEVEL="WARNING")
    )
    assert quiet.returncode == 0, quiet.stderr
    assert "app info line" not in quiet.stdout and "app warning line" in quiet.stdout


def test_building_apps_again_does_not_duplicate_log_lines(database_url, restore_logging, capsys):
    production_app(database_url)
    app = production_app(database_url)
    assert sum(isinstance(h, StdoutHandler) for h in logging.getLogger().handlers) == 1
    app.logger.warning("only once")
    out = capsys.readouterr().out
    assert out.count("only once") == 1 and " WARNING " in out


def test_development_keeps_flasks_default_logging(database_url, restore_logging):
    create_app({"IRIS_CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    assert not any(isinstance(h, StdoutHandler) for h in logging.getLogger().handlers)


# -- the documented gunicorn command ------------------------------------------------------------


def test_gunicorn_with_the_config_file_serves_and_logs_requests_to_stdout(database_url, tmp_path):
    port = free_port()
    environment = production_environment(
        database_url, IRIS_BIND=f"127.0.0.1:{port}", IRIS_WORKERS="1"
    )
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=environment,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        answer = None
        deadline = time.monotonic() + 60
        while answer is None and time.monotonic() < deadline:
            assert server.poll() is None, err.read_text()
            try:
                probe = urllib.request.Request(
                    f"http://127.0.0.1:{port}/healthz",
                    headers={"X-Forwarded-Proto": "https", "User-Agent": "probe/1"},
                )
                with urllib.request.urlopen(probe, timeout=10) as response:
                    answer = (response.status, json.loads(response.read()))
            except OSError:
                time.sleep(0.2)
        assert answer == (200, {"status": "ok", "database": "ok"})
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    access = [line for line in out.read_text().splitlines() if "GET /healthz" in line]
    assert access and '" 200 ' in access[-1] and "probe/1" in access[-1], out.read_text()
    assert "GET /healthz" not in err.read_text()
