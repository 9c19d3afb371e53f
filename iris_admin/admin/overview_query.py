"""Keeping the customers overview fast at 1,000,000 customers (see bench/).

Flask-Admin builds one count query and one page query per request. On a big table
four things in them are slow, and each has a fix here:

- Counting: ``count(*)`` reads the whole table (or a whole index) on every request.
  The count stops at ``IRIS_OVERVIEW_COUNT_LIMIT`` rows instead (a LIMIT subquery);
  past it a search or filter shows "10,000+", and the unfiltered list shows an
  estimate, "about 1,000,000" (:func:`estimate_rows`; PostgreSQL skips the count when
  the planner's estimate is far past the limit). On PostgreSQL a very common
  search word is estimated from a sample instead, "about 43,000" (:func:`sampled_count`).
  A page that turns out to be the last one makes the count exact again. See
  :class:`RowCount`.
- Search: ``LIKE '%term%'`` reads every row. Words of 3+ characters go through the
  trigram index of :mod:`iris_admin.search_index` (SQLite FTS5, PostgreSQL pg_trgm).
- Ordering the matches: the index gives matches in id order, the list wants them by
  name or code. Which plan is cheap depends on how many match and where they fall in
  the list's order, so :func:`search_page` chooses with what it has counted:

  * up to ``FEW_MATCHES``: their ids are read from the index and the page is sorted
    from those;
  * up to the count limit: all matches are read and sorted (a few ms per thousand);
  * more: common words (a big city) turn up every few rows, so the start of the list
    is walked and each row tested (SQLite: a window sized by the share of rows that
    match; PostgreSQL stops at the page's last match by itself).
    Where that finds too few (the matches bunch up further down, as a first name
    does in a list sorted by name) SQLite lists the index's ids and walks further
    testing ids only, without reading rows; failing that the matches are sorted.

  Whatever the plan, the page holds the rows the plain query would show.
- A filter many rows pass (status Active): SQLite, without statistics, reads every
  row the filter's index gives and sorts them; the page is found by walking the
  list's order instead (:func:`walked_page`), as for a common search word.
- A deep page (``?page=5000``): OFFSET makes the database build every skipped row,
  joins included. The page's ids come from the sort index alone and only those rows
  are loaded (:func:`load_page_by_id`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

from sqlalchemy import (
    Column,
    ColumnElement,
    Select,
    and_,
    func,
    literal,
    or_,
    select,
    tablesample,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.util import ClauseAdapter

from ..models import Customer
from ..search_index import (
    SearchTerms,
    code_is,
    contains_conditions,
    has_index,
    index_ids,
    name_starts_with,
    restrict_to_index_matches,
    sorts_by_code_point,
    text_conditions,
)

# Up to this many matches a search is answered by id lookups.
FEW_MATCHES = 200
# PostgreSQL: a search is first tried on this share of the table's pages (a
# repeatable sample); this many matches there make its estimate good to about 10%.
SAMPLE_PERCENT = 1
SAMPLE_MATCHES_MIN = 100
# The most rows a walk of the list looks at before trying the next plan. SQLite
# reads the whole window (it sorts the matches found again), PostgreSQL stops at
# the page's last match, so there the window only bounds a walk that fails. Testing
# a row's text reads the row (~5 us), testing its id against the index's list only
# the sort index (~0.3 us; SQLite). Measured at 1,000,000 customers.
WALK_ROWS_MAX = 5_000
WALK_ROWS_STOPPING_EARLY_MAX = 20_000
WALK_IDS_MAX = 100_000
# PostgreSQL: a planner estimate this many times the count limit is taken as "more than
# the limit" without counting (see count_customers).
PLAINLY_MORE = 10

# ORDER BY terms as (expression, descending) pairs.
Order = Sequence[tuple[ColumnElement[Any], bool]]


class RowCount(int):
    """A row count for the pager and the "N customers" line, exact or not.

    ``kind`` says how to read it: ``exact``; ``at_least`` (counting stopped: there
    are ``shown`` or more); ``about`` (an estimate near ``shown``). The integer value
    is what the pager uses; it may be one more than ``shown`` so a "next" link remains.
    """

    EXACT = "exact"
    AT_LEAST = "at_least"
    ABOUT = "about"

    kind: str
    shown: int

    def __new__(cls, value: int, kind: str = EXACT, shown: int | None = None) -> Self:
        count = super().__new__(cls, value)
        count.kind = kind
        count.shown = value if shown is None else shown
        return count

    @property
    def is_exact(self) -> bool:
        return self.kind == self.EXACT

    def after_page(self, offset: int, rows_on_page: int, page_size: int) -> RowCount:
        """What the rows of the page just read say about an inexact count."""
        if self.is_exact or not page_size:
            return self
        if rows_on_page < page_size and (rows_on_page or offset == 0):
            return RowCount(offset + rows_on_page)  # this is the last page
        seen = offset + page_size
        beyond = seen > self if self.kind == self.ABOUT else seen >= self
        if rows_on_page == page_size and beyond:
            # More rows than the cap or the estimate said: keep a "next" link.
            return RowCount(seen + 1, self.AT_LEAST, seen)
        return self


@dataclass(frozen=True)
class SearchResult:
    """What a search gives the list view: the count and the rows to show.

    ``condition`` selects the rows; when ``paged`` it selects exactly the page's rows
    (LIMIT/OFFSET must not be applied again), otherwise all matches.
    """

    count: RowCount
    condition: ColumnElement[bool]
    paged: bool = False


def order_by_clauses(order: Order) -> list[ColumnElement[Any]]:
    return [expression.desc() if descending else expression for expression, descending in order]


def count_capped(session: Session, query: Select, limit: int) -> RowCount:
    """The number of rows of ``query``, reading no more than ``limit + 1`` of them."""
    capped = (
        query.with_only_columns(literal(1), maintain_column_froms=True).limit(limit + 1).subquery()
    )
    counted = session.scalar(select(func.count()).select_from(capped)) or 0
    if counted > limit:
        return RowCount(limit + 1, RowCount.AT_LEAST, limit)
    return RowCount(counted)


def planner_estimate(session: Session) -> int | None:
    """PostgreSQL: the planner's own estimate of the customers (rows per page at the
    last ANALYZE or VACUUM times the table's current pages); None elsewhere, or when
    the table was never analysed."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    estimate = session.scalar(
        text(
            "SELECT CASE WHEN c.reltuples >= 0 AND c.relpages > 0 THEN"
            " c.reltuples / c.relpages * (pg_relation_size(c.oid)"
            " / current_setting('block_size')::integer) END"
            " FROM pg_class c WHERE c.oid = to_regclass('iris_customer')"
        )
    )
    return int(estimate) if estimate else None


