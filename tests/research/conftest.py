"""Run the research questions (canned queries of queries/ named research-*) over the
shipped snapshot, as the endpoint does."""

import io
from collections.abc import Callable, Iterator

import pyoxigraph as ox
import pytest

from publisher.store.canned import load_queries
from publisher.store.query import QueryRequest
from publisher.store.remote import RemoteStore
from tests.stores import Store

ID = "https://w3id.org/municipal-roles/id/"
MR = "https://w3id.org/municipal-roles/ontology#"
Rows = list[dict[str, str]]


def short(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """A value; an IRI of the dataset or the ontology without its base."""
    if isinstance(term, ox.NamedNode):
        return term.value.removeprefix(ID).replace(MR, "mr:")
    return term.value


@pytest.fixture(scope="session")
def solutions(
    backend: Store | None, union_store: ox.Store
) -> Iterator[Callable[[str], ox.QuerySolutions]]:
    """A query's solutions from the backend (tests/conftest.py BACKENDS): the snapshot's
    union in Oxigraph, or an external store holding the snapshot, asked as serve asks
    it (a client's query, guarded, over the union of the snapshot's graphs)."""
    if backend is None:

        def embedded(text: str) -> ox.QuerySolutions:
            answer = union_store.query(text)
            assert isinstance(answer, ox.QuerySolutions)
            return answer

        yield embedded
        return
    store = RemoteStore(backend.query)

    def remote(text: str) -> ox.QuerySolutions:
        result = store.query(QueryRequest(text), 30.0)
        assert not result.truncated
        answer = ox.parse_query_results(io.BytesIO(result.body), ox.QueryResultsFormat.JSON)
        assert isinstance(answer, ox.QuerySolutions)
        return answer

    yield remote
    store.close()


@pytest.fixture(scope="session")
def ask(solutions: Callable[[str], ox.QuerySolutions]) -> Callable[[str], Rows]:
    """Run a research question by name; a row is {variable: value}, unbound ones left out,
    and a space-separated list of IRIs (GROUP_CONCAT) comes back as its sorted short names
    (SPARQL leaves GROUP_CONCAT's order open, and Virtuoso's differs from Oxigraph's)."""
    queries = {query.name: query for query in load_queries()}

    def run(name: str) -> Rows:
        solutions_ = solutions(queries[name].text)
        names = [variable.value for variable in solutions_.variables]
        rows = []
        for solution in solutions_:
            row = {n: short(t) for n, t in zip(names, solution, strict=True) if t is not None}
            for column, value in row.items():
                tokens = value.split()
                if len(tokens) > 1 and all(token.startswith(ID) for token in tokens):
                    row[column] = " ".join(sorted(token.removeprefix(ID) for token in tokens))
                elif value.startswith(ID):
                    row[column] = value.removeprefix(ID)
            rows.append(row)
        return rows

    return run
