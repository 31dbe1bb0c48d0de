"""Language tags and currencies must exist in their registries, not only look right."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import main
from publisher.validation.codes import currency_suggestions, language_tag_suggestions
from publisher.validation.validator import validate_files

CITY = Path(__file__).parent / "fixtures" / "maple-grove.ttl"
CITY_LABEL_TR = '"Maple Grove Şehri"@tr'


@pytest.mark.parametrize(
    "tag,message",
    [
        (
            "tr-TURKEY",
            "@tr-turkey: not a language tag of the IANA registry; did you mean tr or tr-TR?",
        ),
        ("turkish", "@turkish: not a language tag of the IANA registry; did you mean tr or tr-TR?"),
        (
            "en-tr-TURKEY",
            "@en-tr-turkey: not a language tag of the IANA registry; "
            "did you mean en, en-TR or en-US?",
        ),
        ("tr-Latx", "@tr-latx: not a language tag of the IANA registry; did you mean tr or tr-TR?"),
    ],
)
def test_a_fake_language_tag_fails_with_a_hint(tmp_path: Path, tag: str, message: str) -> None:
    text = CITY.read_text(encoding="utf-8")
    assert text.count(CITY_LABEL_TR) == 1
    city = tmp_path / "city.ttl"
    city.write_text(text.replace(CITY_LABEL_TR, f'"Maple Grove Şehri"@{tag}'), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(city)])
    assert result.exit_code == 1
    (found,) = [r for r in validate_files([city]).results if r.shape_id == "S73"]
    assert str(found.focus) == "https://example.org/maple-grove/city"
    assert found.message() == message
    assert found.message("tr").startswith(f"@{tag.lower()}: IANA kaydında olmayan")
    assert message in result.output


@pytest.mark.parametrize("tag", ["tr", "tr-TR", "en-US", "sl", "el", "zh-Hant-TW", "de-1901"])
def test_registered_tags_pass(tag: str) -> None:
    assert language_tag_suggestions(tag) is None


def test_a_fake_currency_fails(tmp_path: Path) -> None:
    city = tmp_path / "city.ttl"
    city.write_text(
        CITY.read_text(encoding="utf-8").replace('schema:currency "USD"', 'schema:currency "XYZ"'),
        encoding="utf-8",
    )
    (found,) = [r for r in validate_files([city]).results if r.shape_id == "S74"]
    assert (str(found.focus), found.severity) == (
        "https://example.org/maple-grove/manager-pay",
        "Violation",
    )
    assert found.message() == '"XYZ": no such ISO 4217 currency'
    assert currency_suggestions("USD") is None and currency_suggestions("TRY") is None
    assert "USD" in (currency_suggestions("USDD") or ())
