"""The build validates with the shapes and publishes nothing that does not conform."""

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.build import pipeline as build_module
from publisher.build.pipeline import build
from publisher.build.snapshot import current_snapshot
from publisher.cli import main
from publisher.validation.model import NonConformingError

# A post in two organisations (S21) that reports to itself (S27).
BAD = """@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix mr: <https://w3id.org/municipal-roles/ontology#> .
<https://w3id.org/municipal-roles/id/post/loop> a org:Post ; rdfs:label "Loop"@en ;
    org:role <https://w3id.org/municipal-roles/id/position-type/x> ;
    org:postIn <https://w3id.org/municipal-roles/id/organization/a>,
        <https://w3id.org/municipal-roles/id/organization/b> ;
    org:reportsTo <https://w3id.org/municipal-roles/id/post/loop> .
"""


def test_nonconforming_data_is_refused_and_the_snapshot_stays(
    home: Path, tmp_path: Path, folder_state: Callable[[Path], dict[str, bytes]]
) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(BAD, encoding="utf-8")
    before = current_snapshot(home)
    state = folder_state(home)
    with pytest.raises(NonConformingError) as caught:
        build(home, [bad])
    violations = {r.shape_id for r in caught.value.report.results if r.severity == "Violation"}
    assert {"S21", "S27"} <= violations
    assert current_snapshot(home) == before
    assert folder_state(home) == state


def test_shipped_build_refuses_an_added_bad_file(
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    folder_state: Callable[[Path], dict[str, bytes]],
) -> None:
    """A bad file slipped among the shipped sources fails the CLI build with exit 1."""
    bad = tmp_path / "bad.ttl"
    bad.write_text(BAD, encoding="utf-8")
    shipped = build_module.source_files

    monkeypatch.setattr(build_module, "source_files", lambda data=None: [*shipped(data), bad])
    state = folder_state(home)
    result = CliRunner().invoke(main, ["build", "--home", str(home)])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "does not conform to the shapes" in text
    assert "https://w3id.org/municipal-roles/id/post/loop org:postIn" in text
    assert "Post must have exactly one org:postIn. [S21]" in text
    assert "reaches itself through org:reportsTo" in text
    assert "The previous snapshot stays in use." in text
    assert folder_state(home) == state


def test_build_data_names_the_file_and_line_of_each_violation(home: Path, tmp_path: Path) -> None:
    """As `validate` does: the build's refusal says where each violating node is written."""
    city = tmp_path / "city.ttl"
    city.write_text(BAD, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--home", str(home), "--data", str(city)])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert f"{city}:4: https://w3id.org/municipal-roles/id/post/loop org:postIn" in text
    assert "Post must have exactly one org:postIn. [S21]" in text


def test_build_data_names_every_unusable_file_with_its_line(home: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    empty = tmp_path / "empty.ttl"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["build", "--home", str(home), "--data", str(broken), "--data", str(empty)]
    )
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert f"{broken}:2:11: syntax error" in text
    assert f"{empty}: the file holds no RDF triple" in text
    assert "The previous snapshot stays in use." in text
