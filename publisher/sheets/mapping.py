"""The template's sheets and columns, as the shipped CSVW metadata declares them.

The metadata (``mappings/steward-template.csv-metadata.json``) is read and checked by the
python ``csvw`` library (W3C Metadata Vocabulary for Tabular Data: titles, datatypes,
separators, URI templates); this module only gives its tables and columns the shape the
rest of the package uses, with the project's extensions (refers, choices, checks) read
from the one common property of each column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from csvw import TableGroup  # type: ignore[import-untyped]  # csvw ships no type hints
from rdflib import URIRef

from publisher.rdf.namespaces import ID_BASE, PREFIXES

MAPPING_FILE = Path(__file__).parent / "mappings" / "steward-template.csv-metadata.json"
EXTENSION = "https://w3id.org/municipal-roles/sheets#"
LANGUAGES = ("en", "tr")
# A value or subject template of this form is a blank node of the row (``_:selector``).
ROW_BLANK = "_:"


@dataclass(frozen=True)
class Choice:
    """A word a steward may write in a column, with what it maps to."""

    word: str  # English
    words: tuple[str, ...]  # every accepted spelling (English, Turkish)
    iris: tuple[URIRef, ...] = ()
    literal: str | None = None


@dataclass(frozen=True)
class Column:
    """One column: its headers, the triple it makes and how its cells are read."""

    name: str
    titles: Mapping[str, str]
    property: URIRef | None
    about: str | None  # a URI template, or None for the table's
    value: str | None  # a URI template, or None for a literal
    datatype: str | None  # XSD datatype name (integer, decimal, date) of a literal
    lang: str | None
    separator: str | None
    required: bool
    virtual: bool
    suppressed: bool
    refers: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    check: str | None = None
    language_from: str | None = None
    value_from: str | None = None
    examples: tuple[str, ...] = ()
    # csvw's reader of a cell by the column's datatype (raises ValueError on a bad value).
    read: Callable[[str], object] = field(default=str, compare=False, repr=False)

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles.get("en") or self.name


@dataclass(frozen=True)
class Sheet:
    """One sheet of the template: a CSV file of a folder, a sheet of a workbook."""

    name: str  # file stem and sheet name: "posts"
    titles: Mapping[str, str]
    about: str
    mint: str | None  # the path under the ID base where its ids are minted
    prefix: str | None
    columns: tuple[Column, ...] = field(default=())

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    def written(self) -> tuple[Column, ...]:
        """The columns a steward fills (not the virtual ones)."""
        return tuple(c for c in self.columns if not c.virtual)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def minted(self, slug: str, base: str = ID_BASE) -> URIRef:
        return URIRef(f"{base}{self.mint or ''}{slug}")


def expand_curie(text: str) -> str:
    """``mr:Duty`` as its full IRI; an IRI or unknown prefix as written."""
    prefix, colon, local = text.partition(":")
    if colon and prefix in _CURIE_PREFIXES and not local.startswith("//"):
        return _CURIE_PREFIXES[prefix] + local
    return text


_CURIE_PREFIXES = {**PREFIXES, "oa": "http://www.w3.org/ns/oa#"}


@cache
def template_sheets() -> tuple[Sheet, ...]:
    """The sheets of the shipped mapping, in the order a steward fills them."""
    group = TableGroup.from_file(MAPPING_FILE)
    return tuple(_sheet(table) for table in group.tables)


def sheet_named(name: str) -> Sheet:
    return next(s for s in template_sheets() if s.name == name)


def _sheet(table: Any) -> Sheet:
    props = table.common_props
    url = str(table.url)
    return Sheet(
        name=url.removesuffix(".csv"),
        titles=_language_map(props.get("dc:title")),
        about=table.tableSchema.aboutUrl.uri,
        mint=props.get(EXTENSION + "mint"),
        prefix=props.get(EXTENSION + "prefix"),
        columns=tuple(_column(c) for c in table.tableSchema.columns),
    )


def _column(col: Any) -> Column:
    extra: dict[str, Any] = col.common_props.get(EXTENSION + "column", {})
    examples = extra.get("example", ())
    return Column(
        name=col.name,
        titles=_titles(col.titles),
        property=URIRef(expand_curie(col.propertyUrl.uri)) if col.propertyUrl else None,
        about=col.aboutUrl.uri if col.aboutUrl else None,
        value=col.valueUrl.uri if col.valueUrl else None,
        datatype=col.datatype.base if col.datatype else None,
        lang=col.lang if col.lang and col.lang != "und" else None,
        separator=col.separator,
        required=bool(col.required),
        virtual=bool(col.virtual),
        suppressed=bool(col.suppressOutput),
        refers=tuple(extra.get("refers", ())),
        choices=tuple(
            Choice(
                word=word,
                words=(word, spec["tr"]) if "tr" in spec else (word,),
                iris=tuple(URIRef(i) for i in spec.get("iris", ())),
                literal=spec.get("literal"),
            )
            for word, spec in extra.get("choices", {}).items()
        ),
        check=extra.get("check"),
        language_from=extra.get("languageFrom"),
        value_from=extra.get("valueFrom"),
        examples=(examples,) if isinstance(examples, str) else tuple(examples),
        read=col.read,
    )


def _titles(titles: Any) -> dict[str, str]:
    if titles is None:
        return {}
    return {lang: titles.getfirst(lang) for lang in LANGUAGES if titles.getfirst(lang)}


def _language_map(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {k: str(v) for k, v in value.items()}
    return {"en": str(value)} if value else {}
