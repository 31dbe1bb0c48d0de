"""A store in front of a store: answers kept in memory, within a byte budget."""

import threading
from collections import OrderedDict

from publisher.store.guard import is_volatile
from publisher.store.query import QueryRequest, QueryResult, SparqlStore


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
        cost = len(result.body) + len(request.text)
        volatile = not request.trusted and is_volatile(request.text)
        if cost <= self.budget // 8 and not volatile:
            with self._lock:
                if request not in self._answers:
                    self._answers[request] = result
                    self._size += cost
                while self._size > self.budget:
                    old_request, old = self._answers.popitem(last=False)
                    self._size -= len(old.body) + len(old_request.text)
        return result

    def close(self) -> None:
        self.store.close()
