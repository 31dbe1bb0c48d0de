"""SELECT answers written straight from Oxigraph's rows in the four SPARQL 1.1 results formats.

Oxigraph serializes only its own, uncut iterators, and no Python library writes SPARQL
results from Oxigraph terms (rdflib's writers need rdflib terms, a conversion per term).
So the row and byte caps are kept here, row by row, and each row is written as it is read:
nothing but the kept rows is ever held. The writers follow the W3C texts:

- JSON: SPARQL 1.1 Query Results JSON Format (https://www.w3.org/TR/sparql11-results-json/)
- XML: SPARQL Query Results XML Format (https://www.w3.org/TR/rdf-sparql-XMLres/)
- CSV and TSV: SPARQL 1.1 Query Results CSV and TSV Formats
  (https://www.w3.org/TR/sparql11-results-csv-tsv/)

Directional language strings (RDF 1.2, ``"x"@en--ltr``) are written as Oxigraph writes
them (``its:dir``); triple terms are refused with ``TripleTermError.MESSAGE``.
"""

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import BinaryIO, Protocol

import pyoxigraph as ox

from publisher.rdf.errors import TripleTermError
from publisher.store.query import QueryError

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class ResultsWriter(Protocol):
    """One results format: the text before the rows, one term, one row of written terms
    (None: unbound), the text after the rows."""

    def head(self, variables: Sequence[str]) -> str: ...

    def term(self, term: Term) -> str: ...

    def row(self, fields: Sequence[str | None]) -> str: ...

    def tail(self) -> str: ...


@dataclass(frozen=True)
class Solutions:
    """Rows and their variables from elsewhere than an Oxigraph query (the rows an
    external endpoint sent, up to a cap), written like Oxigraph's own."""

    variables: Sequence[ox.Variable]
    rows: Iterable[ox.QuerySolution]

    def __iter__(self) -> Iterator[ox.QuerySolution]:
        return iter(self.rows)


def write_solutions(
    solutions: ox.QuerySolutions | Solutions,
    writer: ResultsWriter,
    output: BinaryIO,
    max_rows: int,
    max_bytes: int,
) -> tuple[int, bool]:
    """Write rows to ``output`` until the rows run out, ``max_rows`` rows are written, or
    the next row's terms would take the answer past ``max_bytes``; returns the rows written
    and whether some were cut.

    The byte cap counts each term as N-Triples writes it in UTF-8, whatever the format,
    so an answer is cut at the same row in every format and on every route (CONSTRUCT
    answers are counted the same way, ``publisher.store.serialization``). Each term is
    measured against what is left of the cap before it is written (``term_size``): a
    single 64 MiB literal ends the answer, it is never written first.

    Rows are pulled one at a time, so a huge answer stops costing at the cap. Answers
    repeat terms (predicates, classes, labels: 862 distinct terms in the 60,000 values
    of 10,000 wide rows of the shipped snapshot), so each distinct term is written once
    and its text reused, a third of the work; the texts kept are those of the kept
    rows' terms, never more than the body.
    """
    output.write(writer.head([v.value for v in solutions.variables]).encode())
    texts: dict[Term, tuple[str, int]] = {}
    known = texts.get
    rows = 0
    size = 0
    for solution in solutions:
        if rows == max_rows:
            output.write(writer.tail().encode())
            return rows, True
        fields: list[str | None] = []
        row_size = 0
        for term in solution:
            if term is None:
                fields.append(None)
                continue
            written = known(term)
            if written is None:
                measured = term_size(term, max_bytes - size - row_size)
                if measured is None:
                    output.write(writer.tail().encode())
                    return rows, True
                written = texts[term] = (writer.term(term), measured)
            row_size += written[1]
            fields.append(written[0])
        if size + row_size > max_bytes:
            output.write(writer.tail().encode())
            return rows, True
        output.write(writer.row(fields).encode())
        size += row_size
        rows += 1
    output.write(writer.tail().encode())
    return rows, False


def term_size(term: Term, budget: int) -> int | None:
    """The bytes of ``term`` as N-Triples writes it in UTF-8, or None if that passes
    ``budget``. A term's value is never longer than its N-Triples text, so a value
    already over the budget is refused before that text (a second copy) is built."""
    value = term.value if isinstance(term, ox.NamedNode | ox.Literal) else ""
    if len(value) > budget:
        return None
    text = str(term)
    size = len(text) if text.isascii() else len(text.encode())
    return size if size <= budget else None


def _refuse(term: object) -> str:
    if isinstance(term, ox.Triple):
        raise QueryError(TripleTermError.MESSAGE)
    raise TypeError(f"not an RDF term: {term!r}")


class JsonWriter:
    """SPARQL 1.1 JSON: unbound variables are left out of their row (§3.2.1)."""

    def __init__(self) -> None:
        self._keys: list[str] = []
        self._rows = 0

    def head(self, variables: Sequence[str]) -> str:
        self._keys = [encode_basestring(v) + ":" for v in variables]
        vars_ = ",".join(encode_basestring(v) for v in variables)
        return '{"head":{"vars":[' + vars_ + ']},"results":{"bindings":['

    def term(self, term: Term) -> str:
        return _json_term(term)

    def row(self, fields: Sequence[str | None]) -> str:
        bindings = ",".join(
            key + text for key, text in zip(self._keys, fields, strict=True) if text is not None
        )
        self._rows += 1
        return ("{" if self._rows == 1 else ",{") + bindings + "}"

    def tail(self) -> str:
        return "]}}"


