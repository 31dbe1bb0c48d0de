"""Query capacity of the publisher's own, apart from its clients'."""

from publisher.store.query import QueryRequest, QueryResult, SparqlStore


class Lanes:
    """Clients' queries on one store, the publisher's own (trusted: a page's description
    and labels, the catalog's counts) on another, each with its own query processes:
    runaway client queries can fill every process of theirs, and pages still find one
    free (issue 10: eight runaways made ``/id/`` pages wait with everyone else)."""

    def __init__(self, clients: SparqlStore, own: SparqlStore) -> None:
        self.clients = clients
        self.own = own

    def query(self, request: QueryRequest, timeout: float) -> QueryResult:
        return (self.own if request.trusted else self.clients).query(request, timeout)

    def close(self) -> None:
        self.clients.close()
        self.own.close()
