"""Position types side by side (``/compare``): one row per axis of comparison.

The facts come from ``queries/compare/positions.rq``, a CONSTRUCT run on the publisher's
own lane like a resource page's queries, with the checked IRIs of the positions written
into its VALUES line; the labels of every IRI of its answer follow, so each value is named
in the reader's language. Each cell keeps the claim it was read from, so the page can show
the claim's quotes and sources beside it, and an axis with nothing recorded for a position
says so instead of leaving the cell blank.

HTML, JSON and CSV are all written from one ``Comparison``, so they never disagree.
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from babel.numbers import format_decimal
from rdflib import RDF, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from publisher.i18n import N_, gettext
from publisher.rdf.resources import resource_dir
from publisher.store.query import SparqlStore
from publisher.web.description import (
    DCTERMS_SOURCE,
    PageBuilder,
    Quote,
    Value,
    construct,
    iri_term,
    labels_query,
)
from publisher.web.labels import Bases

SCHEMA = "https://schema.org/"
ESTIMATED_SALARY = URIRef(SCHEMA + "estimatedSalary")
# The query parameters that name the positions compared, in the order of the columns.
POSITION_PARAMETERS = ("a", "b", "c", "d")
MIN_POSITIONS = 2
# A parameter longer than this is no slug and no IRI of this dataset.
MAX_PARAMETER_CHARACTERS = 500
# What a value of a parameter that is an IRI, not a slug, starts with.
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_VALUES_LINE = re.compile(r"VALUES \?position \{[^}]*\}")

# The SKOS mapping relations as a reader says them, and each one read from the other side.
MAPPING_NAMES: dict[URIRef, str] = {
    SKOS.exactMatch: N_("exact match"),
    SKOS.closeMatch: N_("close match"),
    SKOS.broadMatch: N_("broader match"),
    SKOS.narrowMatch: N_("narrower match"),
    SKOS.relatedMatch: N_("related match"),
}
MAPPING_INVERSES: dict[URIRef, URIRef] = {
    SKOS.broadMatch: SKOS.narrowMatch,
    SKOS.narrowMatch: SKOS.broadMatch,
}
# Pay periods (schema:duration, ISO 8601) as a reader says them.
PAY_PERIODS: dict[str, str] = {
    "P1Y": N_("a year"),
    "P1M": N_("a month"),
    "P1W": N_("a week"),
    "P1D": N_("a day"),
    "PT1H": N_("an hour"),
}


def _mr(name: str) -> URIRef:
    return URIRef("https://w3id.org/municipal-roles/ontology#" + name)


# What an appointment rule says beside who appoints: shown as "label: value".
APPOINTMENT_DETAILS = tuple(
    _mr(name) for name in ("proposedBy", "approvedBy", "votingRule", "legalBasis")
)
CONFLICTS_WITH = _mr("conflictsWith")
APPOINTED_BY = _mr("appointedBy")
DISMISSED_BY = _mr("dismissedBy")
AT_LEVEL = _mr("atGovernmentLevel")


class UnknownPositions(LookupError):
    """Some of the slugs or IRIs asked for name no position type of the dataset: 404."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


@cache
def compare_query(name: str) -> str:
    """The text of one query of ``queries/compare/`` (read once per process)."""
    return (resource_dir("queries") / "compare" / f"{name}.rq").read_text(encoding="utf-8")


class NotAPosition(ValueError):
    """A picker's value that cannot name a position type: too long, or not an IRI."""

    def __init__(self, value: str, too_long: bool) -> None:
        super().__init__(value)
        self.value = value
        self.too_long = too_long


def position_iri(value: str, id_base: str) -> str:
    """A picker's value as an IRI: a slug (``us-city-manager``) names a position type under
    the dataset's base, anything with a scheme is taken as an IRI. NotAPosition: neither."""
    value = value.strip()
    if len(value) > MAX_PARAMETER_CHARACTERS:
        raise NotAPosition(value, too_long=True)
    iri = value if _SCHEME.match(value) else f"{id_base}position-type/{value}"
    try:
        iri_term(iri)
    except ValueError:
        raise NotAPosition(value, too_long=False) from None
    return iri


def positions_query(iris: list[str]) -> str:
    """The comparison query with the positions' IRIs (each checked) in its VALUES line."""
    values = " ".join(iri_term(iri) for iri in iris)
    return _VALUES_LINE.sub(
        lambda _: f"VALUES ?position {{ {values} }}", compare_query("positions")
    )


def with_labels(store: SparqlStore, graph: Graph, timeout: float, max_rows: int) -> Graph:
    """The graph plus the labels of every IRI in it (subjects, predicates and objects)."""
    iris = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
    if iris:
        graph += construct(store, labels_query(iris), timeout, max_rows)
    return graph


