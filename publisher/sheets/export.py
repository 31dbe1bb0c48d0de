"""Write a graph (the published dataset) as the template's sheets: the mapping run backwards.

Each sheet's rows are the nodes of its class (a choice of its ``kind`` column or its
virtual ``rdf:type``); the evidence sheet's rows are the Web Annotation nodes of the
claims exported. A cell is filled only where importing it makes again the very triple it
was read from (the same csv2rdf code decides, ``convert._column_triples``): a value the
template cannot carry (a second English label, a literal in another language) is left
out, never written wrongly. ``Export.covered`` is the part of the graph the sheets carry,
which is what the round trip test compares with the import of the sheets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from publisher.rdf.namespaces import ID_BASE
from publisher.sheets.convert import (
    LOC_LANGUAGES,
    SLUG,
    _column_triples,
    _Resolver,
    _Unmapped,
    known_nodes,
    local_name,
)
from publisher.sheets.mapping import (
    ROW_BLANK,
    Column,
    Sheet,
    expand_curie,
    sheet_named,
    template_sheets,
)
from publisher.sheets.template import Table, headers

Triple = tuple[Node, Node, Node]


@dataclass
class Export:
    """The sheets of a graph and the triples they carry."""

    tables: list[Table]
    covered: Graph = field(default_factory=Graph)


def export_graph(graph: Graph, lang: str = "en", base: str = ID_BASE) -> Export:
    """The sheets of ``graph``. A row that cannot be written whole (a required cell the
    template cannot carry) is left out, and so are the rows that name it, until every
    reference of the sheets names a row that is there."""
    graph = simple_literals(graph)
    sheets = template_sheets()
    rows_of: dict[str, list[Node]] = {
        s.name: list(_row_nodes(s, graph)) for s in sheets if s.mint is not None
    }
    while True:
        result = _export(graph, sheets, rows_of, lang, base)
        kept = {sheet.name: [node for node, _ in rows] for sheet, rows in result if sheet.mint}
        if kept == rows_of:
            break
        rows_of = kept
    export = Export(tables=[])
    for sheet, rows in result:
        export.tables.append((sheet, headers(sheet, lang), [cells for _, (cells, _t) in rows]))
        for _, (_cells, triples) in rows:
            for triple in triples:
                export.covered.add(triple)
    return export


_Row = tuple[list[str], list[Triple]]


def _export(
    graph: Graph,
    sheets: Iterable[Sheet],
    rows_of: dict[str, list[Node]],
    lang: str,
    base: str,
) -> list[tuple[Sheet, list[tuple[Node, _Row]]]]:
    ids: dict[str, dict[str, URIRef]] = {}
    for name, nodes in rows_of.items():
        index = ids.setdefault(name, {})
        for node in nodes:
            if isinstance(node, URIRef):
                index[_id_text(sheet_named(name), node, base).casefold()] = node
                index[str(node).casefold()] = node
    known = known_nodes(graph)
    resolver = _Resolver(known, ids, known.languages)
    own = {node: name for name, nodes in rows_of.items() for node in nodes}
    result = []
    for sheet in sheets:
        nodes = rows_of[sheet.name] if sheet.mint is not None else _annotations(sheet, graph, own)
        rows = []
        for node in nodes:
            row = _row(sheet, node, graph, resolver, own, base, lang)
            if row is not None:
                rows.append((node, row))
        result.append((sheet, rows))
    return result


def simple_literals(graph: Graph) -> Graph:
    """The graph with ``"x"^^xsd:string`` written ``"x"``: one RDF 1.1 term, two forms
    (Oxigraph's parser gives the first, a CSV cell the second)."""
    plain = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))
        plain.add((s, p, o))
    return plain


def _type_choices(sheet: Sheet) -> list[tuple[URIRef, ...]]:
    """The sets of rdf:type a row of the sheet has: each choice of its kind, or its type."""
    for column in sheet.columns:
        if column.property == RDF.type:
            if column.choices:
                return [c.iris for c in column.choices]
            if column.value is not None:
                return [(URIRef(expand_curie(column.value)),)]
    return []


def _row_nodes(sheet: Sheet, graph: Graph) -> list[URIRef]:
    found: set[URIRef] = set()
    for types in _type_choices(sheet):
        for node in graph.subjects(RDF.type, types[0]):
            if isinstance(node, URIRef) and all((node, RDF.type, t) in graph for t in types):
                found.add(node)
    return sorted(found, key=str)


def _annotations(sheet: Sheet, graph: Graph, own: dict[Node, str]) -> list[Node]:
    """The evidence rows: each annotation node of a claim that is itself exported."""
    claim = sheet.column("claim")
    targets = {t.partition(":")[2] for t in claim.refers if t.startswith("sheet:")}
    assert claim.property is not None
    found = [
        (str(subject), obj)
        for subject, obj in graph.subject_objects(claim.property)
        if own.get(subject) in targets
    ]
    exact = URIRef("http://www.w3.org/ns/oa#exact")
    selector = URIRef("http://www.w3.org/ns/oa#hasSelector")
    return [
        obj
        for _, obj in sorted(
            found, key=lambda p: (p[0], str(graph.value(graph.value(p[1], selector), exact)))
        )
    ]