def estimate_rows(session: Session) -> int:
    """About how many customers there are, from catalogue data, without counting.

    PostgreSQL: :func:`planner_estimate`, when the table was ever analysed. Otherwise
    the span of the ids (each end looked up on the primary key): ids are given out in
    order, so it is exact until customers are deleted, then high.
    """
    estimate = planner_estimate(session)
    if estimate:
        return estimate
    # Two scalar subqueries: SQLite answers a lone max() or min() from the index.
    span = session.scalar(
        select(
            select(func.max(Customer.id)).scalar_subquery()
            - select(func.min(Customer.id)).scalar_subquery()
            + 1
        )
    )
    return int(span or 0)


def count_customers(session: Session, rows: Select, limit: int, *, filtered: bool) -> RowCount:
    """The count for the list without search: capped, or estimated when unfiltered.

    PostgreSQL: when the planner puts the whole list at ``PLAINLY_MORE`` times the
    limit or more, the capped count (2 ms at 1,000,000 customers, on every page)
    would stop at the limit anyway and is skipped. (The planner's figure lags behind
    a mass delete until autovacuum has run, a minute or so; SQLite's id span may stay
    high for good, so there the count always comes first.)
    """
    planned = None if filtered else planner_estimate(session)
    if planned is not None and planned >= PLAINLY_MORE * limit:
        return RowCount(planned, RowCount.ABOUT, planned)
    count = count_capped(session, rows, limit)
    if count.is_exact or filtered:
        return count
    estimate = max(planned or estimate_rows(session), limit + 1)
    return RowCount(estimate, RowCount.ABOUT, estimate)