@dataclass
class Entry:
    """One value in a cell: what it is, what the claim adds (``details``: label and value),
    and the quotes and sources the claim was read from."""

    value: Value
    details: list[tuple[Value, Value]] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    sources: list[Value] = field(default_factory=list)
    conflicts: list[Value] = field(default_factory=list)


@dataclass
class Axis:
    """One row: the axis (``name`` a message, ``subject`` a label of the data, such as a
    duty area), and one cell, a list of entries, per position compared."""

    key: str
    name: str
    subject: Value | None
    cells: list[list[Entry]]
    shared: bool = False


@dataclass
class Comparison:
    """The positions compared (their names and systems) and the axes, in page order."""

    positions: list[Value]
    systems: list[list[Value]]
    axes: list[Axis]


@dataclass
class ComparisonBuilder:
    """Reads a comparison graph into axes, naming things in the reader's languages."""

    graph: Graph
    bases: Bases
    languages: list[str]
    language: str

    def __post_init__(self) -> None:
        self.names = PageBuilder(self.graph, self.bases, self.languages)
        self.not_recorded = gettext(N_("not recorded"), self.language)
        self._named: dict[Node, Value] = {}

    def name(self, iri: Node) -> Value:
        """The IRI named in the reader's language (each looked up once; callers copy the
        value before changing it)."""
        if iri not in self._named:
            self._named[iri] = self.names.name(iri)
        return self._named[iri]

    def objects(self, subject: Node, predicate: URIRef) -> list[URIRef]:
        """The IRIs a subject links to, in the order of their names."""
        found = [o for o in self.graph.objects(subject, predicate) if isinstance(o, URIRef)]
        return sorted(found, key=lambda o: (self.name(o).text.lower(), str(o)))

    def entry(self, value: Node, claim: Node | None = None) -> Entry:
        """A value and, when it was read from a claim, that claim's quotes and sources."""
        entry = Entry(value=self.name(value))
        if claim is not None:
            entry.quotes = self.names.quotes(claim)
            quoted = {q.document.iri for q in entry.quotes}
            entry.sources = [
                self.name(s) for s in self.objects(claim, DCTERMS_SOURCE) if str(s) not in quoted
            ]
            entry.conflicts = [self.name(c) for c in self.objects(claim, CONFLICTS_WITH)]
        return entry

    def detail(self, predicate: URIRef, value: Node) -> tuple[Value, Value]:
        """``label of predicate: value``, with the value's level of government if known."""
        shown = self.name(value)
        levels = self.objects(value, AT_LEVEL)
        if levels:
            level = ", ".join(self.name(level).text for level in levels)
            shown = replace(shown, text=f"{shown.text} ({level})")
        return self.name(predicate), shown

    def claims(self, position: URIRef, *axes: str) -> list[URIRef]:
        return [c for axis in axes for c in self.objects(position, _mr(axis))]

    # ------------------------------------------------------------ the axes, one per method

    def systems(self, position: URIRef) -> list[Entry]:
        return [self.entry(s) for s in self.objects(position, _mr("inSystem"))]

    def forms(self, position: URIRef) -> list[Entry]:
        forms = {
            f
            for s in self.objects(position, _mr("inSystem"))
            for f in self.objects(s, _mr("hasFormOfGovernment"))
        }
        return [self.entry(f) for f in sorted(forms, key=lambda f: self.name(f).text)]

    def appointment(self, position: URIRef) -> list[Entry]:
        """Each appointment rule, named by its own label, with who appoints (or that its
        source does not say), who proposes or approves, how, on what legal basis, and the
        rules it conflicts with; a bare ``appointedBy`` no rule states is shown on its own."""
        entries, named = [], set()
        for rule in self.claims(position, "appointment"):
            entry = self.entry(rule, rule)
            appointers = self.objects(rule, APPOINTED_BY)
            named.update(appointers)
            entry.details = [self.detail(APPOINTED_BY, a) for a in appointers] or [
                (self.name(APPOINTED_BY), Value(text=self.not_recorded))
            ]
            entry.details += [
                self.detail(p, v) for p in APPOINTMENT_DETAILS for v in self.objects(rule, p)
            ]
            entries.append(entry)
        for appointer in self.objects(position, APPOINTED_BY):
            if appointer not in named:
                entries.append(Entry(value=self.detail(APPOINTED_BY, appointer)[1]))
        return entries

    def stated(self, position: URIRef, predicate: str, dismissal: bool = False) -> list[Entry]:
        """Values of an axis stated on the position itself or on its appointment rules and
        conditions (each with the quotes of the claim that states it)."""
        entries = [self.entry(v) for v in self.objects(position, _mr(predicate))]
        for claim in self.claims(position, "appointment", "hasCondition"):
            for value in self.objects(claim, _mr(predicate)):
                entry = self.entry(value, claim)
                if dismissal:
                    entry.details = [
                        self.detail(DISMISSED_BY, d) for d in self.objects(claim, DISMISSED_BY)
                    ]
                entries.append(entry)
        if dismissal and not any(e.details for e in entries):
            for dismisser in self.objects(position, DISMISSED_BY):
                entries.append(Entry(value=self.detail(DISMISSED_BY, dismisser)[1]))
        return entries

    def requirements(self, position: URIRef, kind: URIRef) -> list[Entry]:
        found = []
        for requirement in self.claims(position, "requires"):
            if (requirement, RDF.type, kind) in self.graph:
                entry = self.entry(requirement, requirement)
                entry.details = [
                    self.detail(_mr("strength"), s)
                    for s in self.objects(requirement, _mr("strength"))
                ]
                found.append(entry)
        return found

    def duties(self, position: URIRef, area: URIRef) -> list[Entry]:
        return [
            self.entry(duty, duty)
            for duty in self.claims(position, "hasDuty")
            if (duty, _mr("inDutyArea"), area) in self.graph
        ]

    def pay(self, position: URIRef) -> list[Entry]:
        entries = []
        for figure in self.objects(position, ESTIMATED_SALARY):
            entry = self.entry(figure, figure)
            entry.value = Value(
                text=self.pay_text(figure),
                iri=str(figure),
                href=self.bases.href(str(figure)),
            )
            entries.append(entry)
        return entries

    def mappings(self, position: URIRef) -> list[Entry]:
        """Each alignment from or to the position, read from the position's side."""
        entries = []
        for alignment in set(self.graph.subjects(_mr("alignedFrom"), position)) | set(
            self.graph.subjects(_mr("alignedTo"), position)
        ):
            source = self.graph.value(alignment, _mr("alignedFrom"))
            target = self.graph.value(alignment, _mr("alignedTo"))
            relation = self.graph.value(alignment, _mr("mappingProperty"))
            if not isinstance(relation, URIRef) or source is None or target is None:
                continue
            other = target if source == position else source
            if source != position:
                relation = MAPPING_INVERSES.get(relation, relation)
            entry = self.entry(other, alignment)
            name = MAPPING_NAMES.get(relation)
            entry.details = [
                (
                    Value(text=gettext(N_("mapping"), self.language)),
                    Value(
                        text=gettext(name, self.language) if name else str(relation),
                        iri=str(relation),
                    ),
                )
            ]
            entries.append(entry)
        return sorted(entries, key=lambda e: (e.details[0][1].text, e.value.text.lower()))

    # ------------------------------------------------------------ formatting

    def number(self, literal: Node | None) -> str | None:
        if not isinstance(literal, Literal):
            return None
        try:
            return format_decimal(Decimal(str(literal)), locale=self.language)
        except (InvalidOperation, ValueError):
            return str(literal)

    def pay_text(self, figure: URIRef) -> str:
        """ "median 95,610 USD a year, 2017", or "80,000–120,000 USD a month, 2024"."""
        value = self.graph.value
        median = self.number(value(figure, URIRef(SCHEMA + "median")))
        low = self.number(value(figure, URIRef(SCHEMA + "minValue")))
        high = self.number(value(figure, URIRef(SCHEMA + "maxValue")))
        p10 = self.number(value(figure, URIRef(SCHEMA + "percentile10")))
        p90 = self.number(value(figure, URIRef(SCHEMA + "percentile90")))
        currency = str(value(figure, URIRef(SCHEMA + "currency")) or "")
        period_code = str(value(figure, URIRef(SCHEMA + "duration")) or "")
        period = PAY_PERIODS.get(period_code)
        year = value(figure, _mr("referenceYear"))
        parts = []
        if median is not None:
            parts.append(gettext(N_("median {amount}"), self.language, amount=median))
        elif low is not None or high is not None:
            parts.append(f"{low or '?'}–{high or '?'}")
        if p10 is not None and p90 is not None:
            parts.append(
                gettext(N_("(10th–90th percentile {low}–{high})"), self.language, low=p10, high=p90)
            )
        text = " ".join([*parts, currency]).strip()
        if period_code:
            text += " " + (gettext(period, self.language) if period else period_code)
        if year is not None:
            text += f", {year}"
        return text

    # ------------------------------------------------------------ the whole comparison

    def comparison(self, positions: list[URIRef]) -> Comparison:
        def row(
            key: str,
            name: str,
            cells: Iterable[list[Entry]],
            subject: Value | None = None,
            shared: bool = False,
        ) -> Axis:
            return Axis(key=key, name=name, subject=subject, cells=list(cells), shared=shared)

        axes = [
            row("system", N_("System"), (self.systems(p) for p in positions)),
            row("form-of-government", N_("Form of government"), (self.forms(p) for p in positions)),
            row(
                "appointment",
                N_("How appointed and by whom"),
                (self.appointment(p) for p in positions),
            ),
            row(
                "selection",
                N_("Elected or appointed"),
                (self.stated(p, "hasSelectionMethod") for p in positions),
            ),
            row(
                "service",
                N_("Political or career"),
                (self.stated(p, "hasServiceCategory") for p in positions),
            ),
            row(
                "tenure",
                N_("Tenure"),
                (self.stated(p, "hasTenureProtection", dismissal=True) for p in positions),
            ),
        ]
        kinds = {
            kind
            for p in positions
            for r in self.claims(p, "requires")
            for kind in self.objects(r, RDF.type)
        }
        for kind in sorted(kinds, key=lambda k: self.name(k).text.lower()):
            axes.append(
                row(
                    "requirements",
                    N_("Requirements"),
                    (self.requirements(p, kind) for p in positions),
                    self.name(kind),
                )
            )
        if not kinds:
            axes.append(row("requirements", N_("Requirements"), ([] for _ in positions)))
        areas = {
            a
            for p in positions
            for d in self.claims(p, "hasDuty")
            for a in self.objects(d, _mr("inDutyArea"))
        }
        duty_rows = []
        for area in areas:
            cells = [self.duties(p, area) for p in positions]
            held = sum(1 for cell in cells if cell)
            duty_rows.append(row("duties", N_("Duties"), cells, self.name(area), shared=held > 1))
        # Areas every compared position has duties in come first, then by how many hold them.
        duty_rows.sort(
            key=lambda a: (
                -sum(1 for c in a.cells if c),
                (a.subject.text.lower() if a.subject else ""),
            )
        )
        axes += duty_rows or [row("duties", N_("Duties"), ([] for _ in positions))]
        axes.append(row("pay", N_("Pay"), (self.pay(p) for p in positions)))
        axes.append(
            row(
                "mappings",
                N_("Mappings (other systems, ISCO-08, ESCO)"),
                (self.mappings(p) for p in positions),
            )
        )
        return Comparison(
            positions=[self.name(p) for p in positions],
            systems=[[e.value for e in self.systems(p)] for p in positions],
            axes=axes,
        )


