"""The work-list benchmark (bench/bench_worklist.py) at small sizes: what it reads, never how fast."""

from __future__ import annotations

from typing import Any

import pytest

from bench import bench_worklist as bench

SIZES = (50, 200)
PAGE = 20


@pytest.fixture(scope="module")
def report() -> bench.Report:
    return bench.run(SIZES, page=PAGE, runs=1, full_runs=1, walk=True)


def ids(page: Any) -> list[str]:
    return [row["id"] for row in page.items]


def newest_first(size: int, start: int, count: int) -> list[str]:
    """Ids of the requests the work list shows at positions start.. (the last written changed last)."""
    return [bench.request(i)[0]["id"] for i in range(size - 1 - start, size - 1 - start - count, -1)]


@pytest.mark.parametrize("size", SIZES)
def test_given_more_open_requests_than_a_page_then_the_first_page_is_full_and_newest_first(
    report: bench.Report, size: int
) -> None:
    first = report.pages[size][0]
    assert len(first.items) == PAGE
    assert ids(first) == newest_first(size, 0, PAGE)
    assert first.cursor is not None
    assert all(row["waiting"]["role"] == "reviewer" for row in first.items)


@pytest.mark.parametrize("size", SIZES)
def test_given_the_cursor_then_the_second_page_continues_without_repeats(report: bench.Report, size: int) -> None:
    first, second = report.pages[size][:2]
    assert len(second.items) == PAGE
    assert not set(ids(first)) & set(ids(second))
    assert ids(second) == newest_first(size, PAGE, PAGE)


@pytest.mark.parametrize("size", SIZES)
def test_given_every_cursor_followed_then_each_request_appears_once_and_the_last_cursor_is_none(
    report: bench.Report, size: int
) -> None:
    pages = report.pages[size]
    every = [request_id for page in pages for request_id in ids(page)]
    assert [page.cursor is None for page in pages] == [False] * (len(pages) - 1) + [True]
    assert all(len(page.items) == PAGE for page in pages[:-1])
    assert len(every) == len(set(every)) == size


@pytest.mark.parametrize("size", SIZES)
def test_given_a_page_then_dynamodb_reads_a_page_and_given_the_full_read_then_every_open_request(
    report: bench.Report, size: int
) -> None:
    for case in (bench.PAGE_1, bench.PAGE_2):
        figure = report.figure(case, size)
        assert (figure.queries, figure.items_read, figure.rows) == (1, PAGE, PAGE)
        assert figure.rows_fetched == PAGE  # the lean index's page completed from the table, once per row
    full = report.figure(bench.FULL, size)
    assert (full.items_read, full.rows) == (size, size)
    assert full.rows_fetched == 0  # a count returns no rows


def test_given_batch_items_unlike_what_create_writes_then_the_fill_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    created_items = bench.created_items

    def one_attribute_more(record: dict[str, Any], first_event: Any) -> list[dict[str, Any]]:
        meta, event = created_items(record, first_event)
        return [{**meta, "extra": "x"}, event]

    monkeypatch.setattr(bench, "created_items", one_attribute_more)
    with bench.world() as w, pytest.raises(AssertionError, match="not what create writes"):
        w.grow(2)
