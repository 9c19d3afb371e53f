"""Which customers contain a piece of text, answered by an index instead of a full scan.

``iris_customer.search_text`` is the lower-cased haystack of every searchable value
(see ``models.customers.build_search_text``). Migration 0005 indexes it by trigrams,
inside the database, so every write keeps the index in step whoever makes it (ORM
saves, the import's and the seed's bulk Core statements, deletes):

- SQLite: the external-content FTS5 table ``iris_customer_search`` (``trigram``
  tokenizer, rowid = customer id), filled by triggers on ``iris_customer``. A quoted
  FTS5 string of 3+ characters matches exactly the rows containing it as a substring.
- PostgreSQL: ``pg_trgm`` and a GIN index on ``search_text gin_trgm_ops``; a plain
  ``search_text LIKE '%word%'`` uses it (the planner rechecks the LIKE on every
  candidate, so the result is exact).
- Any other database: the same LIKE, without an index.

Words: a search is split on white space and every word must occur (AND), in any order.
User input never becomes query syntax: each word is one FTS5 string (``"..."`` with
``"`` doubled, so ``AND``, ``NEAR(``, ``*``, ``-`` are plain text) and LIKE patterns
escape ``%``, ``_`` and ``\\``.

Short words: a trigram index cannot look up words of 1 or 2 characters. In a search
with at least one word of 3+ characters the index finds the candidates and the short
words are checked on those rows (``"jan de"`` still means "contains jan and de").
A search made only of short words (``"ab"``, ``"a 1"``) instead finds the customers
whose *name starts with* the whole search text, or whose code is exactly it: the
name sort index answers that at once (and in the list's order), where "contains"
would read every row of the table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    and_,
    column,
    func,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from .models import Customer

# Trigram indexes need this many characters to look a word up.
MIN_INDEXED_LENGTH = 3

FTS_TABLE = "iris_customer_search"
TRGM_INDEX = "ix_iris_customer_search_trgm"

# The FTS5 table: its rowid is the customer id; the column named like the table is
# what MATCH takes (a query over all its columns).
_fts = table(FTS_TABLE, column("rowid", Integer), column(FTS_TABLE))


def _fts_match(words: tuple[str, ...]) -> ColumnElement[bool]:
    return _fts.c[FTS_TABLE].op("MATCH")(fts5_query(words))


def is_search_index_object(name: str | None) -> bool:
    """The FTS5 table (and its shadow tables) and the trigram index: not in the models,
    so Alembic's autogenerate must leave them alone."""
    return name is not None and (name.startswith(FTS_TABLE) or name == TRGM_INDEX)


@dataclass(frozen=True)
class SearchTerms:
    """A search as typed, split into words, lower-cased."""

    text: str
    words: tuple[str, ...]

    @classmethod
    def parse(cls, search: str | None) -> SearchTerms:
        # NUL is no character of any customer's text, and PostgreSQL refuses it in a
        # query parameter: read it as a space.
        text = " ".join((search or "").replace("\x00", " ").lower().split())
        # Repeating a word changes nothing; dropping repeats keeps the query small.
        return cls(text=text, words=tuple(dict.fromkeys(text.split())))

    def __bool__(self) -> bool:
        return bool(self.words)

    @property
    def indexed(self) -> tuple[str, ...]:
        return tuple(word for word in self.words if len(word) >= MIN_INDEXED_LENGTH)

    @property
    def short(self) -> tuple[str, ...]:
        return tuple(word for word in self.words if len(word) < MIN_INDEXED_LENGTH)


def fts5_query(words: tuple[str, ...] | list[str]) -> str:
    """An FTS5 query that matches rows containing every word: ``"w1" AND "w2"``.

    Inside an FTS5 string only ``"`` is special (written twice), so operators,
    column filters, ``*`` and parentheses in the input are just text.
    """
    return " AND ".join('"' + word.replace('"', '""') + '"' for word in words)


