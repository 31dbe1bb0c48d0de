"""The data files keep the project's conventions: what they hold is said at the top,
prefixes are sorted, one subject block per resource, and every IRI follows DESIGN §2."""

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from publisher.rdf.namespaces import ID_BASE
from publisher.rdf.resources import turtle_files

DATA_FILES = turtle_files("data")
KINDS = {
    "system", "position-type", "organization", "post", "duty", "requirement",
    "substitution", "appointment", "salary", "condition", "projection", "career-path",
    "reporting-line", "alignment", "source", "duty-area", "employment-term",
    "decision-rule", "document-kind", "credential",
    # Roles outside municipal government (the Turkish Minister of the Interior).
    "role",
    # How firmly a source states a claim (ontology 0.2.0, mr:modality).
    "modality",
}  # fmt: skip
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# Seed documents keep their file stem as slug (DESIGN §2: id/source/003_95afd3325dee9cdf).
SEED_SLUG = re.compile(r"\d{3}_[0-9a-f]{16}")


def bad_iri(iri: str) -> str | None:
    """Why a dataset IRI breaks the id/{kind}/{slug} pattern, or None when it is fine."""
    kind, _, slug = iri.removeprefix(ID_BASE).partition("/")
    if kind not in KINDS:
        return f"unknown kind {kind!r}"
    if SLUG.fullmatch(slug) or (kind == "source" and SEED_SLUG.fullmatch(slug)):
        return None
    return f"slug {slug!r} is not lowercase ASCII words joined by hyphens"


def test_bad_iri_names_the_problem() -> None:
    assert bad_iri(f"{ID_BASE}position-type/us-city-manager") is None
    assert bad_iri(f"{ID_BASE}source/003_95afd3325dee9cdf") is None
    assert bad_iri(f"{ID_BASE}position-type/US_City_Manager") is not None
    assert bad_iri(f"{ID_BASE}person/someone") == "unknown kind 'person'"


def test_there_are_data_files() -> None:
    assert len(DATA_FILES) >= 8


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda path: path.name)
def test_data_file_conventions(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# "), "starts with a header comment saying what it holds"
    prefixes = [line.split()[1] for line in lines if line.startswith("@prefix")]
    assert prefixes == sorted(prefixes)
    subjects = [
        line.split()[0] for line in lines if line and not line[0].isspace() and line[0] not in "#@"
    ]
    assert [s for s in set(subjects) if subjects.count(s) > 1] == []
    graph = Graph().parse(path, format="turtle")
    problems = {
        str(term): bad_iri(str(term))
        for triple in graph
        for term in triple
        if isinstance(term, URIRef) and str(term).startswith(ID_BASE) and bad_iri(str(term))
    }
    assert problems == {}
