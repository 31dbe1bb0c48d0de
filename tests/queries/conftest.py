"""Run the canned queries of queries/ over the shipped snapshot, as the endpoint does."""

from collections.abc import Callable

import pyoxigraph as ox
import pytest

from publisher.store.canned import CannedQuery, load_queries

ID = "https://w3id.org/municipal-roles/id/"
Rows = list[dict[str, str]]


def short(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """A value; an IRI of the dataset without its base, so expectations read like the data."""
    if isinstance(term, ox.NamedNode):
        return term.value.removeprefix(ID)
    return term.value


@pytest.fixture(scope="session")
def canned() -> dict[str, CannedQuery]:
    """The shipped queries by name (file stem)."""
    return {query.name: query for query in load_queries()}


@pytest.fixture(scope="session")
def run(union_store: ox.Store, canned: dict[str, CannedQuery]) -> Callable[..., Rows]:
    """Run a canned query by name, optionally with its VALUES default replaced.

    Rows come back as {variable: value} with dataset IRIs shortened; unbound variables
    are left out.
    """

    def run_query(name: str, replace: tuple[str, str] | None = None) -> Rows:
        text = canned[name].text
        if replace is not None:
            assert replace[0] in text, f"{name} has no {replace[0]!r} to replace"
            text = text.replace(*replace)
        solutions = union_store.query(text)
        names = [variable.value for variable in solutions.variables]
        return [
            {n: short(t) for n, t in zip(names, row, strict=True) if t is not None}
            for row in solutions
        ]

    return run_query
