"""The shipped dataset, asserted plus inferred, in an in-memory store for SPARQL checks."""

from collections.abc import Callable

import pyoxigraph as ox
import pytest
from rdflib import Graph

from publisher.rdf.resources import turtle_files

Rows = list[dict[str, str]]


@pytest.fixture(scope="module")
def data() -> Graph:
    """The shipped data files as asserted (no ontology, no inference)."""
    graph = Graph()
    for path in turtle_files("data"):
        graph.parse(path, format="turtle")
    return graph


def query_rows(store: ox.Store, text: str) -> Rows:
    """Run a SELECT and give each row as {variable: value}, unbound variables left out."""
    solutions = store.query(text)
    names = [variable.value for variable in solutions.variables]
    return [
        {name: term.value for name, term in zip(names, row, strict=True) if term is not None}
        for row in solutions
    ]


@pytest.fixture(scope="session")
def select(union_store: ox.Store) -> Callable[[str], Rows]:
    """SELECT over the dataset with the project's usual prefixes declared."""
    prefixes = "\n".join(
        f"PREFIX {name}: <{iri}>"
        for name, iri in {
            "mr": "https://w3id.org/municipal-roles/ontology#",
            "id": "https://w3id.org/municipal-roles/id/",
            "org": "http://www.w3.org/ns/org#",
            "skos": "http://www.w3.org/2004/02/skos/core#",
            "schema": "https://schema.org/",
            "dcterms": "http://purl.org/dc/terms/",
            "prov": "http://www.w3.org/ns/prov#",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        }.items()
    )
    return lambda text: query_rows(union_store, f"{prefixes}\n{text}")
