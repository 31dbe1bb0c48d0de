"""The gettext catalogues: complete, compiled from their .po, and a Turkish report that is
Turkish all through (publisher.i18n)."""

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner

import publisher
from publisher.cli import main
from publisher.i18n import DOMAIN, LANGUAGES, TRANSLATIONS, gettext, language
from publisher.validation.report import render_text
from publisher.validation.validator import validate_files

PACKAGE = Path(publisher.__file__).parent
TEMPLATE = PACKAGE / "i18n" / "messages.pot"
THREE_MISTAKES = Path(__file__).parents[1] / "validation/fixtures/maple-grove-three-mistakes.ttl"
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
PLACEHOLDER = re.compile(r"\{(\w*)\}|%\((\w+)\)s")


def catalogue_path(lang: str, suffix: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / f"{DOMAIN}.{suffix}"


def messages_of_the_code() -> set[str]:
    """Every message the code and the page templates mark with _() or N_(), read as
    pybabel extract reads them (babel.cfg)."""
    found = extract_from_dir(
        PACKAGE,
        method_map=[("**.py", "python"), ("web/templates/**.html", "jinja2")],
        keywords={"_": None, "N_": None},
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def ids(path: Path, lang: str | None = None) -> set[str]:
    with path.open("rb") as stream:
        return {m.id for m in read_po(stream, locale=lang) if m.id and isinstance(m.id, str)}


def test_the_template_and_every_catalogue_hold_exactly_the_messages_of_the_code() -> None:
    code = messages_of_the_code()
    assert len(code) > 20  # a wrong keyword or folder would find nothing and prove nothing
    assert ids(TEMPLATE) == code, "run pybabel extract (publisher/i18n/README.md)"
    for lang in TRANSLATED:
        assert ids(catalogue_path(lang, "po"), lang) == code, f"run pybabel update ({lang})"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    with catalogue_path(lang, "po").open("rb") as stream:
        catalogue = read_po(stream, locale=lang)
    assert not catalogue.fuzzy
    for message in catalogue:
        if not message.id:
            continue
        assert isinstance(message.string, str) and message.string.strip(), message.id
        assert message.string != message.id, message.id
        assert not message.fuzzy, message.id
        assert set(PLACEHOLDER.findall(message.string)) == set(
            PLACEHOLDER.findall(str(message.id))
        ), message.id


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_committed_mo_is_what_babel_compiles_from_the_po(lang: str) -> None:
    with catalogue_path(lang, "po").open("rb") as stream:
        catalogue = read_po(stream, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    assert catalogue_path(lang, "mo").read_bytes() == compiled.getvalue(), (
        "run pybabel compile -d publisher/i18n/translations"
    )


def test_a_message_is_translated_where_it_is_made_or_in_the_current_language() -> None:
    assert gettext("conforms", "tr") == "uygun"
    with language("tr"):
        assert gettext("at {place}", place="a.ttl:3") == "yer: a.ttl:3"
        assert gettext("conforms", "en") == "conforms"
    assert gettext("conforms") == "conforms"
    with pytest.raises(ValueError, match="no catalogue"), language("xx"):
        pass


# The parts of a report line that are data, the same in every language: IRIs, prefixed
# names, literals, language tags, shape ids, numbers, file names, and a focus node's label.
DATA = re.compile(
    r"""\S+://\S+ | "[^"]*"(@[\w-]+|\^\^\S+)? | @[\w-]+ | [\w.-]*[\w-]+:[\w-]*[\w] | \[S\d+\]
    | \S+\.ttl(:\d+)? | \d+""",
    re.VERBOSE,
)
WORD = re.compile(r"[^\W\d_]{2,}")


def english_words(line: str) -> list[str]:
    if line and not line.startswith(" "):  # a focus node and its label (data)
        return []
    return WORD.findall(DATA.sub(" ", line))


def test_the_turkish_report_holds_no_english_sentence_of_the_english_one() -> None:
    report = validate_files([THREE_MISTAKES])
    assert {r.severity for r in report.results} >= {"Violation", "Warning"}
    english = render_text(report, "en").splitlines()
    turkish = render_text(report, "tr").splitlines()
    assert len(english) == len(turkish)
    checked = 0
    for en_line, tr_line in zip(english, turkish, strict=True):
        words = english_words(en_line)
        if not words:
            continue
        checked += 1
        shared = [w for w in words if w in english_words(tr_line)]
        assert len(shared) < max(2, len(words) // 2), (en_line, tr_line)
    assert checked >= 10  # headings, severities, messages, hints and the summary were compared
    text = "\n".join(turkish)
    for english_text in ("violation", "warning", "conform", "triples", "fix:", "at ", "below"):
        assert english_text not in text.lower(), english_text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "dosyada hiç RDF üçlüsü yok"),
        ("@prefix ex: <http://e/> .\nex:a ex:b .\n", "city.ttl:2:11: sözdizimi hatası"),
    ],
)
def test_the_cli_says_what_is_wrong_with_an_input_in_turkish(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "city.ttl"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path), "--lang", "tr"])
    assert result.exit_code == 2
    assert result.output.startswith("hata: ")
    assert expected in result.output
    assert "error" not in result.output and "the file" not in result.output
