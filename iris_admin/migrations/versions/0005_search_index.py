"""search index: SQLite FTS5 trigram table + triggers, PostgreSQL pg_trgm GIN index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 01:30:00

The overview searches ``iris_customer.search_text`` for substrings. Both databases get
an index that answers "which rows contain this substring" and that the database itself
keeps in step with every write (ORM, bulk Core statements of the import and the seed,
deletes), so no application code can forget it:

- SQLite: an external-content FTS5 table with the ``trigram`` tokenizer over
  ``search_text`` (rowid = customer id), filled by AFTER INSERT / UPDATE / DELETE
  triggers on ``iris_customer``. Note for later migrations: rebuilding
  ``iris_customer`` with ``batch_alter_table`` (copy, drop, rename) drops these
  triggers; such a migration must run ``SQLITE_TRIGGERS`` again and 'rebuild'.
- PostgreSQL: the ``pg_trgm`` extension (trusted: the database owner may create it)
  and a GIN index on ``search_text gin_trgm_ops``, which LIKE '%term%' uses. The name
  sort index also gets ``INCLUDE (name)`` so deep pages are read from it alone.

Existing rows are indexed here (FTS5 'rebuild'; the GIN index is built on creation):
at 1,000,000 customers that takes about 1.5 minutes on SQLite.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FTS_TABLE = "iris_customer_search"
TRGM_INDEX = "ix_iris_customer_search_trgm"

SQLITE_TABLE = f"""
CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
    search_text, content='iris_customer', content_rowid='id', tokenize='trigram'
)
"""
# An external-content FTS5 table must be told the old text to remove it; the
# triggers see exactly what was indexed, because they are the only writers.
SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON iris_customer BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END
    """,
    f"""
    CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON iris_customer BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END
    """,
    # Only when the text (or the id) really changes: most updates touch neither.
    f"""
    CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE OF id, search_text ON iris_customer
    WHEN old.search_text IS NOT new.search_text OR old.id IS NOT new.id BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END
    """,
)
SQLITE_TRIGGER_NAMES = (f"{FTS_TABLE}_insert", f"{FTS_TABLE}_delete", f"{FTS_TABLE}_update")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(SQLITE_TABLE)
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        op.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            f"CREATE INDEX {TRGM_INDEX} ON iris_customer USING gin (search_text gin_trgm_ops)"
        )
        # Deep pages of the list (?page=5000) skip 100,000 entries of the name sort
        # index. PostgreSQL reads them from the index alone only when it holds every
        # column the query uses, name included (lower(name) alone does not count).
        op.execute("DROP INDEX ix_iris_customer_sort_name")
        op.execute(
            "CREATE INDEX ix_iris_customer_sort_name ON iris_customer (lower(name), id)"
            " INCLUDE (name)"
        )
    # Other databases: no index; the overview falls back to LIKE (see search_index).


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif dialect == "postgresql":
        # The extension stays: other tables of the database may use it.
        op.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")
        op.execute("DROP INDEX ix_iris_customer_sort_name")
        op.execute("CREATE INDEX ix_iris_customer_sort_name ON iris_customer (lower(name), id)")
