"""What a query may not do here, decided on a parse of the query, before it reaches any store.

Oxigraph runs ``SERVICE`` by making HTTP requests, and an external store may load the
IRIs of ``FROM`` clauses; a public endpoint must do neither on a client's behalf.

Two parsers read every query, and both must accept it:

1. Oxigraph's own parser (the engine's reading) says whether the text is a query at all.
   ``pyoxigraph`` parses a query before it looks at the dataset arguments, and refuses
   ``use_default_graph_as_union`` together with ``default_graph`` before evaluating
   anything, so asking for both checks the syntax without running the query
   (tests/store/test_guard.py proves it against a listening trap).
2. rdflib's SPARQL 1.1 parser gives the tree that the decision is made on: updates,
   ``SERVICE`` anywhere, ``FROM`` / ``FROM NAMED`` and their graphs, the nesting depth,
   the volatile functions, the prefixes used.

Where the two disagree on whether a text is a query, the answer is a refusal. Where both
accept a text but could read it differently, tests/store/test_guard_differential.py runs
what the guard accepts on Oxigraph next to a trap listener.
"""

import ctypes
import os
import re
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
import pyparsing
from rdflib.plugins.sparql import parser as sparql_parser
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef

from publisher.rdf.namespaces import PREFIXES
from publisher.rdf.terms import TripleTermError
from publisher.store.query import ForbiddenQuery, QueryError, UpdateRefused

# Longest query text read at all: parsing is linear-ish, but a bound keeps every request
# cheap before it reaches a query process (1 MiB bodies are allowed for uploads).
MAX_QUERY_CHARACTERS = 64 * 1024
# Deepest nesting accepted, counted on the parse: each group pattern { }, each bracketed
# or argument expression and each bracketed path is one level. Oxigraph's recursive
# evaluator overflows its stack (killing the query process) at a few thousand levels;
# the guard's own parser needs about 40 Python frames a level (see _PARSER_FRAMES).
MAX_NESTING = 128

# Longest time the guard's parser may read one query (in the web worker, outside any
# query process's limit): rdflib's parser takes 0.1-0.3 s for a canned query, but tens of
# seconds for 64 KiB of hostile text.
PARSE_SECONDS = 3.0

# The parse tree's nodes that open a nesting level.
_NESTING_NODES = frozenset(
    {"GroupGraphPatternSub", "ConditionalOrExpression", "PathAlternative", "SubSelect"}
)
# Functions whose value changes from one run to the next: such answers are never cached.
_VOLATILE_NODES = frozenset(
    {"Builtin_NOW", "Builtin_RAND", "Builtin_UUID", "Builtin_STRUUID", "Builtin_BNODE"}
)

# rdflib's parser is recursive (pyparsing): a level of nesting costs up to ~40 frames, so
# it runs on a thread of its own with a recursion limit that reaches past MAX_NESTING.
# CPython 3.11+ runs Python-to-Python calls without C recursion: 4 MiB of stack were
# measured to suffice for MAX_NESTING levels, 16 MiB leave room (and fit a memory cap).
_PARSER_FRAMES = 60 * MAX_NESTING + 1000
_PARSER_STACK_BYTES = 16 << 20

# What SPARQL 1.2 adds for triple terms (<<( )>>, << >> reifiers, {| |} annotations,
# TRIPLE() and its accessors): only used to word a refusal, never to accept a query.
_RDF_1_2_SYNTAX = re.compile(r"<<|\{\||\b(?:TRIPLE|isTRIPLE)\s*\(", re.IGNORECASE)
# SPARQL 1.1 §19.2: \uXXXX and \UXXXXXXXX are replaced before the query is parsed.
_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Oxigraph's syntax errors start with "error at LINE:COLUMN".
_ERROR_POSITION = re.compile(r"error at (\d+):(\d+)")
# How much of the line around a syntax error its message shows, each side.
_CONTEXT_CHARACTERS = 40
# What a syntax check is asked with: any absolute IRI does (the base decides no syntax).
_SYNTAX_BASE = "http://guard.invalid/"
# The terminals that SPARQL's longest-token rule (§19.8) reads before anything else at
# a '<': strings, comments, prefixed names (whose escapes may hold quotes) and IRIs.
_LEXED_IRI = pyparsing.Regex(r"<([^<>\"{}|^`\\\x00-\x20]*)>")
_TERMINALS = (
    sparql_parser.STRING_LITERAL_LONG1.copy().set_parse_action(lambda: None)
    | sparql_parser.STRING_LITERAL_LONG2.copy().set_parse_action(lambda: None)
    | sparql_parser.STRING_LITERAL1.copy().set_parse_action(lambda: None)
    | sparql_parser.STRING_LITERAL2.copy().set_parse_action(lambda: None)
    | pyparsing.Regex(r"#[^\n\r]*").set_parse_action(lambda: None)
    | sparql_parser.PNAME_LN.copy().set_parse_action(lambda: None)
    | _LEXED_IRI
)