def _json_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return '{"type":"uri","value":' + encode_basestring(term.value) + "}"
    if isinstance(term, ox.Literal):
        text = '{"type":"literal","value":' + encode_basestring(term.value)
        if term.language:
            text += ',"xml:lang":' + encode_basestring(term.language)
            if term.direction is not None:
                text += ',"its:dir":"' + term.direction.value + '"'
        elif term.datatype.value != XSD_STRING:
            text += ',"datatype":' + encode_basestring(term.datatype.value)
        return text + "}"
    if isinstance(term, ox.BlankNode):
        return '{"type":"bnode","value":' + encode_basestring(term.value) + "}"
    return _refuse(term)


# XML 1.0 (§2.2 Char) cannot carry these characters at all, not even as references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Anything that needs a look: markup characters, a carriage return, the above.
_XML_SPECIAL = re.compile('[&<>"\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')


def _xml_text(value: str) -> str:
    """Text or attribute value with the markup characters escaped; a carriage return as a
    reference, since XML parsers turn a literal one into a line feed (§2.11)."""
    if not _XML_SPECIAL.search(value):
        return value
    if _NOT_XML.search(value):
        raise QueryError(
            "the answer holds a control character that XML 1.0 cannot carry "
            f"({value!r}); ask for SPARQL JSON, CSV or TSV instead"
        )
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
    )


class XmlWriter:
    """SPARQL XML; unbound variables get no ``binding`` element (§2.3.1)."""

    def __init__(self) -> None:
        self._names: list[str] = []

    def head(self, variables: Sequence[str]) -> str:
        self._names = [f'<binding name="{_xml_text(v)}">' for v in variables]
        declared = "".join(f'<variable name="{_xml_text(v)}"/>' for v in variables)
        return (
            '<?xml version="1.0"?>'
            '<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head>{declared}</head><results>"
        )

    def term(self, term: Term) -> str:
        return _xml_term(term) + "</binding>"

    def row(self, fields: Sequence[str | None]) -> str:
        bindings = "".join(
            name + text for name, text in zip(self._names, fields, strict=True) if text is not None
        )
        return "<result>" + bindings + "</result>"

    def tail(self) -> str:
        return "</results></sparql>"


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return "<uri>" + _xml_text(term.value) + "</uri>"
    if isinstance(term, ox.Literal):
        if term.language:
            attributes = f' xml:lang="{_xml_text(term.language)}"'
            if term.direction is not None:
                attributes += (
                    f' its:dir="{term.direction.value}"'
                    ' xmlns:its="http://www.w3.org/2005/11/its" its:version="2.0"'
                )
        elif term.datatype.value != XSD_STRING:
            attributes = f' datatype="{_xml_text(term.datatype.value)}"'
        else:
            attributes = ""
        return f"<literal{attributes}>" + _xml_text(term.value) + "</literal>"
    if isinstance(term, ox.BlankNode):
        return "<bnode>" + _xml_text(term.value) + "</bnode>"
    return _refuse(term)


# A CSV field is quoted when it holds one of these, its quotes doubled (RFC 4180 §2).
_CSV_SPECIAL = re.compile('[",\r\n]')


def _csv_field(value: str) -> str:
    if _CSV_SPECIAL.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


class CsvWriter:
    """SPARQL CSV: plain values (no datatype, language or IRI brackets), CRLF line ends
    (§3.2); unbound is an empty field."""

    def head(self, variables: Sequence[str]) -> str:
        return ",".join(_csv_field(v) for v in variables) + "\r\n"

    def term(self, term: Term) -> str:
        return _csv_term(term)

    def row(self, fields: Sequence[str | None]) -> str:
        return ",".join(["" if text is None else text for text in fields]) + "\r\n"

    def tail(self) -> str:
        return ""


def _csv_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode | ox.Literal):
        return _csv_field(term.value)
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return _refuse(term)


class TsvWriter:
    """SPARQL TSV: terms in their N-Triples form, whose escapes (``\\t``, ``\\n``) keep
    tabs and line ends out of the fields (§4.2); unbound is an empty field."""

    def head(self, variables: Sequence[str]) -> str:
        return "\t".join("?" + v for v in variables) + "\n"

    def term(self, term: Term) -> str:
        return _tsv_term(term)

    def row(self, fields: Sequence[str | None]) -> str:
        return "\t".join(["" if text is None else text for text in fields]) + "\n"

    def tail(self) -> str:
        return ""


def _tsv_term(term: Term) -> str:
    if isinstance(term, ox.Triple):
        return _refuse(term)
    return str(term)


_WRITERS: dict[ox.QueryResultsFormat, Callable[[], ResultsWriter]] = {
    ox.QueryResultsFormat.JSON: JsonWriter,
    ox.QueryResultsFormat.XML: XmlWriter,
    ox.QueryResultsFormat.CSV: CsvWriter,
    ox.QueryResultsFormat.TSV: TsvWriter,
}


def results_writer(results_format: ox.QueryResultsFormat) -> ResultsWriter:
    """A fresh writer (writers keep state between rows) for one answer."""
    return _WRITERS[results_format]()
