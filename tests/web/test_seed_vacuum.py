"""After `flask iris seed` the overview is fast at once: PostgreSQL has been vacuumed.

A bulk load leaves the table's pages not yet marked all-visible, so an index-only
scan (a deep overview page) reads the table row by row until autovacuum gets to it.
The seed runs VACUUM (ANALYZE) itself; SQLite is left without statistics on purpose
(the overview's queries are tuned for its planner without them).
"""

from __future__ import annotations

from sqlalchemy import text

from iris_admin.extension import db_session


def test_the_seed_leaves_the_tables_vacuumed_and_analysed(app):
    # No transaction of ours may stay open: VACUUM marks a page all-visible only when
    # no running transaction is older than its rows.
    db_session().commit()
    result = app.test_cli_runner().invoke(args=["iris", "seed", "--customers", "300"])
    assert result.exit_code == 0, result.output
    session = db_session()
    if session.get_bind().dialect.name == "postgresql":
        stats = session.execute(
            text(
                "SELECT relname, last_vacuum IS NOT NULL, last_analyze IS NOT NULL"
                " FROM pg_stat_user_tables WHERE relname IN"
                " ('iris_customer', 'iris_contact', 'iris_invoice_address', 'iris_issue')"
                " ORDER BY relname"
            )
        ).all()
        assert stats == [
            (table, True, True)
            for table in ("iris_contact", "iris_customer", "iris_invoice_address", "iris_issue")
        ]
        pages, visible, rows = session.execute(
            text(
                "SELECT relpages, relallvisible, reltuples FROM pg_class"
                " WHERE relname = 'iris_customer'"
            )
        ).one()
        assert pages > 0 and visible == pages and rows == 300
    else:
        assert (
            session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"))
            == 0
        )