@dataclass(frozen=True)
class QueryDataset:
    """The graphs a query's own FROM and FROM NAMED clauses name."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def named(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


@dataclass(frozen=True)
class _DatasetClause:
    named: bool
    written: str  # as the client wrote it, for the error message
    iri: str | None  # resolved as the parser does; None: cannot be resolved here


@dataclass(frozen=True)
class _Reading:
    """What the guard needs to know of a query, read once from its parse."""

    dataset: tuple[_DatasetClause, ...]
    volatile: bool
    declared_prefixes: frozenset[str]
    used_prefixes: frozenset[str]


def decode_codepoint_escapes(text: str) -> str:
    """The text as SPARQL parses it: \\uXXXX and \\UXXXXXXXX replaced (SPARQL 1.1 §19.2)."""

    def character(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > sys.maxunicode:
            line, column = _line_column(text, match.start())
            raise QueryError(
                f"line {line}, column {column}: {match.group()} is not a Unicode code point"
            )
        return chr(code)

    return _CODEPOINT_ESCAPE.sub(character, text)


# Canned queries, pages and crawlers repeat the same texts: each is read once.
@lru_cache(maxsize=1024)
def check_query(text: str, dataset_graphs: tuple[str, ...]) -> QueryDataset:
    """Refuse updates, SERVICE and FROM of graphs outside the dataset; return FROM's graphs."""
    reading = _read(text)
    default: list[str] = []
    named: list[str] = []
    for clause in reading.dataset:
        if clause.iri is None or clause.iri not in dataset_graphs:
            keyword = "FROM NAMED" if clause.named else "FROM"
            unresolved = " (a relative IRI with no BASE)" if clause.iri is None else ""
            raise ForbiddenQuery(
                f"{keyword} {clause.written}{unresolved}: only this dataset's graphs can be "
                "named (" + ", ".join(f"<{g}>" for g in dataset_graphs) + "); the endpoint "
                "never loads data from the web or from files"
            )
        (named if clause.named else default).append(clause.iri)
    return QueryDataset(tuple(default), tuple(named))


@lru_cache(maxsize=1024)
def is_volatile(text: str) -> bool:
    """Whether the query calls NOW(), RAND() or another function that differs per run.
    A text the guard refuses has no answer to cache: it is not volatile."""
    try:
        return _read(text).volatile
    except (QueryError, UpdateRefused):
        return False


def with_usual_prefixes(text: str) -> str:
    """The query with PREFIX declarations for the usual prefixes it uses but does not
    declare, for stores that do not predeclare them. They go on the first line, so the
    line numbers of a store's error messages still match the client's query."""
    reading = _read(text)
    missing = sorted(
        prefix for prefix in reading.used_prefixes - reading.declared_prefixes if prefix in PREFIXES
    )
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}> " for p in missing) + text