def known_positions(graph: Graph, iris: list[str]) -> list[str]:
    """Those of the IRIs the comparison graph knows as position types."""
    return [iri for iri in iris if (URIRef(iri), RDF.type, _mr("PositionType")) in graph]


def compare(
    store: SparqlStore,
    iris: list[str],
    bases: Bases,
    languages: list[str],
    language: str,
    timeout: float,
    max_rows: int,
) -> Comparison:
    """The comparison of these position types; UnknownPositions names those the store
    does not know as position types."""
    graph = construct(store, positions_query(iris), timeout, max_rows)
    known = set(known_positions(graph, iris))
    unknown = [iri for iri in iris if iri not in known]
    if unknown:
        raise UnknownPositions(unknown)
    graph = with_labels(store, graph, timeout, max_rows)
    builder = ComparisonBuilder(graph, bases, languages, language)
    return builder.comparison([URIRef(iri) for iri in iris])


# ---------------------------------------------------------------- machine formats


def _value_data(value: Value) -> dict[str, Any]:
    data: dict[str, Any] = {"text": value.text}
    if value.iri:
        data["iri"] = value.iri
    if value.lang:
        data["lang"] = value.lang
    return data


def _quote_data(quote: Quote) -> dict[str, Any]:
    return {
        "text": quote.text.text,
        "lang": quote.text.lang,
        "document": quote.document.iri,
        "title": quote.title.text if quote.title else None,
        "url": quote.url,
    }


