"""Keeping the customers overview fast at 100,000+ rows (see bench/bench_overview.py).

Flask-Admin builds one count query and one page query per request: search filter,
sort, LIMIT/OFFSET, plus a LEFT JOIN per many-to-one column shown. On a big table
three things in them are slow, and each has a plain fix here:

- Search: Flask-Admin compares ``lower(CAST(col AS VARCHAR)) LIKE lower('%term%')``.
  ``search_text`` is stored lower-cased already, so the words are lowered once in
  Python (which, unlike SQLite's ``lower()``, also handles "É") and compared plainly:
  half the cost of the full scan a ``%term%`` search needs.
- A rare search term (a code, a phone number): the page query walks the sort index
  and looks up every row to test the term, so a term with one match reads the whole
  table at random (0.3-0.6 s at 100,000 rows), after the count already scanned it.
  One scan that stops after ``FEW_MATCHES + 1`` matches tells rare from common terms;
  a rare term's matches are then found by id, for the count and the page alike.
- A deep page (``?page=999``): OFFSET makes the database build every skipped row,
  joins included (40 ms at page 1,000). The page's ids come from the sort index
  alone and only those rows are loaded (1 ms).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

# Up to this many matches a search is answered by id lookups. Above it the term is
# common enough that walking the sort index finds a page of matches quickly, and the
# probing scan stopped early (about FEW_MATCHES / share-of-rows-matching rows read).
FEW_MATCHES = 200


def like_escaped(word: str) -> str:
    """``%word%`` for LIKE with ``\\`` as the escape character."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_conditions(search_column: Any, search: str) -> list[ColumnElement[bool]]:
    """One condition per word (all must match) on a lower-cased haystack column."""
    return [
        search_column.like(like_escaped(word), escape="\\")
        for word in search.lower().split()
    ]


def search_condition(
    session: Session, id_column: Any, search_column: Any, search: str
) -> ColumnElement[bool]:
    """The condition for the count and page queries: by id when few rows match."""
    conditions = search_conditions(search_column, search)
    matches = session.scalars(
        select(id_column).where(*conditions).limit(FEW_MATCHES + 1)
    ).all()
    if len(matches) <= FEW_MATCHES:
        return id_column.in_(matches)
    return and_(*conditions)


def load_page_by_id(query: Any, *, id_column: Any, page: int | None, page_size: int | None) -> Any:
    """For a page past the first, a query for the same rows that skips rows cheaply.

    ``query`` is Flask-Admin's sorted, paginated page query. The page's ids are
    chosen by the same ORDER BY/LIMIT/OFFSET without the joins, then those rows
    are loaded with them.
    """
    if not (page and page_size):
        return query
    page_ids = query.with_entities(id_column).subquery()
    return (
        query.enable_assertions(False)  # criteria after LIMIT: it is removed right here
        .limit(None)
        .offset(None)
        .filter(id_column.in_(select(page_ids.c[0])))
    )
