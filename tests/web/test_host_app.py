"""A host app with its own Flask-Admin, Flask-SQLAlchemy and models adds iris-admin in a few
lines."""

from pathlib import Path

import pytest
from flask import Flask
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_admin.theme import Bootstrap4Theme
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from iris_admin import IrisAdmin
from iris_admin.schema import upgrade
from tests.conftest import Client, make_user


class HostBase(DeclarativeBase):
    pass


class Product(HostBase):
    """A model of the host's own, on the host's own metadata."""

    __tablename__ = "product"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))


def build_host_app(database: Path, **config) -> tuple[Flask, SQLAlchemy]:
    db = SQLAlchemy(model_class=HostBase)
    admin = Admin(name="Host desk", theme=Bootstrap4Theme())
    app = Flask("host_app")
    app.config.update(
        SECRET_KEY="host-secret",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        **config,
    )
    db.init_app(app)
    admin.init_app(app)
    admin.add_view(ModelView(Product, db, endpoint="product"))
    # The documented lines: iris-admin joins the host's admin and session.
    IrisAdmin().init_app(app, db=db, admin=admin)
    return app, db


@pytest.fixture
def host(tmp_path):
    app, db = build_host_app(tmp_path / "host.sqlite")
    with app.app_context():
        db.create_all()  # the host's own tables, its own way
        upgrade(db.engine)  # iris-admin's tables through its own migrations
        yield app, db


def test_host_keeps_its_tables_and_gets_ours(host):
    _app, db = host
    tables = set(inspect(db.engine).get_table_names())
    assert "product" in tables
    assert {"iris_customer", "iris_contact", "iris_alembic_version"} <= tables
    assert "alembic_version" not in tables  # the host's own Alembic table is never touched


def test_host_admin_shows_both_its_views_and_customers(host):
    app, _db = host
    make_user("boss@host.example", "admin")
    client = Client(app.test_client())
    assert client.login("boss@host.example").status_code == 302
    assert client.get("/admin/product/").status_code == 200
    assert client.get("/admin/customer/").status_code == 200
    response = client.post(
        "/admin/customer/new/", {"is_business": "y", "name": "Host Customer", "code": "H1"}
    )
    assert response.status_code == 302
    page = client.get("/admin/customer/").get_data(as_text=True)
    assert "Host Customer" in page


def test_registering_twice_is_an_error(host):
    app, db = host
    with pytest.raises(RuntimeError, match="already registered"):
        IrisAdmin().init_app(app, db=db)


def test_host_with_its_own_issue_tracker_gets_its_link_on_the_customer_page(tmp_path):
    app, db = build_host_app(
        tmp_path / "own.sqlite",
        IRIS_CUSTOMER_ISSUES_URL=lambda customer: f"/tickets?customer={customer.id}",
    )
    with app.app_context():
        upgrade(db.engine)
        make_user("boss@host.example", "admin")
        from tests.factories import make_customer

        customer = make_customer("Host Customer")
        client = Client(app.test_client())
        client.login("boss@host.example")
        page = client.get(f"/admin/customer/details/?id={customer.id}").get_data(as_text=True)
        assert f'href="/tickets?customer={customer.id}"' in page
