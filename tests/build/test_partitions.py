"""Reasoning and validating by municipality gives what the whole graph gives, and an
incremental rebuild publishes what a full build publishes."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import ORG

from publisher.build import partitions as partitions_module
from publisher.build.partitions import load_sources, plan
from publisher.build.pipeline import BuildResult, build
from publisher.build.reasoning import REASONERS, Reasoner, compute_closure
from publisher.cli.build import build as build_command
from publisher.rdf.resources import turtle_files
from publisher.validation.context import published_context, relied_on
from publisher.validation.validator import ontology_graph, validate_graph

GENERATOR = Path(__file__).resolve().parents[2] / "bench" / "validate" / "generate.py"
ID = "https://w3id.org/municipal-roles/id"
PREFIXES = (
    "@prefix org: <http://www.w3.org/ns/org#> .\n"
    "@prefix mr: <https://w3id.org/municipal-roles/ontology#> .\n"
    "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
    "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
)


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few hundred triples a batch: several batches, run by worker processes, on a sample."""
    monkeypatch.setattr(partitions_module, "BATCH_TRIPLES", 700)


def _generate(folder: Path, *arguments: str) -> Path:
    subprocess.run(
        [sys.executable, GENERATOR, *arguments, "--defect-rate", "0", "--out-dir", folder],
        check=True,
    )
    return folder


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One synthetic municipality of each kind, one file each, and the national header."""
    return _generate(tmp_path_factory.mktemp("sample") / "national", "--one-of-each")


def _whole(files: list[Path], reasoner: Reasoner) -> tuple[Graph, set[tuple[object, ...]]]:
    """The whole-graph closure's inferred graph and validation results, as before."""
    steward = Graph()
    for source in load_sources(files):
        steward += source.triples
    context = published_context(files)
    report = validate_graph(steward, context=context)
    asserted = Graph()
    asserted += steward
    asserted += ontology_graph()
    asserted += relied_on(steward, context)
    return compute_closure(asserted, reasoner).inferred, _outcome(report.results)


def _outcome(results: object) -> set[tuple[object, ...]]:
    return {(r.focus, r.shape, r.severity, r.path, r.value) for r in results}  # type: ignore[attr-defined]


def _published(result: BuildResult) -> tuple[list[str], list[str], set[tuple[object, ...]]]:
    """A snapshot's dumps, line by line, and its validation outcome."""
    snapshot = result.snapshot
    lines = [
        sorted(snapshot.dump_path(graph, "nt").read_text(encoding="utf-8").splitlines())
        for graph in ("asserted", "inferred")
    ]
    assert result.report is not None
    return lines[0], lines[1], _outcome(result.report.results)


def _inferred(result: BuildResult) -> set[object]:
    return set(Graph().parse(result.snapshot.dump_path("inferred", "nt"), format="nt"))


@pytest.mark.parametrize("reasoner", REASONERS)
def test_partitioned_closure_and_validation_equal_the_whole_graphs(
    sample: Path, tmp_path: Path, reasoner: Reasoner
) -> None:
    steps: list[str] = []
    result = build(tmp_path / "home", [sample], step=steps.append, reasoner=reasoner)
    files = sorted(sample.rglob("*.ttl"))
    inferred, outcome = _whole(files, reasoner)
    assert _inferred(result) == set(inferred)
    assert _published(result)[2] == outcome
    # It was cut: one partition a municipality, several batches, not the whole graph.
    assert any("municipalities in" in s and "of" in s for s in steps), steps
    assert not any("whole" in s for s in steps), steps
    assert result.snapshot.manifest.triples.inferred == len(inferred) > 0


def test_the_shipped_data_partitioned_equals_the_whole_graph(tmp_path: Path) -> None:
    """The shipped files describe the reference organizations' posts in several files:
    those join one partition, the vocabularies stay shared."""
    files = turtle_files("data")
    steps: list[str] = []
    result = build(tmp_path / "home", files, step=steps.append)
    inferred, outcome = _whole(files, "reasonable")
    assert _inferred(result) == set(inferred)
    assert _published(result)[2] == outcome
    assert any("1 municipalities in" in s for s in steps), steps


def _cut(tmp_path: Path, extra: str) -> partitions_module.Plan:
    folder = _generate(tmp_path / "cities", "--cities", "3")
    (folder / "city-00001.ttl").write_text(
        (folder / "city-00001.ttl").read_text(encoding="utf-8") + PREFIXES + extra,
        encoding="utf-8",
    )
    files = sorted(folder.glob("*.ttl"))
    sources = load_sources(files)
    steward = Graph()
    for source in sources:
        steward += source.triples
    shared = Graph()
    shared += ontology_graph()
    shared += relied_on(steward, published_context(files))
    return plan(sources, shared)


def test_a_line_between_two_cities_makes_them_one_partition(tmp_path: Path) -> None:
    cut = _cut(
        tmp_path, f"<{ID}/post/city-00001-mayor> org:reportsTo <{ID}/post/city-00002-mayor> .\n"
    )
    names = sorted(sorted(s.path.name for s in p.sources) for p in cut.partitions)
    assert names == [["city-00000.ttl"], ["city-00001.ttl", "city-00002.ttl"]]
    assert cut.whole_graph_reason is None
    assert [s.path.name for s in cut.shared] == ["national.ttl"]