def like_contains(word: str) -> str:
    """``%word%`` for LIKE with ``\\`` as the escape character."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_conditions(
    words: tuple[str, ...] | list[str], search_column: Any = None
) -> list[ColumnElement[bool]]:
    """One ``LIKE '%word%'`` per word on the lower-cased haystack: exact, and on
    PostgreSQL answered by the trigram index."""
    search_column = Customer.search_text if search_column is None else search_column
    return [search_column.like(like_contains(word), escape="\\") for word in words]


def contains_conditions(
    dialect: str, words: tuple[str, ...] | list[str], search_column: Any = None
) -> list[ColumnElement[bool]]:
    """One substring test per word, checked row by row and never through an index.

    For words the index cannot look up (1-2 characters) and for testing rows already
    read: ``instr``/``strpos`` take the word as plain text (no wildcards to escape),
    and PostgreSQL does not try them on the trigram index, where a 2-letter pattern
    would make it read the whole index.
    """
    search_column = Customer.search_text if search_column is None else search_column
    position = func.strpos if dialect == "postgresql" else func.instr
    return [position(search_column, word) > 0 for word in words]


def has_index(dialect: str) -> bool:
    return dialect in ("sqlite", "postgresql")


def index_ids(dialect: str, terms: SearchTerms) -> Select:
    """Ids of the customers containing every indexed word, from the index alone.

    ``terms.indexed`` must not be empty. Short words are not checked here.
    """
    if dialect == "sqlite":
        return select(_fts.c.rowid).where(_fts_match(terms.indexed))
    return select(Customer.id).where(*text_conditions(terms.indexed))


def restrict_to_index_matches(dialect: str, query: Select, terms: SearchTerms) -> Select:
    """``query`` (over iris_customer) narrowed to rows containing every word.

    The indexed words go through the index, the short ones are checked on the rows.
    """
    if dialect == "sqlite":
        # IN (not a join): SQLite lists the index's matches once and drives the query
        # from them. Joined, it may loop over another index (a filter's) and run the
        # full-text query once per row: minutes at 1,000,000 customers.
        query = query.where(Customer.id.in_(index_ids(dialect, terms)))
    else:
        query = query.where(*text_conditions(terms.indexed))
    return query.where(*contains_conditions(dialect, terms.short))


def name_starts_with(dialect: str, prefix: str, *, code_point_order: bool) -> ColumnElement[bool]:
    """The customer's name starts with ``prefix`` (lower-cased), as a range of the
    name sort index (``lower(name), id``), so the list's own order reads it directly.

    In code-point order (SQLite; PostgreSQL with a "C" collation: ``code_point_order``)
    the names starting with ``ab`` are exactly those from 'ab' up to, not including,
    'ac'. A linguistic PostgreSQL collation orders letters and digits the same way
    but may ignore punctuation: the range then holds the names that *sort* as
    starting with the prefix ("d-e..." among "de..."), ends after the prefix's last
    letter or digit, and a LIKE checks names when the prefix ends in anything else.
    SQLite's ``lower()`` folds ASCII letters only, so "é" does not find "Émile" there.
    """
    column = Customer.sort_name
    if dialect == "sqlite" or (dialect == "postgresql" and code_point_order):
        return (column >= prefix) & (column < _next_string(prefix))
    starts = column.like(like_contains(prefix)[1:], escape="\\")  # 'prefix%'
    if dialect != "postgresql":
        return starts
    plain = prefix
    while plain and plain[-1] not in _PLAIN:
        plain = plain[:-1]
    bounds = [column >= prefix]
    if plain:
        bounds.append(column < _next_string(plain))
    return and_(*bounds) if plain == prefix else and_(*bounds, starts)


# Characters whose successor (by code point) sorts right after them in any collation.
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxy012345678")
_CODE_POINT_COLLATIONS = frozenset({"C", "POSIX", "C.UTF-8", "C.utf8", "ucs_basic"})
_code_point_order: dict[str, bool] = {}


def sorts_by_code_point(session: Any) -> bool:
    """Does the database compare text by code point? (Asked once per database.)"""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return bind.dialect.name == "sqlite"
    key = str(bind.url)
    if key not in _code_point_order:
        provider, collate = session.execute(
            text(
                "SELECT datlocprovider, datcollate FROM pg_database"
                " WHERE datname = current_database()"
            )
        ).one()
        _code_point_order[key] = provider == "c" and collate in _CODE_POINT_COLLATIONS
    return _code_point_order[key]


def code_is(code: str) -> ColumnElement[bool]:
    """The customer's code is ``code`` ignoring case (the unique index on lower(code))."""
    return Customer.sort_code == code