@lru_cache(maxsize=1024)
def _read(text: str) -> _Reading:
    """Parse the query with both parsers and read what the guard decides on, or refuse."""
    if len(text) > MAX_QUERY_CHARACTERS:
        raise ForbiddenQuery(
            f"the query has {len(text)} characters; at most {MAX_QUERY_CHARACTERS} are accepted"
        )
    decoded = decode_codepoint_escapes(text)
    _check_syntax_with_oxigraph(text, decoded)
    try:
        parse = _on_parser_thread(sparql_parser.Query.parse_string, decoded, parse_all=True)
    except RecursionError:
        raise _too_deep() from None
    except pyparsing.ParseBaseException as error:
        # Oxigraph accepts the text, rdflib does not: what it means cannot be checked.
        if _RDF_1_2_SYNTAX.search(decoded):
            # Refused either way; the message says why the usual way (RDF 1.2 is refused
            # at every door of the project, publisher.rdf.terms).
            raise ForbiddenQuery(TripleTermError.MESSAGE) from None
        place = f"error at {error.lineno}:{error.col}: {error.msg}"
        raise QueryError(
            "this query is valid SPARQL for the store but the endpoint's guard cannot read "
            f"it; please rephrase: {_with_the_place(decoded, place)}"
        ) from None
    except (TypeError, ValueError) as error:  # rdflib's parse actions (e.g. "-1.0" as object)
        raise QueryError(
            f"this query is valid SPARQL for the store but the endpoint's guard cannot read "
            f"it ({error}); please rephrase"
        ) from None
    prologue, query = parse[0], parse[1]
    # The IRIs as written (IRIREF terminals), the prologue's too, for the longest-token rule.
    iris = {str(declaration.iri) for declaration in prologue}
    used: set[str] = set()
    volatile = lexed_comparison = False
    for node, depth in _nodes(query):
        if isinstance(node, URIRef):
            iris.add(str(node))
            continue
        if depth > MAX_NESTING:
            raise _too_deep()
        if node.name == "ServiceGraphPattern":
            raise ForbiddenQuery(
                "SERVICE (federated query) is not allowed: this endpoint makes no requests to "
                "other servers. Query the other endpoint yourself and join the results."
            )
        volatile = volatile or node.name in _VOLATILE_NODES
        if node.name == "pname":
            used.add(str(_field(node, "prefix") or ""))
        elif node.name == "RelationalExpression" and _field(node, "op") in ("<", "<="):
            lexed_comparison = True
    if lexed_comparison:
        _check_longest_token_rule(decoded, iris)
    return _Reading(
        dataset=tuple(_dataset_clauses(prologue, query)),
        volatile=volatile,
        declared_prefixes=frozenset(
            str(d.prefix or "") for d in prologue if d.name == "PrefixDecl"
        ),
        used_prefixes=frozenset(used),
    )


def _check_syntax_with_oxigraph(text: str, decoded: str) -> None:
    """Refuse what the engine's own parser refuses, without evaluating anything."""
    try:
        ox.Store().query(
            text,
            base_iri=_SYNTAX_BASE,
            prefixes=PREFIXES,
            use_default_graph_as_union=True,
            default_graph=ox.DefaultGraph(),
        )
    except ValueError:
        return  # parsed, then refused for the conflicting dataset arguments: a query
    except SyntaxError as error:
        if _is_update(decoded):
            raise UpdateRefused(
                "this is SPARQL Update: this endpoint is read-only and answers queries "
                "(SELECT, ASK, CONSTRUCT, DESCRIBE) only"
            ) from None
        note = ""
        if decoded != text:
            note = "\n(the query uses \\u or \\U escapes: write the characters themselves)"
        raise QueryError(f"syntax error: {_with_the_place(text, str(error))}{note}") from None
    # pyoxigraph changed how it prepares queries: the text may have been evaluated.
    raise RuntimeError("the SPARQL syntax check evaluated a query; see publisher/store/guard.py")


def _is_update(decoded: str) -> bool:
    try:
        _on_parser_thread(sparql_parser.UpdateUnit.parse_string, decoded, parse_all=True)
    except (pyparsing.ParseBaseException, RecursionError):
        return False
    return True


def _with_the_place(text: str, message: str) -> str:
    """Oxigraph's message, followed by the part of the line it points at and a caret."""
    position = _ERROR_POSITION.search(message)
    lines = text.splitlines()
    if position is None or not 0 < int(position.group(1)) <= len(lines):
        return message
    line, column = lines[int(position.group(1)) - 1], int(position.group(2))
    start = max(0, column - 1 - _CONTEXT_CHARACTERS)
    shown = line[start : column - 1 + _CONTEXT_CHARACTERS]
    return f"{message}\n  {shown}\n  {' ' * (column - 1 - start)}^"


def _check_longest_token_rule(decoded: str, iris: set[str]) -> None:
    """Refuse a '<' comparison that SPARQL's tokenizer would read as an IRI (§19.8, W3C
    test syn-bad-26): both parsers backtrack into a comparison, the grammar does not."""
    for tokens, start, _ in _TERMINALS.scan_string(decoded):
        if tokens and isinstance(tokens[0], str) and tokens[0].startswith("<"):
            iri = tokens[0][1:-1]
            if iri not in iris:
                line, column = _line_column(decoded, start)
                raise QueryError(
                    f"line {line}, column {column}: {tokens[0]} is an IRI to SPARQL's "
                    "tokenizer (the longest token wins), not a comparison; put spaces "
                    "around '<' to compare"
                )


