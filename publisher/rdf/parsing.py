"""Parse RDF files into rdflib graphs safely, with errors that name the file and line.

Parsing goes through Oxigraph's parsers: they are fast enough for 100 MB files, report
line and column, never fetch anything (a remote JSON-LD ``@context`` is an error) and do
not follow ``owl:imports``. RDF/XML that declares DTD entities is refused before parsing,
because entity expansion is the billion-laughs vector.
"""

import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

import pyoxigraph as ox
from rdflib import BNode, Graph
from rdflib.term import Node

from publisher.i18n import _
from publisher.rdf.errors import TripleTermError
from publisher.rdf.formats import (
    GRAPH_FORMATS,
    JSONLD,
    NTRIPLES,
    RDFXML,
    TURTLE,
    Format,
    by_suffix,
    find_format,
)
from publisher.rdf.terms import OxTerm, to_rdflib

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

# Every suffix a file is read from, for messages and for finding RDF files in a folder.
EXTENSIONS: tuple[str, ...] = tuple(s for fmt in GRAPH_FORMATS for s in fmt.suffixes)

_XML_SCAN_BLOCK = 1 << 20
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_UTF8_BOM = b"\xef\xbb\xbf"
# How Oxigraph's messages may start ("Parser error at line 2 column 11: ...", "syntax
# error: ..."): InputError says where, and the message says what kind of error it is.
_PARSER_PLACE = re.compile(r"^(?:Parser error at line \d+ column \d+: |syntax error: )", re.I)
# JSON-LD nested deeper than this is refused before parsing: the parser recurses once per
# level, and 6,000 levels (120 KB) overflowed its stack (SIGSEGV). Real documents nest a
# handful of levels.
MAX_JSON_DEPTH = 256
# The most one literal (or IRI, or comment) may take: Oxigraph's Turtle, N-Triples and
# JSON-LD lexers hold at most this much of one token and fail past it (a MemoryError);
# its RDF/XML parser has no such bound, so the bytes it reads without finishing a triple
# are cut at the same figure (``_Bounded``). A 2 GB literal ends here, not in an abort.
MAX_LITERAL_BYTES = 16 << 20
_LEXER_FULL = "Reached the buffer maximal size"
# Possessive: a backtracking match keeps a frame per character, 1.9 GB and 13 s for one
# 16 MiB string; this one takes no more than the text.
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


@dataclass
class InputError(Exception):
    """A file that cannot be used: what is wrong, where, and what to do."""

    path: Path
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


def format_for(path: Path, input_format: str | None = None) -> Format:
    """The format of a file: the one asked for (any of its names), else its suffix's."""
    if input_format is not None:
        fmt = find_format(GRAPH_FORMATS, input_format)
        if fmt is None:
            names = ", ".join(f.name for f in GRAPH_FORMATS)
            raise InputError(
                path,
                _(
                    "unknown format {format}; use one of {names}",
                    format=repr(input_format),
                    names=names,
                ),
            )
        return fmt
    fmt = by_suffix(GRAPH_FORMATS, path.suffix)
    if fmt is None:
        raise InputError(
            path,
            _(
                "cannot tell the RDF format from the extension {suffix}; "
                "use one of {extensions} or pass --input-format",
                suffix=repr(path.suffix),
                extensions=", ".join(EXTENSIONS),
            ),
        )
    return fmt


def _refuse_xml_entities(path: Path) -> None:
    """Refuse RDF/XML that has a DTD, or that is not UTF-8, before any parser sees it.

    Oxigraph's RDF/XML parser expands every entity a DTD declares (used or not), so a
    kilobyte of nested declarations can ask for gigabytes. The whole file is scanned,
    not just a prolog: comments and padding can push a DOCTYPE anywhere a reader of the
    first bytes would not look. UTF-16 is refused because the scan reads UTF-8 bytes.
    """
    overlap = len(_DTD_MARKERS[0])
    with path.open("rb") as stream:
        head = stream.read(_XML_SCAN_BLOCK)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:
            raise InputError(path, _("RDF/XML must be encoded in UTF-8; convert the file"))
        tail = b""
        block = head
        while block:
            window = tail + block
            if any(marker in window for marker in _DTD_MARKERS):
                raise InputError(
                    path,
                    _(
                        "RDF/XML with a DTD (<!DOCTYPE or <!ENTITY) is refused: entity "
                        "expansion is unsafe; remove the DTD and write entity values out in full"
                    ),
                )
            tail = window[-overlap:]
            block = stream.read(_XML_SCAN_BLOCK)


