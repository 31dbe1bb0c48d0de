"""Run the research questions (canned queries of queries/ named research-*) over the
shipped snapshot, as the endpoint does."""

from collections.abc import Callable

import pyoxigraph as ox
import pytest

from publisher.store.canned import load_queries

ID = "https://w3id.org/municipal-roles/id/"
MR = "https://w3id.org/municipal-roles/ontology#"
Rows = list[dict[str, str]]


def short(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """A value; an IRI of the dataset or the ontology without its base."""
    if isinstance(term, ox.NamedNode):
        return term.value.removeprefix(ID).replace(MR, "mr:")
    return term.value


@pytest.fixture(scope="session")
def ask(union_store: ox.Store) -> Callable[[str], Rows]:
    """Run a research question by name; a row is {variable: value}, unbound ones left out,
    and a space-separated list of IRIs (GROUP_CONCAT) comes back as its sorted short names."""
    queries = {query.name: query for query in load_queries()}

    def run(name: str) -> Rows:
        solutions = union_store.query(queries[name].text)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [variable.value for variable in solutions.variables]
        rows = []
        for solution in solutions:
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
