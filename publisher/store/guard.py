"""What a query may not do here, decided on a parse of the query, before it reaches any store.

Oxigraph runs ``SERVICE`` by making HTTP requests, and an external store may load the
IRIs of ``FROM`` clauses; a public endpoint must do neither on a client's behalf.

Two parsers read every query, and both must accept it:

1. Oxigraph's own parser (the engine's reading) says whether the text is a query at all.
   ``pyoxigraph`` parses a query before it looks at the dataset arguments, and refuses
   ``use_default_graph_as_union`` together with ``default_graph`` before evaluating
   anything, so asking for both checks the syntax without running the query
   (tests/store/test_guard_bypasses.py proves it against a listening trap).
2. tree-sitter's SPARQL 1.1 grammar (a C parser, iterative, ~2 ms a canned query) gives the
   tree that the decision is made on: ``SERVICE`` anywhere, ``FROM`` / ``FROM NAMED`` and
   their graphs, the nesting depth, the volatile functions, the prefixes used. Its lexer
   reads only the tokens the grammar allows where it stands, as Oxigraph's parser does
   (``?o<?a`` is a comparison to both).

A tree with an ERROR or MISSING node is a refusal: where the two disagree on whether a
text is a query, the answer is a refusal. Oxigraph's parser is recursive and overflows
the stack of the web worker at a few thousand levels, so it only reads texts whose tree
is shallow enough, or short enough to be (tests/store/test_guard_fast.py). Where both
accept a text but could read it differently, tests/store/test_guard_differential.py runs
what the guard accepts on Oxigraph next to a trap listener.
"""

import re
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NoReturn

import pyoxigraph as ox
import tree_sitter
import tree_sitter_sparql
from tree_sitter import Node

from publisher.rdf.errors import TripleTermError
from publisher.rdf.namespaces import PREFIXES
from publisher.store.query import (
    DEFAULT_MAX_PATH_STEPS,
    ForbiddenQuery,
    QueryError,
    UpdateRefused,
)

# Longest query text read at all: parsing is linear, but a bound keeps every request
# cheap before it reaches a query process (1 MiB bodies are allowed for uploads).
MAX_QUERY_CHARACTERS = 64 * 1024
# Deepest nesting accepted, counted on the parse: each group pattern { }, each bracketed
# expression or argument list, each path element and each sub-select is one level.
# Oxigraph's recursive evaluator overflows its stack (killing the query process) at a
# few thousand levels.
MAX_NESTING = 128
# Deepest parse tree (any node: a chain of 1+1+...+1 nests too) handed to Oxigraph's
# parser, and longest text whose tree has errors it is handed: its recursive descent
# crashed the web worker at 8,000 nested brackets on an 8 MiB stack (4,000 passed).
_ORACLE_MAX_TREE_DEPTH = 1024
_ORACLE_MAX_ERROR_CHARACTERS = 2048

# Longest time tree-sitter may read one query (in the web worker, outside any query
# process's limit): 64 KiB of triples take 25 ms; error recovery can take seconds.
PARSE_SECONDS = 1.0

# The tree's nodes a property path is made of; a path_element without brackets of its own
# is one step (an IRI, ``a``, a negated property set), as Oxigraph plans it.
_PATH_NODES = frozenset({"binary_path", "path_element"})
# The tree's nodes that open a nesting level.
_NESTING_NODES = frozenset(
    {"group_graph_pattern", "bracketted_expression", "arg_list", "path_element", "sub_select"}
)
# The built-in functions whose value changes from one run to the next: such answers are
# never cached. Their keyword is the first token of a build_in_function node.
_VOLATILE_FUNCTIONS = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE"})
# The forms of a query; any other top node (CLEAR, INSERT DATA, ...) is an update.
_QUERY_FORMS = frozenset({"select_query", "construct_query", "describe_query", "ask_query"})
# What a prologue and its comments are made of (an empty update, SPARQL 1.1 §29 [29]).
_PROLOGUE_NODES = frozenset({"prologue", "comment"})
_EMPTY_QUERY = b"\nASK {}"