def search_page(
    session: Session,
    *,
    rows: Select,
    filtered: bool,
    terms: SearchTerms,
    order: Order,
    offset: int,
    page_size: int,
    limit: int,
) -> SearchResult:
    """Count a search and find the rows of the page asked for.

    ``rows`` selects the ids of the customers the list shows (filters applied, so
    ``filtered``); ``order`` is the list's order; ``limit`` where counting stops.
    With ``page_size`` 0 (an export of everything) the condition selects every match.
    """
    dialect = session.get_bind().dialect.name
    if not terms.indexed:
        condition = _short_search(session, dialect, terms.text)
        return SearchResult(count_capped(session, rows.where(condition), limit), condition)
    if not has_index(dialect):
        condition = and_(*text_conditions(terms.words))
        return SearchResult(count_capped(session, rows.where(condition), limit), condition)

    matches = restrict_to_index_matches(dialect, rows, terms)
    # Without filters or short words the index alone has the answer (no row lookups).
    counted = matches if filtered or terms.short else index_ids(dialect, terms)
    total = estimate_rows(session)
    count = sampled_count(session, rows, terms, limit, total) if dialect == "postgresql" else None
    if count is None:
        count = count_capped(session, counted, limit)
    if count.is_exact and count <= FEW_MATCHES:
        return SearchResult(count, Customer.id.in_(list(session.scalars(counted))))
    if not page_size:
        return SearchResult(count, Customer.id.in_(matches.scalar_subquery()))

    needed = offset + page_size
    page_ids: list[int] | None = None
    if not count.is_exact:
        page_ids = _walk(
            session,
            rows,
            order,
            needed,
            dialect=dialect,
            test_text=terms.words,
            window=_rows_window(dialect, needed, int(count), total),
        )
        if page_ids is None and dialect == "sqlite" and not filtered:
            page_ids = _walk(
                session,
                rows,
                order,
                needed,
                dialect=dialect,
                test_text=terms.short,
                members=index_ids(dialect, terms),
                window=min(total, WALK_IDS_MAX),
            )
    if page_ids is None:
        page_ids = _sorted_ids(session, matches, order, needed)
    return SearchResult(count, Customer.id.in_(page_ids[offset:]), paged=True)


def sampled_count(
    session: Session, rows: Select, terms: SearchTerms, limit: int, total: int
) -> RowCount | None:
    """PostgreSQL: "about N" for a search so common that counting to ``limit`` costs.

    The trigram index answers a common word slowly (its entries for trigrams like
    "ter" are long: 30-50 ms for "rotterdam" at 1,000,000 customers, before any
    counting). A repeatable sample of ``SAMPLE_PERCENT`` of the table's pages takes
    ~10 ms; when it holds ``SAMPLE_MATCHES_MIN`` matches or more, the share it finds
    gives the estimate, and the walk of the list finds the page. None when the
    sample finds fewer (or the estimate is under ``limit``): count them instead.
    """
    if len(rows.get_final_froms()) != 1:
        return None
    sample = tablesample(
        Customer.__table__, func.system(SAMPLE_PERCENT), name="sampled", seed=literal(0)
    )
    conditions = contains_conditions("postgresql", terms.words, sample.c.search_text)
    if rows.whereclause is not None:
        conditions.append(ClauseAdapter(sample).traverse(rows.whereclause))
    seen, hits = session.execute(
        select(func.count(), func.count().filter(and_(*conditions))).select_from(sample)
    ).one()
    if hits < SAMPLE_MATCHES_MIN:
        return None
    estimate = hits * total // seen
    return RowCount(estimate, RowCount.ABOUT) if estimate > limit else None


def _short_search(session: Session, dialect: str, prefix: str) -> ColumnElement[bool]:
    """Only 1-2 character words: the name starts with the text, or the code is it."""
    condition = name_starts_with(dialect, prefix, code_point_order=sorts_by_code_point(session))
    # Looked up first: an OR in the condition would stop the range scan of the name index.
    code_match = session.scalar(select(Customer.id).where(code_is(prefix)))
    return condition if code_match is None else or_(condition, Customer.id == code_match)


def _labelled_keys(order: Order) -> list[ColumnElement[Any]]:
    return [expression.label(f"k{number}") for number, (expression, _) in enumerate(order)]


