"""Map the steward's sheets to RDF by the shipped CSVW metadata, checking every cell.

Two passes. The first reads each sheet's header (English or Turkish titles) and mints
each row's IRI from its id (``ID base + mint + slug``). The second reads each cell by its
column: a reference is resolved to a row of the workbook or to a published node (by slug,
English or Turkish label, or IRI), a choice to its IRIs, a number, date, currency or
language is checked; a value that cannot be mapped is a ``Problem`` at its cell, with the
closest known values as a suggestion. Then each row's triples are made as W3C csv2rdf
makes them (aboutUrl, propertyUrl, valueUrl templates, datatypes, languages), and every
triple remembers the cell it came from, so that SHACL results on it are reported there.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

import langcodes
import pycountry
import uritemplate
from rdflib import RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from publisher.i18n import LANGUAGES, N_, _
from publisher.rdf.namespaces import ID_BASE, PREFIXES
from publisher.sheets.mapping import ROW_BLANK, Column, Sheet, expand_curie, template_sheets
from publisher.sheets.workbook import Cell, SheetData
from publisher.validation.model import Location

DCTERMS_LANGUAGE = URIRef("http://purl.org/dc/terms/language")
LOC_LANGUAGES = "http://id.loc.gov/vocabulary/iso639-1/"
SLUG = re.compile(r"[a-z0-9][a-z0-9._-]*")
_VARIABLE = re.compile(r"\{\+?([^}]+)\}")
_WRITTEN_NUMBER = re.compile(r"[\s$€£₺¥]*\d[\d,\s]*(\.\d+)?[\s$€£₺¥]*")
_DATATYPES = {"integer": XSD.integer, "decimal": XSD.decimal, "date": XSD.date}


@dataclass(frozen=True)
class Problem:
    """A cell (or header, or sheet) that cannot be mapped, with a message and a hint in
    every language."""

    code: str  # T01...: the kind of mistake
    location: Location
    focus: Node
    path: URIRef | None
    value: str | None
    messages: Mapping[str, str]
    hints: Mapping[str, str]


@dataclass
class Mapped:
    """The graph of the sheets, what could not be mapped, and where each triple came from."""

    graph: Graph
    problems: list[Problem] = field(default_factory=list)
    cells: dict[tuple[Node, Node, Node], Location] = field(default_factory=dict)
    rows: dict[Node, Location] = field(default_factory=dict)
    # (node, property) of each cell reported as unmappable: the row is mapped without it,
    # and SHACL results on that very gap are the same mistake, reported once at the cell.
    failed: set[tuple[Node, Node | None]] = field(default_factory=set)
    prefixes: dict[str, str] = field(default_factory=dict)


def both(message: str, **values: object) -> dict[str, str]:
    """A catalogue message in every language, placeholders filled; a value given as a
    mapping of languages (a column's titles) is filled in each language's own words."""
    return {
        lang: _(
            message,
            lang,
            **{
                k: v.get(lang, v.get("en")) if isinstance(v, Mapping) else v
                for k, v in values.items()
            },
        )
        for lang in LANGUAGES
    }


# ---------------------------------------------------------------- what a cell may name


@dataclass
class Known:
    """Published nodes by class, with every key a steward may name them by."""

    keys: dict[str, dict[str, set[URIRef]]]  # class IRI -> key -> nodes
    shown: dict[str, list[str]]  # class IRI -> slugs and labels, for suggestions
    languages: dict[URIRef, str]  # source document -> its language code


def known_nodes(context: Graph) -> Known:
    return _known(id(context), context)


@cache
def _known(_: int, context: Graph) -> Known:
    keys: dict[str, dict[str, set[URIRef]]] = {}
    shown: dict[str, list[str]] = {}
    for node, cls in context.subject_objects(RDF.type):
        if not isinstance(node, URIRef):
            continue
        names = [str(node), local_name(node)]
        for predicate in (RDFS.label, SKOS.prefLabel):
            names += [str(label) for label in context.objects(node, predicate)]
        index = keys.setdefault(str(cls), {})
        for name in names:
            index.setdefault(name.casefold(), set()).add(node)
        shown.setdefault(str(cls), []).extend(names[1:])
    languages = {
        s: language_code(o)
        for s, o in context.subject_objects(DCTERMS_LANGUAGE)
        if isinstance(s, URIRef)
    }
    return Known(keys, shown, languages)


def local_name(iri: URIRef) -> str:
    return re.split(r"[/#]", str(iri))[-1]


def language_code(value: Node) -> str:
    """``en`` of a Library of Congress language IRI or of a plain code."""
    return str(value).rsplit("/", 1)[-1]


# ---------------------------------------------------------------- the two passes


def map_sheets(sheets: Sequence[SheetData], context: Graph, base: str = ID_BASE) -> Mapped:
    """The RDF of the sheets (read-only: nothing is written) and every problem found."""
    mapped = Mapped(Graph())
    known = known_nodes(context)
    template = {s.name: s for s in template_sheets()}
    placed: list[tuple[Sheet, SheetData, dict[int, Column]]] = []
    for data in sheets:
        sheet = template.get(data.name) or _sheet_by_title(data.name)
        if sheet is None:
            mapped.problems.append(_unknown_sheet(data))
            continue
        columns = _header(sheet, data, mapped)
        placed.append((sheet, data, columns))
    ids: dict[str, dict[str, URIRef]] = {}
    row_ids: dict[int, URIRef] = {}
    for sheet, data, columns in placed:
        _mint(sheet, data, columns, base, ids.setdefault(sheet.name, {}), row_ids, mapped)
    source_languages = dict(known.languages)
    for sheet, data, columns in placed:
        if sheet.name == "sources":
            _source_languages(data, columns, ids["sources"], source_languages)
    resolver = _Resolver(known, ids, source_languages)
    for sheet, data, columns in placed:
        for row in data.rows:
            _map_row(sheet, row, columns, row_ids.get(id(row)), resolver, mapped)
    mapped.prefixes = {s.prefix: f"{base}{s.mint}" for s in template.values() if s.prefix}
    return mapped


def _sheet_by_title(name: str) -> Sheet | None:
    folded = name.casefold()
    return next(
        (s for s in template_sheets() if folded in {t.casefold() for t in s.titles.values()}),
        None,
    )


def _unknown_sheet(data: SheetData) -> Problem:
    names = [s.name for s in template_sheets()]
    return Problem(
        "T01",
        data.place,
        Literal(data.place.text()),
        None,
        data.name,
        both(N_("{name} is not a sheet of the template"), name=data.name),
        _suggest(data.name, names) or both(N_("name it one of: {names}"), names=", ".join(names)),
    )


def _header(sheet: Sheet, data: SheetData, mapped: Mapped) -> dict[int, Column]:
    """Which column each header cell is (by English or Turkish title, or by name)."""
    by_title: dict[str, Column] = {}
    for column in sheet.written():
        for title in (*column.titles.values(), column.name):
            by_title[title.casefold().strip()] = column
    found: dict[int, Column] = {}
    for index, cell in enumerate(data.header):
        text = cell.text.strip()
        if not text:
            continue
        named = by_title.get(text.casefold())
        if named is None:
            mapped.problems.append(
                Problem(
                    "T02",
                    cell.location,
                    Literal(data.place.text()),
                    None,
                    text,
                    both(N_("{sheet} has no column {header}"), sheet=sheet.name, header=text),
                    _suggest(text, list(by_title)),
                )
            )
            continue
        found[index] = named
    present = {c.name for c in found.values()}
    for column in sheet.written():
        if column.required and column.name not in present:
            mapped.problems.append(
                Problem(
                    "T03",
                    data.header[0].location if data.header else data.place,
                    Literal(data.place.text()),
                    column.property,
                    None,
                    both(N_("the sheet has no column {title}"), title=column.titles),
                    both(N_("add the column {title}"), title=column.titles),
                )
            )
    return found


def _cells(row: tuple[Cell, ...], columns: Mapping[int, Column]) -> dict[str, Cell]:
    return {columns[i].name: cell for i, cell in enumerate(row) if i in columns}


def _mint(
    sheet: Sheet,
    data: SheetData,
    columns: Mapping[int, Column],
    base: str,
    ids: dict[str, URIRef],
    row_ids: dict[int, URIRef],
    mapped: Mapped,
) -> None:
    """Each row's IRI from its id: a slug under the sheet's mint, or an IRI as written."""
    if sheet.mint is None:
        return
    seen: dict[URIRef, Location] = {}
    for row in data.rows:
        cell = _cells(row, columns).get("id")
        text = cell.text.strip() if cell else ""
        if cell is None or not text:
            continue
        if _is_iri(text):
            iri = URIRef(text)
        elif SLUG.fullmatch(text):
            iri = sheet.minted(text, base)
        else:
            suggestion = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
            mapped.problems.append(
                Problem(
                    "T12",
                    cell.location,
                    Literal(cell.location.text()),
                    None,
                    text,
                    both(
                        N_("{value} is not a slug (lowercase letters, digits, hyphens) nor an IRI"),
                        value=text,
                    ),
                    both(N_("did you mean {suggestion}?"), suggestion=suggestion),
                )
            )
            continue
        if iri in seen:
            mapped.problems.append(
                Problem(
                    "T13",
                    cell.location,
                    iri,
                    None,
                    text,
                    both(
                        N_("{value} is already the id of {place}"),
                        value=text,
                        place=seen[iri].text(),
                    ),
                    both(N_("give each row its own id")),
                )
            )
            continue
        seen[iri] = cell.location
        ids[text.casefold()] = iri
        ids[str(iri).casefold()] = iri
        row_ids[id(row)] = iri
        mapped.rows[iri] = cell.location


def _source_languages(
    data: SheetData,
    columns: Mapping[int, Column],
    ids: Mapping[str, URIRef],
    into: dict[URIRef, str],
) -> None:
    for row in data.rows:
        cells = _cells(row, columns)
        if "id" in cells and "language" in cells:
            iri = ids.get(cells["id"].text.strip().casefold())
            if iri is None:
                continue
            with suppress(_Unmapped):  # a wrong code is reported at its own cell
                into[iri] = _language(cells["language"].text.strip())


def _is_iri(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in {"http", "https", "urn"} and bool(parts.netloc or parts.path)


# ---------------------------------------------------------------- one cell


class _Unmapped(Exception):
    """A cell value that cannot be mapped: the problem's code, message and hint."""

    def __init__(self, code: str, messages: dict[str, str], hints: dict[str, str]) -> None:
        super().__init__(messages["en"])
        self.code, self.messages, self.hints = code, messages, hints


@dataclass
class _Resolver:
    known: Known
    ids: Mapping[str, Mapping[str, URIRef]]  # sheet -> id or IRI (casefolded) -> IRI
    languages: Mapping[URIRef, str]

    def values(self, column: Column, text: str) -> list[str]:
        """The cell's value(s) as the templates take them: IRIs, or lexical forms."""
        items = [text]
        if column.separator:
            items = [i.strip() for i in text.split(column.separator) if i.strip()]
        found: list[str] = []
        for item in items:
            found += self.value(column, item)
        return found

    def value(self, column: Column, text: str) -> list[str]:
        if column.choices:
            return self._choice(column, text)
        if column.refers:
            return [str(self._reference(column, text))]
        if column.check == "currency":
            return [_currency(text)]
        if column.check == "language":
            return [_language(text)]
        if column.check == "url" and not _is_iri(text):
            raise _Unmapped(
                "T14",
                both(N_("{value} is not a web address (http or https)"), value=text),
                both(N_("write the address of the page read, or leave it empty and name the file")),
            )
        if column.datatype in _DATATYPES:
            _check_datatype(column, text)
        return [text]

    def _choice(self, column: Column, text: str) -> list[str]:
        folded = text.casefold()
        for choice in column.choices:
            if folded in {w.casefold() for w in choice.words} or text in map(str, choice.iris):
                return [str(i) for i in choice.iris] or [choice.literal or choice.word]
        words = [w for c in column.choices for w in c.words]
        raise _Unmapped(
            "T09",
            both(N_("{value} is not one of: {choices}"), value=text, choices=", ".join(words)),
            _suggest(text, words) or both(N_("write one of: {choices}"), choices=", ".join(words)),
        )

    def _reference(self, column: Column, text: str) -> URIRef:
        folded = text.casefold()
        candidates: set[URIRef] = set()
        names: list[str] = []
        for target in column.refers:
            kind, _colon, name = target.partition(":")
            if kind == "sheet":
                own = self.ids.get(name, {})
                if folded in own:
                    return own[folded]
                names += [k for k in own if not k.startswith("http")]
            else:
                index = self.known.keys.get(expand_curie(name), {})
                candidates |= index.get(folded, set())
                names += self.known.shown.get(expand_curie(name), [])
        if len(candidates) == 1:
            return next(iter(candidates))
        if candidates:
            listed = ", ".join(sorted(map(str, candidates)))
            raise _Unmapped(
                "T15",
                both(
                    N_("{value} names more than one node: {candidates}"),
                    value=text,
                    candidates=listed,
                ),
                both(N_("write the IRI of the one meant")),
            )
        raise _Unmapped(
            "T05",
            both(N_("no {what} is called {value}"), value=text, what=column.titles),
            _suggest(text, names)
            or both(
                N_("write the id of a row or the slug, English or Turkish label of a published one")
            ),
        )


def _check_datatype(column: Column, text: str) -> None:
    try:
        column.read(text)
    except ValueError:
        if column.datatype == "date":
            raise _Unmapped(
                "T08",
                both(N_("{value} is not a date"), value=text),
                both(N_("write the date as YYYY-MM-DD, e.g. 2026-12-01")),
            ) from None
        # "$120,000" is a number written with signs: suggest it in digits; "five years",
        # "about 100k" are not, and get the general hint.
        digits = re.sub(r"[^0-9.]", "", text) if _WRITTEN_NUMBER.fullmatch(text) else ""
        if column.datatype == "integer":
            raise _Unmapped(
                "T06",
                both(N_("{value} is not a whole number"), value=text),
                both(N_("did you mean {suggestion}?"), suggestion=digits)
                if digits.isdigit()
                else both(N_("write the number in digits, e.g. 60 for five years of 12 months")),
            ) from None
        raise _Unmapped(
            "T07",
            both(N_("{value} is not a number"), value=text),
            both(N_("did you mean {suggestion}?"), suggestion=digits)
            if digits
            else both(N_("write the number in digits, without currency signs or words")),
        ) from None


def _currency(text: str) -> str:
    if pycountry.currencies.get(alpha_3=text) is not None:
        return text
    try:
        guess = pycountry.currencies.lookup(text.strip()).alpha_3
    except LookupError:
        codes = [c.alpha_3 for c in pycountry.currencies]
        names = {c.name: c.alpha_3 for c in pycountry.currencies}
        close = difflib.get_close_matches(text.upper(), codes, n=3) or [
            names[n] for n in difflib.get_close_matches(text, list(names), n=3)
        ]
        hint = (
            both(N_("did you mean {suggestion}?"), suggestion=", ".join(close))
            if close
            else both(N_("write the three-letter ISO 4217 code, e.g. USD or TRY"))
        )
    else:
        hint = both(N_("did you mean {suggestion}?"), suggestion=guess)
    raise _Unmapped("T10", both(N_("{value} is not an ISO 4217 currency code"), value=text), hint)


def _language(text: str) -> str:
    if len(text) == 2 and text.islower() and langcodes.tag_is_valid(text):
        return text
    guess: str | None = None
    try:
        if langcodes.tag_is_valid(text):
            guess = langcodes.Language.get(text).language
        else:
            guess = langcodes.find(text).language
    except LookupError:
        guess = None
    raise _Unmapped(
        "T11",
        both(N_("{value} is not a two-letter ISO 639-1 language code"), value=text),
        both(N_("did you mean {suggestion}?"), suggestion=guess)
        if guess and len(guess) == 2
        else both(N_("write the language of the document, e.g. en or tr")),
    )


def _suggest(text: str, known: Iterable[str]) -> dict[str, str]:
    """The closest known values (difflib), as a hint; empty when nothing is close."""
    choices = {k.casefold(): k for k in known}
    close = difflib.get_close_matches(text.casefold(), list(choices), n=3, cutoff=0.6)
    if not close:
        return {}
    return both(N_("did you mean {suggestion}?"), suggestion=", ".join(choices[c] for c in close))


# ---------------------------------------------------------------- one row (csv2rdf)


def _map_row(
    sheet: Sheet,
    row: tuple[Cell, ...],
    columns: Mapping[int, Column],
    iri: URIRef | None,
    resolver: _Resolver,
    mapped: Mapped,
) -> None:
    cells = _cells(row, columns)
    first = row[0].location
    focus: Node = iri if iri is not None else Literal(first.text())
    env: dict[str, list[str]] = {"id": [str(iri)]} if iri is not None else {}
    for column in sheet.written():
        cell = cells.get(column.name)
        text = cell.text.strip() if cell else ""
        if column.name == "id":
            if sheet.mint is not None and iri is None and column.required and not text:
                mapped.problems.append(_required(column, cell, first, focus))
            continue
        if not text:
            if column.required:
                mapped.problems.append(_required(column, cell, first, focus))
                mapped.failed.add((focus, column.property))
            continue
        assert cell is not None
        try:
            env[column.name] = resolver.values(column, text)
        except _Unmapped as unmapped:
            mapped.failed.add((focus, column.property))
            mapped.problems.append(
                Problem(
                    unmapped.code,
                    cell.location,
                    focus,
                    column.property,
                    text,
                    unmapped.messages,
                    unmapped.hints,
                )
            )
    if sheet.mint is not None and iri is None:
        return
    blanks: dict[str, BNode] = {}
    made: list[tuple[tuple[Node, Node, Node], Location]] = []
    for column in sheet.columns:
        if column.suppressed or column.property is None:
            continue
        cell = cells.get(column.name)
        place = cell.location if cell is not None else first
        items: list[str | None] = list(env.get(column.name, [])) if not column.virtual else [None]
        for item in items:
            made += [
                (t, place) for t in _column_triples(sheet, column, item, env, blanks, resolver)
            ]
    if _language_unknown(sheet, env, resolver):
        # A quote whose source's language cell is wrong: that cell is the one mistake; the
        # row is left out, and what its absence makes SHACL say is said there already.
        mapped.failed.update((triple[0], triple[1]) for triple, _place in made)
        return
    for triple, place in made:
        mapped.graph.add(triple)
        mapped.cells.setdefault(triple, place)
    for blank in blanks.values():
        mapped.rows[blank] = first
    if iri is None and sheet.about.startswith(ROW_BLANK) and sheet.about in blanks:
        mapped.rows[blanks[sheet.about]] = first


def _language_unknown(sheet: Sheet, env: Mapping[str, list[str]], resolver: _Resolver) -> bool:
    """Whether a literal of the row takes its language from a source that has none."""
    for column in sheet.columns:
        named = env.get(column.language_from or "", [])
        if named and _is_iri(named[0]) and URIRef(named[0]) not in resolver.languages:
            return True
    return False


def _required(column: Column, cell: Cell | None, first: Location, focus: Node) -> Problem:
    return Problem(
        "T04",
        cell.location if cell is not None else first,
        focus,
        column.property,
        None,
        both(N_("{title} is empty; it is required"), title=column.titles),
        both(N_("fill in {title}"), title=column.titles),
    )


def _column_triples(
    sheet: Sheet,
    column: Column,
    item: str | None,
    env: Mapping[str, list[str]],
    blanks: dict[str, BNode],
    resolver: _Resolver,
) -> list[tuple[Node, Node, Node]]:
    bindings = {name: values[0] for name, values in env.items() if values}
    if item is not None:
        bindings[column.name] = item
    subject = _node(column.about or sheet.about, bindings, blanks)
    if subject is None or column.property is None:
        return []
    if column.value is not None:
        obj = _node(column.value, bindings, blanks)
        return [(subject, column.property, obj)] if obj is not None else []
    if column.value_from is not None:
        return [
            (subject, column.property, _literal(column, text, bindings, resolver))
            for text in env.get(column.value_from, [])
        ]
    if item is None:
        return []
    return [(subject, column.property, _literal(column, item, bindings, resolver))]


def _node(template: str, bindings: Mapping[str, str], blanks: dict[str, BNode]) -> Node | None:
    """A template expanded (RFC 6570, by uritemplate): an IRI, or a blank node of the row;
    None when a variable it needs is empty."""
    if template.startswith(ROW_BLANK):
        return blanks.setdefault(template, BNode())
    if any(name not in bindings for name in _VARIABLE.findall(template)):
        return None
    return URIRef(expand_curie(uritemplate.expand(template, dict(bindings))))


def _literal(
    column: Column, text: str, bindings: Mapping[str, str], resolver: _Resolver
) -> Literal:
    if column.datatype in _DATATYPES:
        return Literal(text, datatype=_DATATYPES[column.datatype or ""])
    lang = column.lang
    if column.language_from is not None:
        named = bindings.get(column.language_from)
        if named is not None:
            lang = resolver.languages.get(URIRef(named), named if not _is_iri(named) else None)
    return Literal(text, lang=lang or None)


def turtle(mapped: Mapped) -> str:
    """The mapped graph as Turtle, with the project's prefixes and those of the sheets."""
    graph = Graph()
    graph += mapped.graph
    for prefix, namespace in {**PREFIXES, **mapped.prefixes}.items():
        graph.bind(prefix, namespace, replace=True)
    return graph.serialize(format="turtle")