def _id_text(sheet: Sheet, node: Node, base: str) -> str:
    text = str(node)
    prefix = f"{base}{sheet.mint or ''}"
    if text.startswith(prefix) and SLUG.fullmatch(text[len(prefix) :]):
        return text[len(prefix) :]
    return text


def _row(
    sheet: Sheet,
    node: Node,
    graph: Graph,
    resolver: _Resolver,
    own: dict[Node, str],
    base: str,
    lang: str,
) -> _Row | None:
    """One row's cells, for each column the values whose triples import would remake,
    with those triples; None for a row import would make differently."""
    env: dict[str, list[str]] = {}
    blanks: dict[str, BNode] = {}
    if sheet.mint is not None:
        env["id"] = [str(node)]
    elif isinstance(node, BNode):
        blanks[sheet.about] = node
        _bind_blanks(sheet, node, graph, blanks)
    texts: dict[str, list[str]] = {"id": [_id_text(sheet, node, base)]}
    triples: list[Triple] = []
    # A column whose literals take their language from another column comes after it.
    for column in sorted(sheet.written(), key=lambda c: c.language_from is not None):
        if column.name == "id" or column.property is None:
            continue
        for values, text in _candidates(column, sheet, node, graph, blanks, own, base, lang):
            if not _reads_back(resolver, column, text, values):
                continue
            trial = {**env, column.name: values}
            made = [
                t
                for value in values
                for t in _column_triples(sheet, column, value, trial, blanks, resolver)
            ]
            if made and all(t in graph for t in made):
                env.setdefault(column.name, []).extend(values)
                texts.setdefault(column.name, []).append(text)
                triples += made
                if not column.separator:
                    break
    for column in sheet.columns:
        if column.virtual:
            made = _column_triples(sheet, column, None, env, blanks, resolver)
            if not all(t in graph for t in made):
                return None  # importing the row would say more than the graph does
            triples += made
    if any(c.required and not texts.get(c.name) for c in sheet.written()):
        return None
    cells = [(c.separator or "").join(texts.get(c.name, [])) for c in sheet.written()]
    return cells, triples


def _reads_back(resolver: _Resolver, column: Column, text: str, values: list[str]) -> bool:
    """Whether importing the cell's text gives the values again (a reference the
    template cannot name, a malformed number, is left out)."""
    try:
        return resolver.value(column, text) == values
    except _Unmapped:
        return False


def _bind_blanks(sheet: Sheet, node: Node, graph: Graph, blanks: dict[str, BNode]) -> None:
    """The row's other blank nodes (``_:selector``), found from its own by their link."""
    for column in sheet.columns:
        about = column.about or sheet.about
        if (
            column.value
            and column.value.startswith(ROW_BLANK)
            and about in blanks
            and column.property is not None
        ):
            target = graph.value(blanks[about], column.property)
            if isinstance(target, BNode):
                blanks[column.value] = target


def _candidates(
    column: Column,
    sheet: Sheet,
    node: Node,
    graph: Graph,
    blanks: dict[str, BNode],
    own: dict[Node, str],
    base: str,
    lang: str,
) -> Iterable[tuple[list[str], str]]:
    """(values as the templates take them, text of the cell) for each candidate."""
    assert column.property is not None
    about = column.about or sheet.about
    if about == "{+" + column.name + "}":
        values: list[Node] = sorted(graph.subjects(column.property, node), key=str)
    else:
        subject = blanks.get(about, node) if about.startswith(ROW_BLANK) else node
        values = sorted(graph.objects(subject, column.property), key=str)
    if column.choices:
        for choice in column.choices:
            if choice.iris and all(i in values for i in choice.iris):
                chosen = [str(i) for i in choice.iris]
            elif choice.literal is not None and Literal(choice.literal) in values:
                chosen = [choice.literal]
            else:
                continue
            yield (chosen, choice.words[-1] if lang == "tr" else choice.word)
        return
    for value in values:
        if isinstance(value, URIRef) and column.refers:
            yield ([str(value)], _reference_text(value, column, own, graph, base))
        elif isinstance(value, URIRef) and column.check == "language":
            code = str(value).removeprefix(LOC_LANGUAGES)
            yield ([code], code)
        elif isinstance(value, (URIRef, Literal)):
            yield ([str(value)], str(value))


def _reference_text(
    value: URIRef, column: Column, own: dict[Node, str], graph: Graph, base: str
) -> str:
    """A reference as a steward writes it: a row's id, or a published node's slug where
    the slug names that node alone, else its IRI."""
    sheet_name = own.get(value)
    if sheet_name is not None and f"sheet:{sheet_name}" in column.refers:
        return _id_text(sheet_named(sheet_name), value, base)
    slug = local_name(value)
    known = known_nodes(graph)
    for target in column.refers:
        if target.startswith("class:"):
            nodes = known.keys.get(expand_curie(target.partition(":")[2]), {}).get(
                slug.casefold(), set()
            )
            if nodes == {value}:
                return slug
    return str(value)
