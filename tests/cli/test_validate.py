"""``municipal-roles validate``: exit codes, report formats, languages, inputs left untouched."""

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace

from publisher.cli import main

SH = Namespace("http://www.w3.org/ns/shacl#")
PREFIXES = """@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix mr: <https://w3id.org/municipal-roles/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""
# A small city that conforms: one position type, one post, a sourced duty.
GOOD = (
    PREFIXES
    + """
ex:cm a mr:GovernmentSystem ; rdfs:label "council-manager"@en .
ex:manager a mr:PositionType ; mr:inSystem ex:cm ;
    skos:prefLabel "City Manager"@en, "Şehir Yöneticisi"@tr ;
    skos:definition "Runs the administration."@en, "Yönetimi yürütür."@tr ;
    mr:hasDuty ex:budget-duty .
ex:doc a mr:SourceDocument ; dcterms:title "A source"@en ; dcterms:language "en" .
ex:budget a mr:DutyArea .
ex:budget-duty a mr:Duty ; rdfs:label "Prepares the budget"@en, "Bütçeyi hazırlar"@tr ;
    mr:inDutyArea ex:budget ; dcterms:source ex:doc ; mr:evidence "Prepares the budget."@en .
ex:city a org:Organization ; rdfs:label "City of Example"@en .
ex:manager-post a org:Post ; org:postIn ex:city ; org:role ex:manager ;
    rdfs:label "City Manager"@en .
"""
)
# The same city with a salary figure whose percentiles are out of order (S53) and no year (S58).
BAD = (
    GOOD
    + """
ex:pay a mr:SalaryFigure ; dcterms:source ex:doc ; mr:evidence "..."@en ;
    schema:percentile10 99000.0 ; schema:median 86000.0 ;
    schema:currency "USD" ; schema:duration "P1Y" .
