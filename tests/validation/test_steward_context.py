"""A steward's own file, pointing at the published vocabulary, validates on its own.

``fixtures/maple-grove.ttl`` is a council–manager city that reuses the shipped position
types, system, duty areas, employment term, credential and document kind without
defining any of them. It must conform through the CLI, the library, ``/validate`` and
``build --data``, and only its own nodes may ever be reported.
"""

from io import BytesIO
from pathlib import Path

import pyoxigraph as ox
from click.testing import CliRunner
from rdflib import Graph, URIRef

from publisher.build.pipeline import build
from publisher.build.snapshot import current_snapshot
from publisher.cli import main
from publisher.rdf.resources import resource_dir
from publisher.validation.context import context_files, own_nodes, published_context
from publisher.validation.validator import validate_files
from publisher.web.app import create_app

CITY = Path(__file__).parent / "fixtures" / "maple-grove.ttl"
ID = "https://w3id.org/municipal-roles/id/"
MG = "https://example.org/maple-grove/"


def test_the_city_conforms_on_its_own_through_the_cli() -> None:
    result = CliRunner().invoke(main, ["validate", str(CITY), "--strict"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(
        "conforms: 0 violation(s), 0 warning(s), 150 triples checked"
    )


def test_without_the_context_the_citys_pointers_are_false_violations() -> None:
    alone = validate_files([CITY], with_context=False)
    assert {r.shape_id for r in alone.results if r.severity == "Violation"} == {"S13", "S23"}
    assert validate_files([CITY]).conforms


def test_results_are_reported_only_for_the_stewards_own_nodes(tmp_path: Path) -> None:
    """A post with no label of its own is reported; the shipped data's own warnings are not."""
    city = tmp_path / "city.ttl"
    city.write_text(
        CITY.read_text(encoding="utf-8").replace(
            '    rdfs:label "Parks Director of Maple Grove"@en, '
            '"Maple Grove Parklar Müdürü"@tr ;\n',
            "",
        ),
        encoding="utf-8",
    )
    report = validate_files([city])
    assert [(str(r.focus), r.shape_id) for r in report.results] == [
        (MG + "parks-director-post", "S24")
    ]
    graph = Graph().parse(city)
    assert all(r.focus in own_nodes(graph) for r in report.results)


def test_context_is_the_shipped_data_less_the_files_validated() -> None:
    shipped = sorted(resource_dir("data").glob("*.ttl"))
    assert context_files() == shipped
    vocabularies = resource_dir("data") / "vocabularies.ttl"
    assert vocabularies not in context_files([vocabularies])
    assert len(context_files([vocabularies])) == len(shipped) - 1
    pt = URIRef(ID + "position-type/us-city-manager")
    assert (pt, None, None) in published_context()


def test_the_city_conforms_through_validate_upload(snapshot_home: Path) -> None:
    app = create_app({"HOME": snapshot_home, "TESTING": True})
    response = app.test_client().post(
        "/validate",
        data={"file": (BytesIO(CITY.read_bytes()), "maple-grove.ttl")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    report = response.get_json()
    assert report["conforms"] is True, report
    assert report["triples"] == 150


def test_build_data_publishes_the_city_with_the_vocabulary_it_relies_on(tmp_path: Path) -> None:
    home = tmp_path / "home"
    build(home, [CITY])
    snapshot = current_snapshot(home)
    assert snapshot is not None
    store = ox.Store()
    store.load(path=snapshot.dump_path("asserted", "nt"), format=ox.RdfFormat.N_TRIPLES)

    def has(subject: str, predicate: str | None = None, obj: str | None = None) -> bool:
        return any(
            store.quads_for_pattern(
                ox.NamedNode(subject),
                ox.NamedNode(predicate) if predicate else None,
                ox.NamedNode(obj) if obj else None,
            )
        )

    label = "http://www.w3.org/2004/02/skos/core#prefLabel"
    assert has(
        MG + "manager-post", "http://www.w3.org/ns/org#role", ID + "position-type/us-city-manager"
    )
    for relied in (
        "position-type/us-city-manager",
        "system/us-council-manager",
        "duty-area/budget",
    ):
        assert has(ID + relied, label), relied
    # The system's concept scheme is reached from the system: the closure follows links.
    assert has(ID + "system/scheme")
    # A city the steward's file never points at is not published with it.
    assert not has(ID + "organization/california-city-9635")


def test_a_published_node_described_further_is_judged_with_its_published_links(
    tmp_path: Path,
) -> None:
    """The note makes the requirement the steward's own; what requires it is published."""
    note = tmp_path / "note.ttl"
    note.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        f"<{ID}requirement/us-acm-mpa> skos:editorialNote"
        ' "Checked against the seed."@en .\n',
        encoding="utf-8",
    )
    report = validate_files([note])
    assert report.conforms, [(r.shape_id, r.message()) for r in report.results]