def _entry_data(entry: Entry) -> dict[str, Any]:
    return {
        **_value_data(entry.value),
        "details": [{"name": n.text, **_value_data(v)} for n, v in entry.details],
        "conflicts_with": [_value_data(c) for c in entry.conflicts],
        "quotes": [_quote_data(q) for q in entry.quotes],
        "sources": [_value_data(s) for s in entry.sources],
    }


def comparison_json(comparison: Comparison, language: str) -> dict[str, Any]:
    """The comparison as plain data: positions, then one object per axis with one list
    of values per position (an empty list: nothing recorded)."""
    return {
        "positions": [
            {**_value_data(p), "systems": [_value_data(s) for s in systems]}
            for p, systems in zip(comparison.positions, comparison.systems, strict=True)
        ],
        "axes": [
            {
                "axis": axis.key,
                "name": gettext(axis.name, language),
                "subject": _value_data(axis.subject) if axis.subject else None,
                "shared": axis.shared,
                "values": [[_entry_data(e) for e in cell] for cell in axis.cells],
            }
            for axis in comparison.axes
        ],
    }


CSV_COLUMNS = (
    "axis",
    "axis_name",
    "subject",
    "position",
    "position_label",
    "recorded",
    "value",
    "value_iri",
    "details",
    "quotes",
    "sources",
)