def _refuse_deep_json(path: Path) -> None:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH, counting brackets outside strings,
    without building the nesting in memory."""
    brackets = _JSON_STRING.sub(b"", path.read_bytes()).translate(None, _NOT_A_BRACKET)
    depth = 0
    for bracket in brackets:
        depth += 1 if bracket in b"[{" else -1
        if depth > MAX_JSON_DEPTH:
            raise InputError(
                path,
                _(
                    "JSON-LD nested more than {depth} levels deep is refused "
                    "(the limit keeps the parser within its stack); flatten the document",
                    depth=MAX_JSON_DEPTH,
                ),
            )


class _TooLong(Exception):
    """More than MAX_LITERAL_BYTES read without a complete triple."""


class _Bounded(io.RawIOBase):
    """A file read by the parser, stopped once ``limit`` bytes pass since the last
    ``mark()`` (each triple the parser gives marks)."""

    def __init__(self, stream: io.BufferedReader, limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self._unmarked = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "WriteableBuffer") -> int:
        count = self._stream.readinto(buffer)
        self._unmarked += count
        if self._unmarked > self._limit:
            raise _TooLong
        return count

    def mark(self) -> None:
        self._unmarked = 0


def _parse(path: Path, fmt: Format, base_iri: str) -> Iterator[ox.Quad]:
    """Oxigraph's parser over the file, past a UTF-8 byte-order mark if it starts with one
    (Oxigraph's Turtle and N-Triples parsers reject it; the formats allow it); RDF/XML
    through ``_Bounded``."""
    with path.open("rb") as stream:
        bom = stream.read(len(_UTF8_BOM)) == _UTF8_BOM
        if fmt is RDFXML:
            if not bom:
                stream.seek(0)
            bounded = _Bounded(stream, MAX_LITERAL_BYTES)
            # A raw stream is a binary file to Oxigraph; typeshed does not call it IO[bytes].
            reader = cast(IO[bytes], bounded)
            for quad in ox.parse(input=reader, format=fmt.rdf_format, base_iri=base_iri):
                yield quad
                bounded.mark()
            return
        if bom:
            yield from ox.parse(input=stream, format=fmt.rdf_format, base_iri=base_iri)
            return
    yield from ox.parse(path=str(path), format=fmt.rdf_format, base_iri=base_iri)


def iter_triples(
    path: Path, input_format: str | None = None, base_iri: str | None = None
) -> Iterator[ox.Quad]:
    """Oxigraph triples of one file, raising InputError for anything unusable.

    Relative IRIs resolve against ``base_iri``, by default the file's own ``file:`` IRI;
    a server passes a neutral one so that its folders never show in answers.
    """
    if not path.exists():
        raise InputError(path, _("no such file"))
    if not path.is_file():
        raise InputError(path, _("not a regular file"))
    fmt = format_for(path, input_format)
    if fmt is RDFXML:
        try:
            _refuse_xml_entities(path)
        except OSError as error:
            raise InputError(path, _("cannot read: {reason}", reason=error.strerror)) from None
    try:
        if fmt is JSONLD:
            _refuse_deep_json(path)
        for quad in _parse(path, fmt, base_iri or path.resolve().as_uri()):
            if isinstance(quad.subject, ox.Triple) or isinstance(quad.object, ox.Triple):
                raise InputError(path, _(TripleTermError.MESSAGE), _triple_term_line(path, fmt))
            yield quad
    except SyntaxError as error:
        message = str(error.msg if hasattr(error, "msg") and error.msg else error)
        if "LoadDocumentCallback" in message:
            message = _(
                "the JSON-LD @context refers to a remote document, which is never fetched; "
                "inline the context in the file"
            )
        else:  # the place is said once, before the message
            message = _("syntax error: {detail}", detail=_PARSER_PLACE.sub("", message))
        raise InputError(path, message, error.lineno, error.offset) from None
    except _TooLong:
        raise InputError(path, _TOO_LONG) from None
    except MemoryError as error:
        if not str(error).startswith(_LEXER_FULL):
            raise
        raise InputError(path, _TOO_LONG) from None
    except OSError as error:
        raise InputError(path, _("cannot read: {reason}", reason=error.strerror or error)) from None


_TOO_LONG = (
    f"a literal, IRI or comment is longer than {MAX_LITERAL_BYTES >> 20} MiB, the limit "
    "per literal (or the file ends inside an unclosed string); split or shorten it"
)


# Where RDF 1.2 syntax that makes a triple term starts, and what to skip on the way there.
# Turtle and N-Triples: a triple term or reified triple (<<), an annotation ({|) or a
# reifier (~), outside comments, strings and IRIs, which may hold the same characters.
_TURTLE_TRIPLE_TERM = re.compile(
    r"""
    \#[^\n]*                                # a comment
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"   # long strings
    | '''(?:[^'\\]|\\.|'(?!''))*'''
    | "(?:[^"\\\n]|\\.)*"                   # strings
    | '(?:[^'\\\n]|\\.)*'
    | <(?!<)[^>\n]*>                        # an IRI
    | (?P<mark> << | \{\| | ~ )
    """,
    re.DOTALL | re.VERBOSE,
)
# RDF/XML: a triple term property (rdf:parseType="Triple") or an annotated triple.
_RDFXML_TRIPLE_TERM = re.compile(
    r"""(?P<mark>parseType\s*=\s*["']Triple["']|:annotation(?:NodeID)?\s*=)"""
)


def _triple_term_line(path: Path, fmt: Format) -> int | None:
    """The line where a file's first RDF 1.2 triple term is written, to point a person at it
    (Oxigraph's parsers say where a syntax error is, not where a triple came from)."""
    if fmt in (TURTLE, NTRIPLES):
        pattern = _TURTLE_TRIPLE_TERM
    elif fmt is RDFXML:
        pattern = _RDFXML_TRIPLE_TERM
    else:  # JSON-LD 1.1 has no syntax for triple terms
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    for match in pattern.finditer(text):
        if match.group("mark"):
            return text.count("\n", 0, match.start()) + 1
    return None


# The rdflib term of an IRI or literal, remembered: a national build's files name the same
# predicates, classes and shared resources millions of times, and making an rdflib term
# (which checks the IRI) costs a quarter of loading (cProfile of 100,000 triples).
_known_term = lru_cache(maxsize=1 << 16)(to_rdflib)


def _numbered_terms(prefix: str) -> Callable[[OxTerm | ox.Triple], Node]:
    """rdflib terms of one file's terms, its blank nodes numbered in order of appearance."""
    numbers: dict[str, BNode] = {}

    def term(node: OxTerm | ox.Triple) -> Node:
        if isinstance(node, ox.BlankNode):
            known = numbers.get(node.value)
            if known is None:
                known = numbers[node.value] = BNode(f"{prefix}{len(numbers) + 1}")
            return known
        return _known_term(node)

    return term


def numbered_triples(
    path: Path,
    index: int,
    input_format: str | None = None,
    base_iri: str | None = None,
    blank_prefix: str = "f",
) -> Iterator[tuple[Node, Node, Node]]:
    """The rdflib triples of one file, the ``index``-th of a load (``load_graph``)."""
    term = _numbered_terms(f"{blank_prefix}{index}x")
    for triple in iter_triples(path, input_format, base_iri):
        yield term(triple.subject), _known_term(triple.predicate), term(triple.object)


def load_graph(
    paths: Iterable[Path],
    input_format: str | None = None,
    base_iri: str | None = None,
    blank_prefix: str = "f",
    into: Graph | None = None,
    first_index: int = 0,
) -> Graph:
    """One rdflib graph of every file (``into``, else a new one); blank nodes of different
    files never merge.

    Blank node ids start with ``blank_prefix`` and the file's index, so two graphs loaded
    with different prefixes can be merged without their blank nodes meeting; they are
    numbered in the order the file writes them (``f0x1``, ``f0x2`` ...), so that the same
    file gives the same ids on every run (the parser draws anonymous ones at random).
    ``first_index`` numbers the first file, so that files loaded one at a time get the ids
    they would get loaded together (the build's partitions, ``publisher.build.partitions``).
    """
    graph = Graph() if into is None else into
    add = graph.add
    for index, path in enumerate(paths, start=first_index):
        for triple in numbered_triples(Path(path), index, input_format, base_iri, blank_prefix):
            add(triple)
    return graph
