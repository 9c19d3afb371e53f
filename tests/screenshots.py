"""Screenshots of the overview and the customer page for the README.

Run ``python -m tests.screenshots``: it builds a throw-away SQLite database with
the demo data, serves the app on a free loopback port, logs in with headless
Chromium and writes ``tests/screenshots/overview.png`` and
``tests/screenshots/customer-page.png`` (1400x900).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from iris_admin import create_app
from iris_admin.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, add_demo_data
from iris_admin.extension import iris_state
from iris_admin.models import Customer
from iris_admin.schema import upgrade

OUTPUT = Path(__file__).parent / "screenshots"
VIEWPORT = {"width": 1400, "height": 900}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]


def build_app(database: Path) -> Flask:
    url = f"sqlite:///{database}"
    engine = sa.create_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app(
        {"IRIS_CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "screenshots"}
    )
    with app.app_context():
        add_demo_data(iris_state().session)
    return app


def showcase_customer_id(app: Flask) -> int:
    """A business customer with several contacts and an invoice address: a full page."""
    with app.app_context():
        session = iris_state().session
        for customer in session.scalars(
            select(Customer).where(Customer.is_business.is_(True)).order_by(Customer.id)
        ):
            if len(customer.contacts) >= 2 and customer.invoice_addresses and customer.user_links:
                return customer.id
        for customer in session.scalars(
            select(Customer).where(Customer.is_business.is_(True)).order_by(Customer.id)
        ):
            if len(customer.contacts) >= 2 and customer.invoice_addresses:
                return customer.id
    raise LookupError("the demo data has no business customer with contacts and an address")


class QuietRequestHandler(WSGIRequestHandler):
    """No access log: the script prints only what it wrote."""

    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mail").fill(DEMO_ADMIN_EMAIL)
    page.get_by_label("Password").fill(DEMO_ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#new-customer")).to_be_visible()


def take_screenshots(base_url: str, customer_id: int) -> list[Path]:
    OUTPUT.mkdir(exist_ok=True)
    overview, customer_page = OUTPUT / "overview.png", OUTPUT / "customer-page.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            log_in(page, base_url)
            expect(page.locator("table.model-list tbody tr").first).to_be_visible()
            page.screenshot(path=str(overview))
            page.goto(f"{base_url}/admin/customer/details/?id={customer_id}")
            expect(page.locator("#contacts")).to_be_visible()
            page.screenshot(path=str(customer_page))
        finally:
            browser.close()
    return [overview, customer_page]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="iris-screenshots-") as folder:
        app = build_app(Path(folder) / "iris.sqlite")
        customer_id = showcase_customer_id(app)
        with serving(app) as base_url:
            for path in take_screenshots(base_url, customer_id):
                print(f"Wrote {path}")


if __name__ == "__main__":
    main()