def _next_string(prefix: str) -> str:
    """The smallest string after every string that starts with ``prefix`` (code points)."""
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # surrogates are not characters; skip them
        last = 0xE000
    if last > 0x10FFFF:
        return prefix + "\U0010ffff"
    return prefix[:-1] + chr(last)


@contextmanager
def bulk_indexing(
    session: Session, *, inserted: int = 0, updated: int = 0, deleted: int = 0
) -> Iterator[None]:
    """Index the text of a bulk write once at the end, when that is the cheaper way.

    Wraps statements that insert ``inserted`` customers, change the search text of
    ``updated`` existing ones and delete ``deleted``, inside the caller's transaction.
    On SQLite the triggers index row by row: a removal costs as much as an addition
    (FTS5 is told the old text to remove it), so an update costs twice: 6 s for
    100,000 updated customers, where indexing the whole table afresh takes 2 s. So
    when the trigger work outweighs the table as it will be, the index is rebuilt
    after the statements instead (:func:`sqlite_index_rebuilt_afterwards`). Other
    databases index as they go.
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite" or not (inserted or updated or deleted):
        yield
        return
    existing = session.scalar(text("SELECT count(*) FROM iris_customer")) or 0
    trigger_work = inserted + 2 * updated + deleted
    with sqlite_index_rebuilt_afterwards(
        session.connection(), existing + inserted - deleted <= trigger_work
    ):
        yield


@contextmanager
def sqlite_index_rebuilt_afterwards(
    connection: Connection, rebuild: bool = True, announce: Callable[[str], None] | None = None
) -> Iterator[None]:
    """SQLite: fill the full-text search tables over ``iris_customer`` once, at the end
    of the statements inside, instead of row by row through their triggers.

    The triggers are dropped, the statements run, each table is rebuilt from
    ``iris_customer`` and the triggers created again, all inside the caller's
    transaction. SQLite's DDL is transactional: if anything fails, the triggers come
    back with the rollback, and no other connection can write (SQLite has one writer)
    or sees the table without them while they are gone.
    """
    if connection.dialect.name != "sqlite" or not rebuild:
        yield
        return
    fts_tables = (
        connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE :fts5"),
            {"fts5": "CREATE VIRTUAL TABLE%USING fts5%content=%iris_customer%"},
        )
        .scalars()
        .all()
    )
    triggers = [
        (name, sql)
        for name, sql in connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'iris_customer'"
        )
        if any(fts_table in sql for fts_table in fts_tables)
    ]
    if not triggers:
        yield
        return
    # pysqlite opens a transaction only before INSERT/UPDATE/DELETE; the DDL below
    # must be inside it to roll back with it.
    if not cast(sqlite3.Connection, connection.connection.dbapi_connection).in_transaction:
        connection.exec_driver_sql("BEGIN")
    for name, _sql in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    if announce:
        announce("Rebuilding the search index ...")
    for fts_table in fts_tables:
        connection.exec_driver_sql(f'INSERT INTO "{fts_table}"("{fts_table}") VALUES (\'rebuild\')')
    for _name, sql in triggers:
        connection.exec_driver_sql(sql)
