"""The catalog against the official DCAT-AP 3.0.1 SHACL shapes, as a European portal checks it.

The shapes are vendored unchanged in ``dcat_ap_3_0_1/`` (README there: source, licence).
A portal that harvests ``/catalog`` runs them: no violation of the mandatory shapes and
no warning of the recommended ones, once a contact point is configured (CONTACT_EMAIL).
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, SH, Graph, URIRef

from publisher.web.app import create_app
from publisher.web.publication import publication

SHAPES = Path(__file__).parent / "dcat_ap_3_0_1"
DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"
# Values the EU authority tables type (languages, countries, file types, themes,
# planned availability): a portal
# loads those tables (mdr_imports.ttl of the release); the catalog does not restate them.
TYPED_BY_AUTHORITY_TABLES = {
    URIRef(DCTERMS + "language"),
    URIRef(DCTERMS + "spatial"),
    URIRef(DCTERMS + "format"),
    URIRef(DCAT + "theme"),
    URIRef(DCAT + "themeTaxonomy"),
    URIRef("http://data.europa.eu/r5r/availability"),
    # ADMS publisher and licence types, in the ADMS SKOS file mdr_imports.ttl loads too.
    URIRef(DCTERMS + "type"),
}


@pytest.fixture(scope="module")
def catalog(snapshot_home: Path) -> Iterator[Graph]:
    """The catalog of a publisher with a contact point configured, as Turtle."""
    app = create_app({"HOME": snapshot_home, "TESTING": True, "CONTACT_EMAIL": "roles@example.org"})
    response = app.test_client().get("/catalog", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    yield Graph().parse(data=response.get_data(as_text=True), format="turtle")
    with app.app_context():
        publication().store.close()


def _results(data: Graph, shapes: str) -> list[tuple[str, str, str]]:
    """(severity, focus node, message) of every result of one shapes file."""
    _, report, _ = validate(
        data, shacl_graph=Graph().parse(SHAPES / shapes), inference="none", allow_warnings=False
    )
    return sorted(
        (
            str(report.value(r, SH.resultSeverity)).rpartition("#")[2],
            f"{report.value(r, SH.focusNode)} {report.value(r, SH.resultPath)}",
            str(report.value(r, SH.resultMessage)),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    )


def test_the_catalog_violates_no_mandatory_shape(catalog):
    assert _results(catalog, "shapes.ttl") == []


def test_the_catalog_has_every_recommended_property(catalog):
    assert _results(catalog, "shapes_recommended.ttl") == []


def test_what_the_catalog_points_to_it_types_itself(catalog):
    _, report, _ = validate(
        catalog, shacl_graph=Graph().parse(SHAPES / "range.ttl"), inference="none"
    )
    wrong = sorted(
        f"{report.value(r, SH.focusNode)} {path}: {report.value(r, SH.resultMessage)}"
        for r in report.subjects(RDF.type, SH.ValidationResult)
        if (path := report.value(r, SH.resultPath)) not in TYPED_BY_AUTHORITY_TABLES
    )
    assert wrong == []


def test_without_a_contact_point_the_recommended_shapes_warn(app):
    """Without CONTACT_EMAIL no contact is invented: the portal's warning says what to set."""
    body = app.test_client().get("/catalog.ttl").get_data(as_text=True)
    warned = {
        focus
        for _, focus, _ in _results(
            Graph().parse(data=body, format="turtle"), "shapes_recommended.ttl"
        )
    }
    assert warned == {
        "http://localhost/catalog#dataset http://www.w3.org/ns/dcat#contactPoint",
        "http://localhost/catalog#sparql-service http://www.w3.org/ns/dcat#contactPoint",
    }
