"""Reading settings from environment variables (used by ``config.production``).

Kept apart from the config module because Flask loads every upper-case name of a
config module into ``app.config``; these tables are not settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SMTP_TLS_MODES = ("starttls", "ssl", "none")
# The gateways whose plugin ships with iris-admin: naming one loads its plugin
# unless IRIS_PLUGINS says otherwise.
BUILTIN_SMS_PLUGINS = {"http": "plugins.sms_http", "log": "plugins.sms_log"}


def _text(raw: str) -> str:
    return raw


def _whole_number(minimum: int) -> Callable[[str], int]:
    def read(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"must be a whole number, not {raw!r}") from None
        if value < minimum:
            raise ValueError(f"must be at least {minimum}, not {value}")
        return value

    return read


def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"must be more than 0 seconds, not {raw}")
    return value


def _one_of(choices: tuple[str, ...], case: Callable[[str], str]) -> Callable[[str], str]:
    def read(raw: str) -> str:
        value = case(raw)
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, not {raw!r}")
        return value

    return read


def _base_url(raw: str) -> str:
    scheme, separator, rest = raw.partition("://")
    host = rest.split("/", 1)[0]
    if scheme not in ("http", "https") or not separator or not host or "?" in raw or "#" in raw:
        raise ValueError(
            f"must be the portal's address, e.g. https://desk.example.com, not {raw!r}"
        )
    return raw.rstrip("/")


def _languages(raw: str) -> dict[str, str]:
    """Codes such as "en,nl" -> each with the language's own name ("Nederlands")."""
    from babel import Locale, UnknownLocaleError

    languages: dict[str, str] = {}
    for code in _names(raw):
        try:
            name = Locale.parse(code.replace("-", "_")).get_display_name() or code
        except (ValueError, UnknownLocaleError):
            raise ValueError(f"names an unknown language: {code!r}") from None
        languages[code] = name[:1].upper() + name[1:]
    if not languages:
        raise ValueError("must name at least one language, e.g. en,nl")
    return languages


def _names(raw: str) -> list[str]:
    return [name.strip() for name in raw.split(",") if name.strip()]


# environment variable -> (config key, how to read it)
VARIABLES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "IRIS_SECRET_KEY": ("SECRET_KEY", _text),
    "IRIS_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", _text),
    "IRIS_LOCALE": ("BABEL_DEFAULT_LOCALE", _text),
    "IRIS_LANGUAGES": ("IRIS_LANGUAGES", _languages),
    "IRIS_DEFAULT_COUNTRY": ("IRIS_DEFAULT_COUNTRY", str.upper),
    "IRIS_REMEMBER_DAYS": ("IRIS_REMEMBER_DAYS", _whole_number(1)),
    "IRIS_LOGIN_ACCOUNT_DELAY": ("IRIS_LOGIN_ACCOUNT_DELAY", _seconds),
    "IRIS_MESSAGE_MAX_RECIPIENTS": ("IRIS_MESSAGE_MAX_RECIPIENTS", _whole_number(1)),
    "IRIS_PORTAL_BASE_URL": ("IRIS_PORTAL_BASE_URL", _base_url),
    "IRIS_SMTP_HOST": ("IRIS_SMTP_HOST", _text),
    "IRIS_SMTP_PORT": ("IRIS_SMTP_PORT", _whole_number(1)),
    "IRIS_SMTP_TLS": ("IRIS_SMTP_TLS", _one_of(SMTP_TLS_MODES, str.lower)),
    "IRIS_SMTP_USER": ("IRIS_SMTP_USER", _text),
    "IRIS_SMTP_PASSWORD": ("IRIS_SMTP_PASSWORD", _text),
    "IRIS_SMTP_SENDER": ("IRIS_SMTP_SENDER", _text),
    "IRIS_SMTP_TIMEOUT": ("IRIS_SMTP_TIMEOUT", _seconds),
    "IRIS_SMTP_CA_FILE": ("IRIS_SMTP_CA_FILE", _text),
    "IRIS_PLUGINS": ("IRIS_PLUGINS", _names),
    "IRIS_SMS_GATEWAY": ("IRIS_SMS_GATEWAY", _text),
    "IRIS_SMS_SENDER": ("IRIS_SMS_SENDER", _text),
    "IRIS_SMS_HTTP_URL": ("IRIS_SMS_HTTP_URL", _text),
    "IRIS_SMS_HTTP_TOKEN": ("IRIS_SMS_HTTP_TOKEN", _text),
    "IRIS_SMS_HTTP_TIMEOUT": ("IRIS_SMS_HTTP_TIMEOUT", _seconds),
    "IRIS_PROXY_FIX": ("IRIS_PROXY_FIX", _whole_number(0)),
    "IRIS_LOG_LEVEL": ("IRIS_LOG_LEVEL", _one_of(LOG_LEVELS, str.upper)),
}
# Links in e-mails are built from IRIS_PORTAL_BASE_URL, never from a request's Host
# header (which any client sets), so production needs it too.
REQUIRED = {
    "IRIS_SECRET_KEY": "SECRET_KEY",
    "IRIS_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "IRIS_PORTAL_BASE_URL": "IRIS_PORTAL_BASE_URL",
}


def read_environment(environ: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The config values set in ``environ``, and one line per unusable variable."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for variable, (key, read) in VARIABLES.items():
        raw = (environ.get(variable) or "").strip()
        if not raw:
            continue
        try:
            values[key] = read(raw)
        except ValueError as exc:
            problems.append(f"{variable} {exc}")
    gateway = values.get("IRIS_SMS_GATEWAY")
    if "IRIS_PLUGINS" not in values and gateway in BUILTIN_SMS_PLUGINS:
        values["IRIS_PLUGINS"] = [BUILTIN_SMS_PLUGINS[gateway]]
    return values, problems