def _outer_order(subquery: Any, order: Order) -> list[ColumnElement[Any]]:
    """The list order again, on the sort keys a subquery exposes as k0, k1, ..."""
    return order_by_clauses(
        [(subquery.c[f"k{number}"], descending) for number, (_, descending) in enumerate(order)]
    )


def _sorted_ids(session: Session, matches: Select, order: Order, needed: int) -> list[int]:
    """The first ``needed`` ids of ``matches`` in list order, by reading all matches.

    The matches are fenced off (OFFSET 0) so the database finds them through the
    search index first and sorts them after; unfenced it may prefer to walk the
    sort index and test every row.
    """
    found = (
        matches.with_only_columns(
            Customer.id.label("id"), *_labelled_keys(order), maintain_column_froms=True
        )
        .offset(0)
        .subquery()
    )
    query = select(found.c.id).order_by(*_outer_order(found, order)).limit(needed)
    return list(session.scalars(query))


def _window(needed: int, matches: int, total: int, most: int) -> int | None:
    """How many rows of the list to walk for ``needed`` matches, or None: too many.

    Were the matches spread evenly, ``needed * total / matches`` rows would hold
    them; the walk allows twice that.
    """
    window = 2 * needed * max(total, matches) // max(matches, 1) + 1
    return window if window <= most else None


def _rows_window(dialect: str, needed: int, matches: int, total: int) -> int | None:
    """The window of a walk that reads rows: PostgreSQL stops at the page's last match
    by itself, so its window only bounds a walk that fails; SQLite reads all of it."""
    if dialect == "postgresql":
        return WALK_ROWS_STOPPING_EARLY_MAX if needed <= WALK_ROWS_STOPPING_EARLY_MAX else None
    return _window(needed, matches, total, WALK_ROWS_MAX)


def _walk(
    session: Session,
    rows: Select,
    order: Order,
    needed: int,
    *,
    dialect: str,
    window: int | None,
    test_text: tuple[str, ...] = (),
    members: Select | None = None,
) -> list[int] | None:
    """The first ``needed`` rows of ``rows`` (a filtered list) that match, among the
    first ``window`` rows of the whole list in its order, or None when those hold fewer.

    A row matches when it passes the list's filters, its search text contains the
    ``test_text`` words, and, given ``members``, its id is among them. The window is
    read from the sort index without the filters: given an equality filter such as
    ``status_id = ?``, SQLite (without statistics) would rather read every row the
    filter's index gives and sort them, 880,000 for "Active". Testing ids needs only
    the sort index (the row id is part of every entry); testing text or filters reads
    the row.
    """
    if window is None or len(rows.get_final_froms()) != 1:
        return None
    filters = rows.whereclause
    row_columns = (
        {
            column.key: column
            for column in visitors.iterate(filters)
            if isinstance(column, Column) and column.table is Customer.__table__
        }
        if filters is not None
        else {}
    )
    if test_text:
        row_columns["search_text"] = Customer.__table__.c.search_text
    row_columns.pop("id", None)
    walked = (
        select(Customer.id.label("id"), *_labelled_keys(order), *row_columns.values())
        .order_by(*order_by_clauses(order))
        .limit(window)
        .subquery()
    )
    conditions = [ClauseAdapter(walked).traverse(filters)] if filters is not None else []
    if test_text:
        conditions += contains_conditions(dialect, test_text, walked.c.search_text)
    if members is not None:
        conditions.append(walked.c.id.in_(members))
    query = (
        select(walked.c.id).where(*conditions).order_by(*_outer_order(walked, order)).limit(needed)
    )
    found = list(session.scalars(query))
    return found if len(found) >= needed else None


def walked_page(
    session: Session, rows: Select, order: Order, offset: int, page_size: int, count: RowCount
) -> list[int] | None:
    """A page of a filtered list (no search) that many rows pass, found by walking the
    list (see :func:`_walk`); None when that would read too far."""
    dialect = session.get_bind().dialect.name
    needed = offset + page_size
    window = _rows_window(dialect, needed, int(count), estimate_rows(session))
    found = _walk(session, rows, order, needed, dialect=dialect, window=window)
    return None if found is None else found[offset:]


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
