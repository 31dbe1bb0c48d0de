"""A store in front of a store: answers kept in memory, within a byte budget."""

import sys
import threading
from collections import OrderedDict

from publisher.store.guard import is_volatile
from publisher.store.query import QueryRequest, QueryResult, SparqlStore

# Bytes one cached answer costs beyond its strings and body: the request and result
# objects with their attribute dicts, and the ordered dict's slot and link. Measured with
# tracemalloc over 10,000 small answers (CPython 3.11: 633 B), rounded up; without it the
# budget counted 41 of the 909 bytes an answer took (issue 13).
ENTRY_OVERHEAD = 700


def entry_cost(request: QueryRequest, result: QueryResult) -> int:
    """The memory an answer holds in the cache, in bytes: objects' own sizes, not lengths
    (a str of non-ASCII text takes up to 4 bytes a character)."""
    strings = (
        request.text,
        request.base_iri,
        *(request.default_graphs or ()),
        *(request.named_graphs or ()),
    )
    held = sum(sys.getsizeof(s) for s in strings if s is not None)
    return ENTRY_OVERHEAD + held + sys.getsizeof(result.body)


class CachedStore:
    """Answers kept in memory, least recently used dropped first, within a byte budget.

    A snapshot never changes, so an answer stays right for as long as the app serves it:
    repeated queries (canned queries, pages, crawlers) cost a dictionary look-up. Queries
    calling NOW(), RAND() and the like are the exception and always run.
    """

    def __init__(self, store: SparqlStore, budget: int) -> None:
        self.store = store
        self.budget = budget
        self._answers: OrderedDict[QueryRequest, QueryResult] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def query(self, request: QueryRequest, timeout: float) -> QueryResult:
        with self._lock:
            cached = self._answers.get(request)
            if cached is not None:
                self._answers.move_to_end(request)
                return cached
        result = self.store.query(request, timeout)
        cost = entry_cost(request, result)
        volatile = not request.trusted and is_volatile(request.text)
        if cost <= self.budget // 8 and not volatile:
            with self._lock:
                if request not in self._answers:
                    self._answers[request] = result
                    self._size += cost
                while self._size > self.budget:
                    old_request, old = self._answers.popitem(last=False)
                    self._size -= entry_cost(old_request, old)
        return result

    def close(self) -> None:
        self.store.close()
