"""The national synthetic dataset: reproducible by seed, every kind, conforming, synthetic."""

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import RDF, SKOS, Graph, Namespace

from publisher.validation.validator import validate_files

GENERATOR = Path(__file__).resolve().parents[2] / "bench" / "validate" / "generate.py"
MR = Namespace("https://w3id.org/municipal-roles/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
SYSTEM = "https://w3id.org/municipal-roles/id/system/"


def generate(out: Path, *options: str) -> Path:
    subprocess.run([sys.executable, GENERATOR, *options, "--out", out], check=True)
    return out


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("national")
    return generate(folder / "sample.ttl", "--one-of-each", "--defect-rate", "0")


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(tmp_path: Path) -> None:
    first = generate(tmp_path / "a.ttl", "--cities", "6", "--seed", "5").read_bytes()
    again = generate(tmp_path / "b.ttl", "--cities", "6", "--seed", "5").read_bytes()
    other = generate(tmp_path / "c.ttl", "--cities", "6", "--seed", "6").read_bytes()
    assert first == again != other


def test_the_sample_has_every_system_and_says_it_is_synthetic(sample: Path) -> None:
    graph = Graph().parse(sample)
    systems = {str(s) for s in graph.objects(None, ORG.classification)}
    assert systems == {
        SYSTEM + name
        for name in ("tr-buyuksehir", "tr-belediye", "us-council-manager", "us-mayor-council")
    }
    documents = set(graph.subjects(RDF.type, MR.SourceDocument))
    assert len(documents) == 7  # five Turkish kinds, two US forms
    for document in documents:
        assert str(graph.value(document, SKOS.editorialNote)).startswith("SYNTHETIC")


def test_the_sample_conforms_in_the_published_context(sample: Path) -> None:
    report = validate_files([sample])
    assert not report.results, [r.shape for r in report.results]
