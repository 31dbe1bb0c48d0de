"""A steward's file with three mistakes: each is reported once, named, at its file and line.

The third mistake (a reporting-line shortcut that names another superior than its sourced
claim) passed silently before S31 and S32 (shapes/organizations.ttl).
"""

from pathlib import Path

from publisher.validation.validator import validate_files

FIXTURES = Path(__file__).parent / "fixtures"
MG = "https://example.org/maple-grove/"


def test_each_of_three_mistakes_is_reported_with_its_term_file_and_line() -> None:
    report = validate_files([FIXTURES / "maple-grove-three-mistakes.ttl"])
    found = {
        (
            r.shape_id,
            str(r.focus).removeprefix(MG),
            r.path_text,
            r.location.text() if r.location else None,
        )
        for r in report.distinct()
    }
    where = "maple-grove-three-mistakes.ttl"
    assert found == {
        # 1. the misspelt property, and the evidence it therefore lacks
        ("S70", "coordinate-departments", "mr:evidnce", f"{where}:124"),
        ("S61", "coordinate-departments", "mr:evidence", f"{where}:124"),
        # 2. a language tag of no registered region
        ("S73", "parks-director-post", "rdfs:label", f"{where}:77"),
        # 3. the shortcut names the council, the claim the city manager: both sides said
        ("S31", "parks-director-post", "org:reportsTo", f"{where}:77"),
        ("S32", "parks-director-reports-to-manager", "mr:superior", f"{where}:105"),
    }
    by_shape = {r.shape_id: r for r in report.distinct()}
    assert str(by_shape["S31"].value) == MG + "council-post"
    assert str(by_shape["S32"].value) == MG + "manager-post"
    assert "mr:evidnce: no such property; did you mean mr:evidence?" in by_shape["S70"].message()
    assert by_shape["S31"].severity == "Violation" and by_shape["S32"].severity == "Warning"