def _dataset_clauses(prologue: Any, query: CompValue) -> Iterator[_DatasetClause]:
    """FROM and FROM NAMED with their IRIs resolved against BASE and the prefixes, in
    declaration order, the way SPARQL resolves them (RFC 3986, Oxigraph's resolver)."""
    base: str | None = None
    prefixes: dict[str, str | None] = dict(PREFIXES)
    for declaration in prologue:
        if declaration.name == "Base":
            base = _resolve(str(declaration.iri), base)
        else:
            prefixes[str(declaration.prefix or "")] = _resolve(str(declaration.iri), base)
    for clause in _field(query, "datasetClause") or ():
        named = _field(clause, "named") is not None
        term = _field(clause, "named") if named else _field(clause, "default")
        if isinstance(term, CompValue):  # a prefixed name
            prefix = str(_field(term, "prefix") or "")
            local = re.sub(r"\\(.)", r"\1", str(_field(term, "localname") or ""))
            namespace = prefixes.get(prefix)
            written = f"{prefix}:{_field(term, 'localname') or ''}"
            yield _DatasetClause(named, written, None if namespace is None else namespace + local)
        else:
            yield _DatasetClause(named, f"<{term}>", _resolve(str(term), base))


def _resolve(iri: str, base: str | None) -> str | None:
    """``iri`` made absolute against ``base`` by Oxigraph's resolver; None if it cannot be."""
    try:
        triple = next(
            iter(
                ox.parse(
                    f"<{iri}> <urn:guard:p> <urn:guard:o> .",
                    format=ox.RdfFormat.TURTLE,
                    base_iri=base,
                )
            )
        )
    except SyntaxError:
        return None
    return str(triple.subject.value)


def _nodes(root: CompValue) -> Iterator[tuple[Any, int]]:
    """Every parse node and IRI under ``root``, with its nesting depth; iterative, since
    the tree can be as deep as the query is nested."""
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, CompValue):
            depth += node.name in _NESTING_NODES
            yield node, depth
            stack.extend((child, depth) for child in node.values())
        elif isinstance(node, URIRef):
            yield node, depth
        elif isinstance(node, list | tuple | pyparsing.ParseResults):
            stack.extend((child, depth) for child in node)


def _field(node: CompValue, key: str) -> Any:
    """A field of a parse node, None if absent (CompValue.get defaults to the key itself)."""
    return dict.get(node, key)


def _too_deep() -> ForbiddenQuery:
    return ForbiddenQuery(
        f"the query nests groups, brackets or paths more than {MAX_NESTING} levels deep; "
        "simplify it"
    )


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


class _ParseInterrupted(Exception):
    """Raised inside the parser thread when a parse runs past PARSE_SECONDS."""


_parser_lock = threading.Lock()
_parser_pool: ThreadPoolExecutor | None = None
_parser_thread_id = 0


def _on_parser_thread(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Run rdflib's recursive parser on the guard's thread, whose stack fits MAX_NESTING,
    for at most PARSE_SECONDS: pyparsing is pure Python, so an exception raised in that
    thread stops it at once. One parse at a time, so a deadline stops only its own."""
    global _parser_pool, _parser_thread_id
    with _parser_lock:
        if _parser_pool is None:
            if sys.getrecursionlimit() < _PARSER_FRAMES:
                sys.setrecursionlimit(_PARSER_FRAMES)
            previous = threading.stack_size(_PARSER_STACK_BYTES)
            try:
                _parser_pool = ThreadPoolExecutor(1, thread_name_prefix="sparql-guard")
                _parser_thread_id = _parser_pool.submit(threading.get_ident).result()
            finally:
                threading.stack_size(previous)
        job = _parser_pool.submit(function, *args, **kwargs)
        try:
            return job.result(timeout=PARSE_SECONDS)
        except FuturesTimeout:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(_parser_thread_id), ctypes.py_object(_ParseInterrupted)
            )
            try:
                job.result()
            except _ParseInterrupted:
                pass
            else:  # it finished just in time: take back the exception not yet raised
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(_parser_thread_id), None)
            raise ForbiddenQuery(
                f"the query is too long or too complex to be checked within {PARSE_SECONDS:g} "
                "seconds; shorten it"
            ) from None


def _forget_parser_thread() -> None:
    """A forked child has no parser thread (and maybe a lock held by none): it starts anew."""
    global _parser_lock, _parser_pool
    _parser_lock = threading.Lock()
    _parser_pool = None


os.register_at_fork(after_in_child=_forget_parser_thread)