@pytest.mark.parametrize(
    "extra,why",
    [
        (f"<{ID}/post/city-00001-mayor> owl:sameAs <{ID}/post/x> .\n", "identity"),
        (f"<{ID}/system/us-council-manager> dcterms:description 'x' .\n", "shared resource"),
        (
            f"<{ID}/post/city-00001-mayor> <http://www.w3.org/2004/02/skos/core#exactMatch> "
            f"<{ID}/system/us-council-manager> .\n",
            "joining property",
        ),
        (
            f"<{ID}/post/city-00001-mayor> mr:requires <{ID}/system/us-council-manager> .\n",
            "follows it back",
        ),
    ],
    ids=[
        "sameAs",
        "about a shared resource",
        "transitive towards a shared resource",
        "followed back by a shape",
    ],
)
def test_data_that_could_join_partitions_falls_back_to_the_whole_graph(
    tmp_path: Path, extra: str, why: str
) -> None:
    cut = _cut(tmp_path, extra)
    assert cut.whole_graph_reason is not None and why in cut.whole_graph_reason


WARNING = """<{id}/line/city-00001-extra> a mr:ReportingLine ;
    mr:subordinate <{sub}> ; mr:superior <{sup}> ;
    dcterms:source <{id}/source/city-00001> ; mr:evidence "A line with no shortcut."@en .
"""


@pytest.fixture
def cities(tmp_path: Path) -> Path:
    return _generate(tmp_path / "cities", "--cities", "8")


def _rebuild(cities: Path, tmp_path: Path, name: str) -> tuple[list[str], BuildResult, BuildResult]:
    """An incremental build in the running home and a full one in a new home."""
    steps: list[str] = []
    incremental = build(tmp_path / "home", [cities], step=steps.append)
    full = build(tmp_path / f"full-{name}", [cities], full=True)
    assert _published(incremental) == _published(full)
    return steps, incremental, full


def test_incremental_rebuilds_publish_what_full_builds_publish(
    cities: Path, tmp_path: Path
) -> None:
    first = build(tmp_path / "home", [cities])
    assert first.report is not None and not first.report.results
    text = (cities / "city-00001.ttl").read_text(encoding="utf-8")
    graph = Graph().parse(data=text, format="turtle")
    posts = sorted(graph.subjects(ORG.postIn, None))
    subordinate, superior = next(
        (a, b) for a in posts for b in posts if a != b and (a, ORG.reportsTo, b) not in graph
    )
    # Changed: a city gains a reporting line with no shortcut (a warning, still published).
    (cities / "city-00001.ttl").write_text(
        text + PREFIXES + WARNING.format(id=ID, sub=subordinate, sup=superior), encoding="utf-8"
    )
    steps, changed, _ = _rebuild(cities, tmp_path, "changed")
    assert any("1 of 8 municipalities changed, 0 removed" in s for s in steps), steps
    assert changed.report is not None and changed.report.results
    # Added.
    extra = _generate(tmp_path / "more", "--cities", "10")
    shutil.copy(extra / "city-00009.ttl", cities / "city-00009.ttl")
    steps, _, _ = _rebuild(cities, tmp_path, "added")
    assert any("1 of 9 municipalities changed, 0 removed" in s for s in steps), steps
    # Removed.
    (cities / "city-00003.ttl").unlink()
    steps, _, _ = _rebuild(cities, tmp_path, "removed")
    assert any("0 of 8 municipalities changed, 1 removed" in s for s in steps), steps
    reused = next(s for s in steps if "reusing" in s)
    assert "redoing 1 of" in reused, reused


def test_a_changed_shared_file_or_full_rebuilds_everything(cities: Path, tmp_path: Path) -> None:
    build(tmp_path / "home", [cities])
    steps: list[str] = []
    build(tmp_path / "home", [cities], step=steps.append, full=True)
    assert any("none reused" in s for s in steps), steps
    header = cities / "national.ttl"
    header.write_text(header.read_text(encoding="utf-8") + "\n# revised\n", encoding="utf-8")
    steps = []
    build(tmp_path / "home", [cities], step=steps.append)
    assert any("none reused" in s for s in steps), steps
    steps = []
    build(tmp_path / "home", [cities], step=steps.append)
    assert any("0 of 8 municipalities changed" in s for s in steps), steps


def test_the_command_prints_plain_stage_lines_with_batch_counts_in_a_log(
    cities: Path, tmp_path: Path
) -> None:
    arguments = ["--home", str(tmp_path / "home"), "--data", str(cities), "--log"]
    first = CliRunner().invoke(build_command, arguments)
    assert first.exit_code == 0, first.output
    assert "8 municipalities in" in first.output and "none reused" in first.output
    assert "batches, " in first.output and "s left" in first.output  # a batch count line
    again = CliRunner().invoke(build_command, arguments)
    assert "0 of 8 municipalities changed, 0 removed; reusing 8" in again.output
    full = CliRunner().invoke(build_command, [*arguments, "--full"])
    assert full.exit_code == 0 and "none reused" in full.output


def test_a_moved_data_folder_keeps_what_was_reused(cities: Path, tmp_path: Path) -> None:
    build(tmp_path / "home", [cities])
    moved = tmp_path / "elsewhere" / "cities"
    shutil.copytree(cities, moved)
    steps: list[str] = []
    build(tmp_path / "home", [moved], step=steps.append)
    assert any("0 of 8 municipalities changed, 0 removed; reusing 8" in s for s in steps), steps