"""
)
# Conforms but incomplete: a duty without an area (S12, a warning).
WARNING_ONLY = GOOD.replace("    mr:inDutyArea ex:budget ; ", "    ")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_conforming_file_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["validate", str(write(tmp_path, "city.ttl", GOOD))])
    assert result.exit_code == 0, result.output
    assert "conforms: 0 violation(s), 0 warning(s)" in result.output


def test_violations_exit_1_and_name_focus_path_value_message_hint(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(main, ["validate", str(write(tmp_path, "city.ttl", BAD))])
    assert result.exit_code == 1
    assert "http://example.org/pay" in result.output
    assert "Violation [S53] schema:percentile10" in result.output
    assert "schema:percentile10 is greater than the median" in result.output
    assert "fix: Check the figures against the source" in result.output
    assert "Warning [S58] mr:referenceYear" in result.output


def test_messages_in_turkish(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "city.ttl", BAD)
    result = runner.invoke(main, ["validate", str(path), "--lang", "tr"])
    assert result.exit_code == 1
    assert "schema:percentile10 medyandan ya da 90. yüzdelikten büyük." in result.output
    assert "uygun değil" in result.output


def test_warnings_alone_exit_0_unless_strict(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "city.ttl", WARNING_ONLY)
    relaxed = runner.invoke(main, ["validate", str(path)])
    strict = runner.invoke(main, ["validate", str(path), "--strict"])
    assert relaxed.exit_code == 0 and "Warning [S12]" in relaxed.output
    assert strict.exit_code == 1


def test_json_report_groups_results_by_focus_node(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "city.ttl", BAD)
    result = runner.invoke(main, ["validate", str(path), "--format", "json"])
    report = json.loads(result.output)
    assert result.exit_code == 1
    assert report["has_violations"] and report["counts"]["Violation"] == 1
    (pay,) = [g for g in report["focus_nodes"] if g["focus"] == "http://example.org/pay"]
    shape_ids = sorted(r["shape_id"] for r in pay["results"])
    assert shape_ids == ["S53", "S58"]
    values = {r["value"] for r in pay["results"] if r["shape_id"] == "S53"}
    assert values == {'"99000.0"^^xsd:decimal'}


def test_turtle_report_is_a_standard_shacl_report(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "city.ttl", BAD)
    result = runner.invoke(main, ["validate", str(path), "--format", "turtle"])
    graph = Graph().parse(data=result.output, format="turtle")
    (report,) = graph.subjects(None, SH.ValidationReport)
    assert graph.value(report, SH.conforms) == Literal(False)
    results = list(graph.objects(report, SH.result))
    assert len(results) == 2
    shapes = {str(graph.value(r, SH.sourceShape)).split("#")[1] for r in results}
    assert shapes == {"S53-salary-low-percentile-order", "S58-salary-reference-year-given"}


@pytest.mark.parametrize(
    "name,rdf_format", [("city.nt", "nt"), ("city.jsonld", "json-ld"), ("city.rdf", "xml")]
)
def test_every_rdf_format_by_extension(
    runner: CliRunner, tmp_path: Path, name: str, rdf_format: str
) -> None:
    text = Graph().parse(data=BAD, format="turtle").serialize(format=rdf_format)
    result = runner.invoke(main, ["validate", str(write(tmp_path, name, text))])
    assert result.exit_code == 1, result.output
    assert "Violation [S53]" in result.output


def test_input_format_overrides_the_extension(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "city.txt", GOOD)
    assert runner.invoke(main, ["validate", str(path)]).exit_code == 2
    result = runner.invoke(main, ["validate", str(path), "--input-format", "turtle"])
    assert result.exit_code == 0


def test_a_folder_means_every_rdf_file_in_it(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path, "a.ttl", GOOD)
    write(tmp_path, "notes.md", "not RDF")
    nested = tmp_path / "more"
    nested.mkdir()
    write(nested, "pay.ttl", PREFIXES + BAD[len(GOOD) :])
    result = runner.invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "Violation [S53]" in result.output


@pytest.mark.parametrize(
    "name,text,expected",
    [
        ("broken.ttl", PREFIXES + "ex:a ex:b .\n", "broken.ttl:9"),
        (
            "remote.jsonld",
            '{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "http://example.org/a"}',
            "remote document, which is never fetched",
        ),
        (
            "entities.rdf",
            '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY a "aaaa">]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n',
            "RDF/XML with a DTD",
        ),
    ],
)
def test_unusable_input_exits_2_with_file_and_reason(
    runner: CliRunner, tmp_path: Path, name: str, text: str, expected: str
) -> None:
    result = runner.invoke(main, ["validate", str(write(tmp_path, name, text))])
    assert result.exit_code == 2
    assert expected in result.output


def test_missing_file_and_usage_errors_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["validate", str(tmp_path / "nope.ttl")]).exit_code == 2
    assert runner.invoke(main, ["validate"]).exit_code == 2
    path = write(tmp_path, "city.ttl", GOOD)
    assert runner.invoke(main, ["validate", str(path), "--lang", "de"]).exit_code == 2


def test_files_are_never_changed(runner: CliRunner, tmp_path: Path) -> None:
    files = [write(tmp_path, "good.ttl", GOOD), write(tmp_path, "bad.ttl", BAD)]
    before = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in files}
    listing = sorted(p.name for p in tmp_path.iterdir())
    for output_format in ("text", "json", "turtle"):
        runner.invoke(main, ["validate", str(tmp_path), "--format", output_format])
    after = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in files}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


@pytest.mark.parametrize("text", ["", "# only a comment\n@prefix ex: <http://example.org/> .\n"])
def test_an_empty_file_exits_2_saying_so(runner: CliRunner, tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "empty.ttl", text)
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}: the file holds no RDF triple" in result.output
    assert "conforms" not in result.output


def test_a_folder_without_rdf_files_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path, "notes.md", "not RDF")
    result = runner.invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "the folder holds no RDF file" in result.output


def test_a_folder_reports_every_file_that_fails_to_parse(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path, "a-broken.ttl", PREFIXES + "ex:a ex:b .\n")
    write(tmp_path, "b-good.ttl", GOOD)
    write(tmp_path, "c-broken.nt", "<http://example.org/a> <http://example.org/b> .\n")
    result = runner.invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path / 'a-broken.ttl'}:9:" in result.output
    assert f"{tmp_path / 'c-broken.nt'}:1:" in result.output
    assert "conforms" not in result.output


def test_conforms_is_printed_only_when_the_exit_is_0(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "city.ttl", WARNING_ONLY)
    strict = runner.invoke(main, ["validate", str(path), "--strict"])
    assert strict.exit_code == 1
    assert strict.output.splitlines()[-1].startswith("does not conform: 0 violation(s), 1 warning")


def test_each_result_is_printed_once(runner: CliRunner, tmp_path: Path) -> None:
    """-1.5 breaks S41's datatype and its minimum: two SHACL results, one message."""
    text = GOOD + (
        "ex:exp a mr:ExperienceRequirement ; mr:strength mr:required ;\n"
        "    schema:monthsOfExperience -1.5 ;\n"
        '    dcterms:source ex:doc ; mr:evidence "Ten years."@en .\n'
        "ex:manager mr:requires ex:exp .\n"
    )
    result = runner.invoke(main, ["validate", str(write(tmp_path, "city.ttl", text))])
    assert result.exit_code == 1
    assert result.output.count("Violation [S41]") == 1
    assert "1 violation(s), 0 warning(s)" in result.output
    turtle = runner.invoke(main, ["validate", str(tmp_path / "city.ttl"), "--format", "turtle"])
    assert len(list(Graph().parse(data=turtle.output).subjects(SH.sourceShape, None))) == 2