# tree-sitter-sparql 0.1.0 hands its grammar over as a pointer, which tree-sitter 0.26
# still takes with a DeprecationWarning (pyproject.toml pins the versions that do).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    _SPARQL = tree_sitter.Language(tree_sitter_sparql.language())

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
# SPARQL's IRIREF terminal (§19.8 [139]): where it matches at a '<', the tokenizer reads
# an IRI, since the longest token wins (W3C test syn-bad-26).
_IRIREF = re.compile(rb"<[^<>\"{}|^`\\\x00-\x20]*>")
# PN_LOCAL_ESC (§19.8 [173]): a backslash before a character stands for the character.
_LOCAL_ESCAPE = re.compile(r"\\(.)")


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
class _Path:
    """A query's longest property path: its steps, and where it starts (line, column)."""

    steps: int
    line: int
    column: int


@dataclass(frozen=True)
class _Reading:
    """What the guard needs to know of a query, read once from its parse."""

    dataset: tuple[_DatasetClause, ...]
    volatile: bool
    declared_prefixes: frozenset[str]
    used_prefixes: frozenset[str]
    longest_path: _Path | None
    # The query's FROM and FROM NAMED clauses as byte ranges of the decoded text.
    dataset_spans: tuple[tuple[int, int], ...] = ()


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
def check_query(
    text: str, dataset_graphs: tuple[str, ...], max_path_steps: int = DEFAULT_MAX_PATH_STEPS
) -> QueryDataset:
    """Refuse updates, SERVICE, FROM of graphs outside the dataset and property paths of
    more than ``max_path_steps`` steps (0: any); return FROM's graphs."""
    reading = _read(text)
    path = reading.longest_path
    if max_path_steps and path is not None and path.steps > max_path_steps:
        raise ForbiddenQuery(
            f"line {path.line}, column {path.column}: a property path of {path.steps} steps; "
            f"at most {max_path_steps} steps are accepted in one path here (the engine's "
            "planning time grows with the cube of a path's length): split it into "
            "triple patterns joined by variables"
        )
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


def without_dataset_clauses(text: str) -> str:
    """The query (its code point escapes decoded) with its FROM and FROM NAMED clauses
    blanked out, line and column numbers kept: for a store that adds the protocol's
    graphs to the query's own (Virtuoso) where SPARQL 1.1 Protocol §2.1.4 replaces them."""
    spans = _read(text).dataset_spans
    if not spans:
        return text
    source = bytearray(decode_codepoint_escapes(text).encode(errors="surrogatepass"))
    for start, end in spans:
        source[start:end] = b" " * (end - start)
    return source.decode(errors="surrogatepass")


