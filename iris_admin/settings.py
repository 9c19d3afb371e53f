"""Every ``IRIS_*`` setting with its default, in one place (the README lists them too)."""

from __future__ import annotations

DEFAULTS: dict[str, object] = {
    # Two-letter region used to read phone numbers written without a country code.
    "IRIS_DEFAULT_COUNTRY": "NL",
    # Role -> permissions; None means the built-in table (iris_admin.permissions).
    "IRIS_PERMISSIONS": None,
    # The languages offered (locale code -> the language's own name); a profile picks
    # one, otherwise the browser's preference among these, otherwise BABEL_DEFAULT_LOCALE.
    "IRIS_LANGUAGES": {"en": "English", "nl": "Nederlands"},
    # Register iris-admin's /login and /logout and a Flask-Login manager when the
    # host has none.
    "IRIS_AUTH": True,
    # Protect every POST of the app with Flask-WTF's CSRFProtect (when the host has none).
    "IRIS_CSRF_PROTECT": True,
    # A host app that tracks issues itself sets this to a function customer -> URL of
    # its issue list filtered to that customer; None uses iris-admin's own issue list.
    "IRIS_CUSTOMER_ISSUES_URL": None,
    # Where iris-admin's own views go in the admin menu.
    "IRIS_MENU_CATEGORY": None,
    # Largest upload the import accepts, in bytes.
    "IRIS_IMPORT_MAX_BYTES": 20 * 1024 * 1024,
    # How long an import preview can still be confirmed, in seconds.
    "IRIS_IMPORT_PREVIEW_TTL": 24 * 60 * 60,
    # Imports (preview or commit) of more rows than this run in the background with a
    # progress bar; smaller ones run in the request.
    "IRIS_IMPORT_BACKGROUND_ROWS": 2000,
    # Rows looked up / written per database statement during an import.
    "IRIS_IMPORT_BATCH_SIZE": 1000,
    # Rows per page of the import preview table.
    "IRIS_IMPORT_PAGE_SIZE": 50,
    # Days the rows of finished imports are kept (the history itself is kept forever).
    "IRIS_IMPORT_KEEP_DAYS": 30,
    # A background import that has not reported for this many seconds is marked failed.
    "IRIS_IMPORT_STALE_SECONDS": 15 * 60,
    # Field separator of CSV exports ("," or ";"; imports detect either).
    "IRIS_EXPORT_CSV_DELIMITER": ",",
    # The customers overview stops counting matches here and shows "10,000+" (and an
    # estimate, "about 1,000,000", for the whole list), so no request counts every row.
    "IRIS_OVERVIEW_COUNT_LIMIT": 10_000,
    # The customer portal (needs IRIS_AUTH) and where it is mounted.
    "IRIS_PORTAL": True,
    "IRIS_PORTAL_URL_PREFIX": "/portal",
    # Issues per page on the portal's home page.
    "IRIS_PORTAL_PAGE_SIZE": 20,
    # Access level of a customer link -> portal rights; None means the built-in table
    # (iris_admin.permissions.DEFAULT_ACCESS_RIGHTS).
    "IRIS_PORTAL_ACCESS_RIGHTS": None,
    # Days a "keep me logged in" cookie lasts (Flask-Login's REMEMBER_COOKIE_DURATION,
    # unless the app sets that itself). Logging out or a password change ends it sooner.
    "IRIS_REMEMBER_DAYS": 14,
    # Log-in throttling, counted in the database so all workers share the counts. A
    # client address with this many failed log-ins within the window (seconds) is
    # refused until the window has passed. An account with this many failures is
    # slowed down, not locked: addresses that failed for it wait IRIS_LOGIN_ACCOUNT_DELAY
    # seconds after its latest failure, doubled for every further failure (at most the
    # window); any other address may still log in with the right password.
    "IRIS_LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "IRIS_LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "IRIS_LOGIN_FAILURE_WINDOW": 15 * 60,
    "IRIS_LOGIN_ACCOUNT_DELAY": 60,
    # -- messages (e-mail and SMS through the outbox; see iris_admin.messaging) ----------
    # SMTP server for e-mail. No host: e-mails stay in the outbox and fail with a clear
    # error after the retries. TLS is "starttls" (port 587), "ssl" (port 465) or "none".
    "IRIS_SMTP_HOST": None,
    "IRIS_SMTP_PORT": 587,
    "IRIS_SMTP_TLS": "starttls",
    "IRIS_SMTP_USER": None,
    "IRIS_SMTP_PASSWORD": None,
    # The From of every e-mail, e.g. "Service desk <desk@example.com>" (required to send).
    "IRIS_SMTP_SENDER": None,
    # Seconds to wait for the SMTP server (and the SMS gateway) before an attempt fails.
    "IRIS_SMTP_TIMEOUT": 30,
    # PEM file of certificate authorities to trust for the SMTP server instead of the
    # system's (a relay with a company-internal certificate). Verification stays on.
    "IRIS_SMTP_CA_FILE": None,
    # Plugin modules loaded at start-up, each with register(iris), e.g.
    # ["plugins.sms_http"]; see iris_admin/messaging/channels.py for the interface.
    "IRIS_PLUGINS": [],
    # Name of the SMS gateway a plugin registered ("http", "log", ...). None: SMS stay in
    # the outbox and fail with a clear error after the retries.
    "IRIS_SMS_GATEWAY": None,
    # Sender name or number shown on the phone (passed to the gateway; may be None).
    "IRIS_SMS_SENDER": None,
    # Longest SMS accepted, in segments (one segment: 160 GSM characters or 70 others).
    "IRIS_SMS_MAX_SEGMENTS": 6,
    # The generic HTTP gateway (plugins.sms_http): JSON POST to this URL with this bearer token.
    "IRIS_SMS_HTTP_URL": None,
    "IRIS_SMS_HTTP_TOKEN": None,
    "IRIS_SMS_HTTP_TIMEOUT": 10,
    # The most addresses one e-mail may go to (several recipients never see each
    # other's addresses: they are sent like Bcc); more are refused with a clear message.
    "IRIS_MESSAGE_MAX_RECIPIENTS": 50,
    # Delivery attempts per message before it is marked failed.
    "IRIS_MESSAGE_MAX_ATTEMPTS": 5,
    # Seconds before the first retry; doubled for every further retry, at most the max.
    "IRIS_MESSAGE_RETRY_BACKOFF": 60,
    "IRIS_MESSAGE_RETRY_BACKOFF_MAX": 6 * 60 * 60,
    # A message a dispatcher claimed but did not finish within this many seconds (the
    # process died) is claimed again by the next dispatcher.
    "IRIS_MESSAGE_CLAIM_TIMEOUT": 15 * 60,
    # Messages claimed per database statement by a dispatcher.
    "IRIS_MESSAGE_BATCH_SIZE": 50,
    # Seconds between runs of the demo's background dispatcher and of `iris dispatch --loop`.
    "IRIS_DISPATCH_INTERVAL": 10,
    # E-mail the reporter (and, per customer setting, the customer) when an issue's
    # status changes or staff reply publicly.
    "IRIS_ISSUE_UPDATE_EMAILS": True,
    # The portal's public address for links in e-mails, e.g. "https://desk.example.com";
    # None: the address of the request that caused the e-mail.
    "IRIS_PORTAL_BASE_URL": None,
    # Security headers on every response of the app (nosniff, Referrer-Policy,
    # X-Frame-Options, Content-Security-Policy; see iris_admin.security_headers). Headers
    # the app sets itself are kept. False: the host app sends its own.
    "IRIS_SECURITY_HEADERS": True,
    # The Content-Security-Policy; None: iris_admin.security_headers.DEFAULT_POLICY (scripts
    # only from this site or with the request's nonce). "{nonce}" marks where the nonce goes.
    "IRIS_CONTENT_SECURITY_POLICY": None,
    # -- hosting ---------------------------------------------------------------------------
    # GET /healthz: 200 when the database answers and its schema is at this version's
    # head, 503 otherwise; for load balancers and uptime checks (no login, no secrets).
    "IRIS_HEALTHZ": True,
    # Stand-alone app only (read by iris_admin.factory; a host app sets up its own):
    # the number of reverse proxies in front whose X-Forwarded-For/-Proto/-Host/-Prefix
    # headers are trusted (werkzeug's ProxyFix). 0 trusts none: any client could forge them.
    "IRIS_PROXY_FIX": 0,
    # Stand-alone app only: log every logger to stdout, one line per record, at this
    # level (config.production switches it on).
    "IRIS_LOG_STDOUT": False,
    "IRIS_LOG_LEVEL": "INFO",
    # Stand-alone app on a SQLite file only: write-ahead logging (journal_mode=WAL), so
    # pages keep loading while an import commits (in SQLite's default rollback mode a
    # 100,000-row commit kept readers waiting 2 s). The file must be on a local disk.
    "IRIS_SQLITE_WAL": True,
}


def apply_defaults(config: dict) -> None:
    for key, value in DEFAULTS.items():
        config.setdefault(key, value)
