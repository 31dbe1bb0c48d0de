"""The answer cache counts what it holds (issue 13): filled far past its budget with small
answers, the memory it really holds (measured with tracemalloc) stays within the budget.
Small answers are the hard case: each costs far more in objects than its bytes."""

import gc
import tracemalloc

from publisher.store.cache import CachedStore, entry_cost
from publisher.store.query import QueryRequest, QueryResult

BUDGET = 1 << 20
ANSWERS = 6_000  # about six budgets' worth of small answers


class _AnswerEveryQuery:
    """An inner store that answers each query with a small JSON result of its own, as the
    embedded store does for ASK or a one-row SELECT; it keeps nothing."""

    def query(self, request: QueryRequest, timeout: float) -> QueryResult:
        body = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":"%d"}]}}' % len(request.text)
        return QueryResult("bindings", "json", body, rows=1)

    def close(self) -> None:
        pass


def test_a_cache_filled_past_its_budget_holds_no_more_memory_than_the_budget() -> None:
    cache = CachedStore(_AnswerEveryQuery(), BUDGET)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(ANSWERS):
            # Trusted: the guard's own caches stay out of what is measured.
            request = QueryRequest(f"SELECT ?n WHERE {{ BIND({n} AS ?n) }}", trusted=True)
            cache.query(request, timeout=1.0)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    kept = len(cache._answers)
    counted = sum(entry_cost(request, result) for request, result in cache._answers.items())
    print(
        f"{kept} of {ANSWERS} answers kept: {held / kept:.0f} B held and "
        f"{counted / kept:.0f} B counted per answer; {held} B held of a {BUDGET} B budget"
    )
    assert kept < ANSWERS  # the budget was reached and old answers were dropped
    assert held <= BUDGET
    assert counted == cache._size <= BUDGET
