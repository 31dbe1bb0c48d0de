"""Every result names the file and line of its focus node, in text, JSON and Turtle."""

import json
from pathlib import Path

from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace

from publisher.cli import main
from publisher.rdf.parsing import load_graph
from publisher.validation.validator import validate_files

CITY = Path(__file__).parent / "fixtures" / "maple-grove.ttl"
MG = "https://example.org/maple-grove/"
SH = Namespace("http://www.w3.org/ns/shacl#")
MRSH = Namespace("https://w3id.org/municipal-roles/shapes#")
# Three mistakes, each on a node whose statement starts on a known line of the fixture.
MISTAKES = [
    ("mr:fieldOfStudy", "mr:feildOfStudy"),  # mg:manager-degree, line 135
    ('"Maple Grove Şehri"@tr', '"Maple Grove Şehri"@tr-TURKEY'),  # mg:city, line 27
    ('schema:currency "USD"', 'schema:currency "XYZ"'),  # mg:manager-pay, line 157
]
EXPECTED = {MG + "city": 27, MG + "manager-degree": 135, MG + "manager-pay": 157}
# A requirement written as a blank node in the manager's post (line 49), with negative months.
BLANK = (
    "    mr:requires mg:manager-degree, mg:manager-experience ;\n",
    "    mr:requires mg:manager-degree, mg:manager-experience, [\n"
    "        a mr:ExperienceRequirement ; mr:strength mr:required ;\n"
    "        schema:monthsOfExperience -12 ;\n"
    '        dcterms:source mg:charter ; mr:evidence "One year."@en ] ;\n',
)


def city_with(tmp_path: Path, changes: list[tuple[str, str]], name: str = "city.ttl") -> Path:
    text = CITY.read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_result_names_its_file_and_line_in_every_report(tmp_path: Path) -> None:
    city = city_with(tmp_path, MISTAKES)
    lines = CITY.read_text(encoding="utf-8").splitlines()
    for focus, line in EXPECTED.items():
        assert lines[line - 1].startswith("mg:" + focus[len(MG) :] + " "), (focus, line)
    report = validate_files([city])
    assert {str(r.focus): r.location.text() for r in report.results if r.location} == {
        focus: f"city.ttl:{line}" for focus, line in EXPECTED.items()
    }
    runner = CliRunner()
    text = runner.invoke(main, ["validate", str(city)]).output
    for line in EXPECTED.values():
        assert f"  at city.ttl:{line}\n" in text
    data = json.loads(runner.invoke(main, ["validate", str(city), "--format", "json"]).output)
    assert {g["focus"]: (g["file"], g["line"]) for g in data["focus_nodes"]} == {
        focus: ("city.ttl", line) for focus, line in EXPECTED.items()
    }
    turtle = runner.invoke(main, ["validate", str(city), "--format", "turtle"]).output
    graph = Graph().parse(data=turtle, format="turtle")
    assert {
        str(graph.value(r, SH.focusNode)): graph.value(r, MRSH.sourceLine)
        for r in graph.subjects(SH.sourceShape, None)
    } == {focus: Literal(line) for focus, line in EXPECTED.items()}


def test_a_blank_node_is_located_below_its_named_node_the_same_on_every_run(
    tmp_path: Path,
) -> None:
    city = city_with(tmp_path, [BLANK])
    runs = [
        json.loads(CliRunner().invoke(main, ["validate", str(city), "--format", "json"]).output)
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    (group,) = runs[0]["focus_nodes"]
    assert group["focus"].startswith("f0x")
    assert (group["file"], group["line"]) == ("city.ttl", 49)
    assert (group["anchor"], group["anchor_path"]) == (MG + "manager-post", "mr:requires")
    assert [r["shape_id"] for r in group["results"]] == ["S41"]
    text = CliRunner().invoke(main, ["validate", str(city)]).output
    assert (
        "  at city.ttl:49  (below https://example.org/maple-grove/manager-post mr:requires)" in text
    )


def test_n_triples_lines_and_folder_paths(tmp_path: Path) -> None:
    folder = tmp_path / "my-city"
    (folder / "pay").mkdir(parents=True)
    city = city_with(tmp_path, MISTAKES[2:])
    triples = load_graph([city]).serialize(format="nt", encoding="utf-8").decode()
    ordered = "".join(sorted(triples.splitlines(keepends=True)))
    (folder / "pay" / "city.nt").write_text(ordered, encoding="utf-8")
    (found,) = [r for r in validate_files([folder]).results if r.shape_id == "S74"]
    line = next(
        number
        for number, text in enumerate(ordered.splitlines(), start=1)
        if text.startswith(f"<{MG}manager-pay>")
    )
    assert found.location is not None
    assert found.location.text() == f"{folder}/pay/city.nt:{line}"


def test_validate_upload_names_the_uploaded_file_and_lines(
    tmp_path: Path, snapshot_home: Path
) -> None:
    from io import BytesIO

    from publisher.web.app import create_app

    city = city_with(tmp_path, MISTAKES)
    response = (
        create_app({"HOME": snapshot_home, "TESTING": True})
        .test_client()
        .post(
            "/validate",
            data={"file": (BytesIO(city.read_bytes()), "springdale.ttl")},
            content_type="multipart/form-data",
            headers={"Accept": "application/json"},
        )
    )
    assert response.status_code == 200
    groups = response.get_json()["focus_nodes"]
    assert {g["focus"]: (g["file"], g["line"]) for g in groups} == {
        focus: ("springdale.ttl", line) for focus, line in EXPECTED.items()
    }