def test_reporting_line_results_name_the_link_at_fault(runner: CliRunner, tmp_path: Path) -> None:
    text = GOOD + (
        'ex:other a org:Organization ; rdfs:label "Elsewhere"@en .\n'
        'ex:clerk a org:Post ; rdfs:label "Clerk"@en ; org:postIn ex:other ;\n'
        "    org:role ex:manager .\n"
        "ex:manager-post org:reportsTo ex:manager-post, ex:clerk .\n"
    )
    result = runner.invoke(main, ["validate", str(write(tmp_path, "city.ttl", text))])
    assert result.exit_code == 1
    assert "Violation [S26] org:reportsTo = http://example.org/clerk" in result.output
    assert "Violation [S27] org:reportsTo = http://example.org/manager-post" in result.output


def test_markup_in_a_file_name_is_shown_as_written(tmp_path: Path) -> None:
    folder = tmp_path / "a["
    folder.mkdir()
    bad = folder / "b].ttl"  # the path reads a[/b].ttl: a rich closing tag
    bad.write_text("@prefix ex: <http://ex/> .\nex:a ex:b .\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2, result.output
    assert f"{bad}:2" in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_escape_sequences_in_labels_and_values_are_shown_not_obeyed(tmp_path: Path) -> None:
    link = r"\u001B]8;;https://evil.example/\u001B\\conforms\u001B]8;;\u001B\\\u001B[8m"
    data = tmp_path / "city.ttl"
    data.write_text(
        PREFIXES + f'ex:manager a mr:PositionType ; skos:prefLabel "{link}"@en .\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["validate", str(data)])
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output
    assert "\\x1b]8;;https://evil.example/" in result.output


def test_a_folder_s_symbolic_links_out_of_it_are_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "city"
    folder.mkdir()
    write(folder, "city.ttl", GOOD)
    secret = tmp_path / "secret.ttl"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (folder / "passwd.ttl").symlink_to(secret)
    (folder / "again.ttl").symlink_to(folder / "city.ttl")  # inside: still read
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert "root:x" not in result.output
    assert f"skipping {folder / 'passwd.ttl'}: a symbolic link out of {folder}" in caplog.text
    assert "again.ttl" not in caplog.text


@pytest.mark.parametrize("kind", ["org:FormalOrganization", "org:OrganizationalCollaboration"])
def test_a_subclass_of_org_organization_is_an_organization(
    runner: CliRunner, tmp_path: Path, kind: str
) -> None:
    """ORG's own subclasses (ontology/class-hierarchies.ttl) count where a shape asks for
    an org:Organization: a post in such a city conforms (S22), and the city itself gets
    the organisation shapes (S30, its label)."""
    typed = GOOD.replace("ex:city a org:Organization", f"ex:city a {kind}")
    result = runner.invoke(main, ["validate", str(write(tmp_path, "city.ttl", typed))])
    assert result.exit_code == 0, result.output

    unlabelled = typed.replace(' ; rdfs:label "City of Example"@en .', " .")
    result = runner.invoke(main, ["validate", str(write(tmp_path, "city.ttl", unlabelled))])
    assert result.exit_code == 1, result.output
    assert "[S30]" in result.output and "http://example.org/city" in result.output
