"""Both OWL 2 RL engines publish the same inferred graph and refuse the same contradictions.

owlrl is the reference, ``reasonable`` the fast default; their raw closures differ (owlrl
adds more schema noise), so what is compared is the graph a snapshot publishes: the
closure after ``publisher.build.reasoning``'s reduction.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from publisher.build.pipeline import source_files
from publisher.build.reasoning import REASONERS, InconsistencyError, Reasoner, compute_closure
from publisher.cli.build import build as build_command
from publisher.rdf.namespaces import ID_BASE
from publisher.rdf.parsing import load_graph

GENERATOR = Path(__file__).resolve().parents[2] / "bench" / "validate" / "generate.py"


@pytest.fixture(scope="module")
def shipped_and_sample(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    """The ontology and shipped data with one synthetic municipality of each kind."""
    sample = tmp_path_factory.mktemp("sample") / "sample.ttl"
    subprocess.run(
        [sys.executable, GENERATOR, "--one-of-each", "--defect-rate", "0", "--out", sample],
        check=True,
    )
    return load_graph([*source_files(), sample])


def test_both_engines_publish_the_same_inferred_graph(shipped_and_sample: Graph) -> None:
    owlrl = set(compute_closure(shipped_and_sample, "owlrl").inferred)
    fast = set(compute_closure(shipped_and_sample, "reasonable").inferred)
    assert owlrl == fast, (
        f"owlrl only: {sorted(owlrl - fast)[:10]}; reasonable only: {sorted(fast - owlrl)[:10]}"
    )
    # Both parts of the input yield entailments: the comparison covers both.
    synthetic = {s for s, _, _ in fast if str(s).startswith(f"{ID_BASE}post/city-")}
    assert synthetic and len(fast) > len(synthetic)


CONTRADICTIONS = {
    "same and different": "ex:a owl:sameAs ex:b ; owl:differentFrom ex:b .",
    "disjoint classes": "ex:C owl:disjointWith ex:D . ex:x a ex:C, ex:D .",
    "all disjoint classes": "[] a owl:AllDisjointClasses ; owl:members ( ex:C ex:D ex:E ) .\n"
    "ex:x a ex:C, ex:E .",
    "member of nothing": "ex:x a owl:Nothing .",
    "irreflexive property": "ex:p a owl:IrreflexiveProperty . ex:x ex:p ex:x .",
}


@pytest.mark.parametrize("reasoner", REASONERS)
@pytest.mark.parametrize("statement", CONTRADICTIONS.values(), ids=CONTRADICTIONS)
def test_both_engines_refuse_a_contradiction(reasoner: Reasoner, statement: str) -> None:
    graph = Graph().parse(
        data="@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix ex: <http://ex/> .\n"
        + statement,
        format="turtle",
    )
    with pytest.raises(InconsistencyError) as raised:
        compute_closure(graph, reasoner)
    assert raised.value.messages


def test_an_unknown_reasoner_is_refused_with_the_choices(tmp_path: Path) -> None:
    result = CliRunner().invoke(build_command, ["--home", str(tmp_path), "--reasoner", "hermit"])
    assert result.exit_code == 2
    assert "'hermit' is not one of 'reasonable', 'owlrl'" in result.output
