"""The SPARQL endpoint serves what the dumps say: a CONSTRUCT of every triple through
/sparql gives a graph isomorphic to the ``all`` dump, literal datatypes included (a store
that rewrote "24"^^xsd:nonNegativeInteger to xsd:integer on load would fail this)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from publisher.build.snapshot import Snapshot
from publisher.web.app import create_app
from publisher.web.publication import publication

EVERYTHING = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def app(snapshot_home: Path) -> Iterator[Flask]:
    flask_app = create_app({"HOME": snapshot_home, "TESTING": True})
    yield flask_app
    with flask_app.app_context():
        publication().store.close()


def test_construct_of_everything_is_isomorphic_to_the_all_dump(
    app: Flask, snapshot: Snapshot
) -> None:
    response = app.test_client().post(
        "/sparql",
        data={"query": EVERYTHING},
        headers={"Accept": "application/n-triples"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    served = Graph().parse(data=response.get_data(as_text=True), format="nt")
    dumped = Graph().parse(snapshot.dump_path("all", "nt"), format="nt")
    assert len(served) == len(dumped) > 1000
    if not isomorphic(served, dumped):
        _, only_served, only_dumped = graph_diff(to_isomorphic(served), to_isomorphic(dumped))
        pytest.fail(
            "endpoint and dump differ:\n"
            + "\n".join(f"served only: {t}" for t in sorted(only_served)[:10])
            + "\n"
            + "\n".join(f"dumped only: {t}" for t in sorted(only_dumped)[:10])
        )