def comparison_csv(comparison: Comparison, language: str, not_recorded: str) -> str:
    """One line per value of each position on each axis; a position with nothing on an
    axis gets one line that says ``not_recorded`` (recorded = false)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for axis in comparison.axes:
        subject = axis.subject.text if axis.subject else ""
        for position, cell in zip(comparison.positions, axis.cells, strict=True):
            head = [axis.key, gettext(axis.name, language), subject, position.iri, position.text]
            if not cell:
                writer.writerow([*head, "false", not_recorded, "", "", "", ""])
            for entry in cell:
                writer.writerow(
                    [
                        *head,
                        "true",
                        entry.value.text,
                        entry.value.iri or "",
                        "; ".join(f"{n.text}: {v.text}" for n, v in entry.details),
                        " | ".join(q.text.text for q in entry.quotes),
                        " ".join(q.document.iri or "" for q in entry.quotes)
                        or " ".join(s.iri or "" for s in entry.sources),
                    ]
                )
    return out.getvalue()


# ---------------------------------------------------------------- the picker and the pairs


@dataclass(frozen=True)
class Choice:
    """A position type a picker offers: its name, and the value the form sends for it."""

    name: Value
    value: str


def choice_value(iri: str, id_base: str) -> str:
    """What a picker sends for a position type: its slug when it is one of the dataset's."""
    prefix = f"{id_base}position-type/"
    return iri[len(prefix) :] if iri.startswith(prefix) else iri


# The picker's graph of one snapshot (version -> graph): it changes only with the data.
_CHOICES: dict[str, Graph] = {}


def _choices_graph(store: SparqlStore, version: str, timeout: float, max_rows: int) -> Graph:
    graph = _CHOICES.get(version)
    if graph is None:
        graph = construct(store, compare_query("position-types"), timeout, max_rows)
        graph = with_labels(store, graph, timeout, max_rows)
        _CHOICES.clear()
        _CHOICES[version] = graph
    return graph


def position_choices(
    store: SparqlStore,
    version: str,
    bases: Bases,
    languages: list[str],
    timeout: float,
    max_rows: int,
) -> list[tuple[Value, list[Choice]]]:
    """Every position type grouped by system (a type of two systems is in both), the
    systems and the types in the order of their names in the reader's language."""
    graph = _choices_graph(store, version, timeout, max_rows)
    names = PageBuilder(graph, bases, languages)
    groups: dict[URIRef, list[Choice]] = {}
    for position in graph.subjects(RDF.type, _mr("PositionType")):
        if not isinstance(position, URIRef):
            continue
        choice = Choice(names.name(position), choice_value(str(position), bases.id_base))
        for system in graph.objects(position, _mr("inSystem")):
            if isinstance(system, URIRef):
                groups.setdefault(system, []).append(choice)
    return [
        (names.name(system), sorted(choices, key=lambda c: c.name.text.lower()))
        for system, choices in sorted(groups.items(), key=lambda g: names.name(g[0]).text.lower())
    ]


def obvious_pairs(
    store: SparqlStore, bases: Bases, languages: list[str], timeout: float, max_rows: int
) -> list[tuple[Choice, Choice]]:
    """The pairs the home page offers: close matches across systems (queries/compare/pairs.rq)."""
    graph = with_labels(
        store, construct(store, compare_query("pairs"), timeout, max_rows), timeout, max_rows
    )
    names = PageBuilder(graph, bases, languages)

    def choice(iri: Node) -> Choice:
        return Choice(names.name(iri), choice_value(str(iri), bases.id_base))

    pairs = [
        (choice(a), choice(b))
        for a, _, b in graph.triples((None, SKOS.closeMatch, None))
        if isinstance(a, URIRef) and isinstance(b, URIRef)
    ]
    return sorted(pairs, key=lambda p: (p[0].name.text.lower(), p[1].name.text.lower()))