@lru_cache(maxsize=1024)
def _read(text: str) -> _Reading:
    """Parse the query with both parsers and read what the guard decides on, or refuse."""
    if len(text) > MAX_QUERY_CHARACTERS:
        raise ForbiddenQuery(
            f"the query has {len(text)} characters; at most {MAX_QUERY_CHARACTERS} are accepted"
        )
    decoded = decode_codepoint_escapes(text)
    source = decoded.encode(errors="surrogatepass")  # a lone surrogate: Oxigraph refuses it
    tree = _parse(source)
    if tree is None or tree.root_node.has_error:
        if len(text) > _ORACLE_MAX_ERROR_CHARACTERS:
            _refuse_unreadable(decoded, source, tree)
        _check_syntax_with_oxigraph(text, decoded)
        # Oxigraph reads a query: a short text is parsed again, whole, to show where.
        _refuse_unreadable(decoded, source, tree or tree_sitter.Parser(_SPARQL).parse(source))
    nodes = list(_nodes(tree.root_node))
    if max(depth for _, depth, _ in nodes) > _ORACLE_MAX_TREE_DEPTH:
        raise ForbiddenQuery(
            f"the query's parse is more than {_ORACLE_MAX_TREE_DEPTH} levels deep (nested "
            "brackets and long chains of operators both count); simplify it"
        )
    _check_syntax_with_oxigraph(text, decoded)
    forms = [child for child in tree.root_node.children if child.type in _QUERY_FORMS]
    if len(forms) != 1:
        _refuse_unreadable(decoded, source, tree)
    used: set[str] = set()
    volatile = False
    longest: _Path | None = None
    for node, _, nesting in nodes:
        if nesting > MAX_NESTING:
            raise _too_deep()
        if node.type == "service_graph_pattern":
            raise ForbiddenQuery(
                "SERVICE (federated query) is not allowed: this endpoint makes no requests to "
                "other servers. Query the other endpoint yourself and join the results."
            )
        if node.type == "build_in_function":
            volatile = volatile or _keyword(source, node) in _VOLATILE_FUNCTIONS
        elif node.type == "prefixed_name":
            used.add(_prefix(source, node))
        elif node.type == "binary_expression":
            _check_longest_token_rule(decoded, source, node)
        elif _is_whole_path(node):
            steps = _path_steps(node)
            if longest is None or steps > longest.steps:
                offset = len(source[: node.start_byte].decode(errors="surrogatepass"))
                longest = _Path(steps, *_line_column(decoded, offset))
    prologue = [child for child in tree.root_node.children if child.type == "prologue"]
    declarations = prologue[0].named_children if prologue else []
    return _Reading(
        dataset=tuple(_dataset_clauses(source, declarations, forms[0])),
        volatile=volatile,
        declared_prefixes=frozenset(
            _prefix(source, d) for d in declarations if d.type == "prefix_declaration"
        ),
        used_prefixes=frozenset(used),
        longest_path=longest,
        dataset_spans=tuple(
            (clause.start_byte, clause.end_byte)
            for clause in forms[0].children
            if clause.type == "dataset_clause"
        ),
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
    """Whether the grammar reads the text as updates, or as a prologue alone: an empty
    update, which tree-sitter's grammar lacks, so it is read followed by ``ASK {}``."""
    source = decoded.encode(errors="surrogatepass")  # a lone surrogate: Oxigraph refuses it
    root = tree_sitter.Parser(_SPARQL).parse(source).root_node
    if not root.has_error:
        return not any(child.type in _QUERY_FORMS for child in root.children)
    probe = tree_sitter.Parser(_SPARQL).parse(source + _EMPTY_QUERY).root_node
    return not probe.has_error and [
        child.start_byte for child in probe.children if child.type not in _PROLOGUE_NODES
    ] == [len(source) + 1]


def _parse(source: bytes) -> tree_sitter.Tree | None:
    """tree-sitter's tree of the text; None if it stopped at an error or ran past
    PARSE_SECONDS (its error recovery took 2 s on 64 KiB of unclosed strings)."""
    view = memoryview(source)
    deadline = time.monotonic() + PARSE_SECONDS

    def stop(_offset: int, has_error: bool) -> bool:
        if time.monotonic() > deadline:
            raise ForbiddenQuery(
                f"the query is too long or too complex to be checked within "
                f"{PARSE_SECONDS:g} seconds; shorten it"
            )
        return has_error

    try:
        return tree_sitter.Parser(_SPARQL).parse(
            lambda offset, _point: view[offset:], progress_callback=stop
        )
    except ValueError:  # the parse was stopped at an error
        return None


def _refuse_unreadable(decoded: str, source: bytes, tree: tree_sitter.Tree | None) -> NoReturn:
    """Refuse a text the guard cannot read, showing where tree-sitter stopped."""
    if _RDF_1_2_SYNTAX.search(decoded):
        # Refused either way; the message says why the usual way (RDF 1.2 is refused at
        # every door of the project, publisher.rdf.terms).
        raise ForbiddenQuery(TripleTermError.MESSAGE)
    line, column, what = 1, 1, "not a single query"
    errors = (n for n, _, _ in _nodes(tree.root_node) if n.is_error or n.is_missing) if tree else ()
    if (error := next(iter(errors), None)) is not None:
        offset = len(source[: error.start_byte].decode(errors="replace"))
        line, column = _line_column(decoded, offset)
        what = f"missing {error.type}" if error.is_missing else "unexpected text"
    elif tree is None:
        what = "unexpected text"
    raise QueryError(
        "the endpoint's guard cannot read this query; please rephrase: "
        + _with_the_place(decoded, f"error at {line}:{column}: {what}")
    )


def _check_longest_token_rule(decoded: str, source: bytes, expression: Node) -> None:
    """Refuse a '<' comparison that SPARQL's tokenizer would read as an IRI (§19.8, W3C
    test syn-bad-26): both parsers read a comparison there, the grammar does not."""
    for operator in expression.children:
        if operator.type in ("<", "<=") and _IRIREF.match(source, operator.start_byte):
            iri = _IRIREF.match(source, operator.start_byte)
            assert iri is not None
            line, column = _line_column(decoded, len(source[: operator.start_byte].decode()))
            raise QueryError(
                f"line {line}, column {column}: {iri.group().decode()} is an IRI to SPARQL's "
                "tokenizer (the longest token wins), not a comparison; put spaces "
                "around '<' to compare"
            )


def _dataset_clauses(
    source: bytes, declarations: list[Node], query: Node
) -> Iterator[_DatasetClause]:
    """FROM and FROM NAMED with their IRIs resolved against BASE and the prefixes, in
    declaration order, the way SPARQL resolves them (RFC 3986, Oxigraph's resolver)."""
    base: str | None = None
    prefixes: dict[str, str | None] = dict(PREFIXES)
    for declaration in declarations:
        if declaration.type == "base_declaration":
            base = _resolve(_iri(source, declaration), base)
        elif declaration.type == "prefix_declaration":
            prefixes[_prefix(source, declaration)] = _resolve(_iri(source, declaration), base)
    for clause in query.children:
        if clause.type != "dataset_clause":
            continue
        graph = _first(clause, "default_graph_clause") or _first(clause, "named_graph_clause")
        assert graph is not None  # the grammar requires one in a tree without errors
        named = graph.type == "named_graph_clause"
        term = graph.child_by_field_name("source_selector")
        assert term is not None  # the grammar requires one in a tree without errors
        if term.type == "prefixed_name":
            local = _first(term, "pn_local")
            written = _token(source, term)
            local_name = _LOCAL_ESCAPE.sub(r"\1", _token(source, local)) if local else ""
            namespace = prefixes.get(_prefix(source, term))
            yield _DatasetClause(
                named, written, None if namespace is None else namespace + local_name
            )
        else:
            yield _DatasetClause(
                named, _token(source, term), _resolve(_token(source, term)[1:-1], base)
            )


def _nodes(root: Node) -> Iterator[tuple[Node, int, int]]:
    """Every node of the tree in document order, with its depth in the tree and its
    nesting depth; iterative, since the tree can be as deep as the query is nested. A
    cursor, not ``Node.children``: that builds a list of new nodes at every node, and
    walking a 6,600-character query took 22 ms instead of 8 (bench/serve, issue 16)."""
    cursor = root.walk()
    nestings = [0]  # the nesting depth of each node on the path from the root
    while True:
        node = cursor.node
        assert node is not None  # a cursor always stands on a node
        nesting = nestings[-1] + (node.type in _NESTING_NODES)
        yield node, len(nestings) - 1, nesting
        if cursor.goto_first_child():
            nestings.append(nesting)
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return
            nestings.pop()


def _is_whole_path(node: Node) -> bool:
    """Whether the node is a property path that is no part of a longer one."""
    parent = node.parent
    return node.type in _PATH_NODES and (parent is None or parent.type not in _PATH_NODES)


def _path_steps(path: Node) -> int:
    """The steps of a property path, counted through its brackets (iteratively: a path
    can nest as deep as the tree)."""
    steps, stack = 0, [path]
    while stack:
        node = stack.pop()
        if node.type == "path_element" and not any(c.type == "(" for c in node.children):
            steps += 1
        stack.extend(child for child in node.children if child.type in _PATH_NODES)
    return steps


def _token(source: bytes, node: Node) -> str:
    """A node's text. A tree parsed through a read callback keeps no text: Node.text
    crashes the process there (tree-sitter 0.26.1), so the guard never calls it."""
    return source[node.start_byte : node.end_byte].decode(errors="surrogatepass")


def _keyword(source: bytes, node: Node) -> str:
    """A node's first token that is not a comment (comments may stand between any two)."""
    first = next(child for child in node.children if child.type != "comment")
    return _token(source, first).upper()


def _first(node: Node, kind: str) -> Node | None:
    return next((child for child in node.named_children if child.type == kind), None)


def _prefix(source: bytes, node: Node) -> str:
    """The prefix of a prefixed name or PREFIX declaration ('' for the empty prefix)."""
    namespace = _first(node, "namespace")
    prefix = _first(namespace, "pn_prefix") if namespace else None
    return _token(source, prefix) if prefix else ""


def _iri(source: bytes, declaration: Node) -> str:
    reference = _first(declaration, "iri_reference")
    return _token(source, reference)[1:-1] if reference else ""


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


def _too_deep() -> ForbiddenQuery:
    return ForbiddenQuery(
        f"the query nests groups, brackets or paths more than {MAX_NESTING} levels deep; "
        "simplify it"
    )


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
