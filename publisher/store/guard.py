"""What a query may not do here, checked before it reaches any store.

Oxigraph runs ``SERVICE`` by making HTTP requests, and an external store may load the
IRIs of ``FROM`` clauses; a public endpoint must do neither on a client's behalf. The
check reads the query's tokens (strings, IRIs and comments skipped), so a keyword inside
a literal or an IRI does not count, and it errs towards refusing.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from publisher.rdf.namespaces import PREFIXES
from publisher.store.query import ForbiddenQuery, UpdateRefused

# Longest query text read at all: tokenising is linear, but a bound keeps every request
# cheap before it reaches a query process (1 MiB bodies are allowed for uploads).
MAX_QUERY_CHARACTERS = 64 * 1024
# Deepest nesting of { ( [ accepted: Oxigraph's recursive parser and evaluator overflow
# their stack (and kill the query process) at a few thousand levels.
MAX_NESTING = 64

# A character of a SPARQL name (PN_CHARS, plus ':' and '%' of PLX), or one of the escapes
# the grammar allows in a local name (PN_LOCAL_ESC: \' \# \( ...). The escapes matter:
# read as plain characters, "mr:x\'" would open a string and hide what follows.
_NAME_CHAR = r"(?:[\w\-.:%\u00B7\u0300-\u036F\u203F-\u2040]|\\[_~.\-!$&'()*+,;=/?#@%])"
_TOKEN = re.compile(
    "|".join(
        (
            r"(?P<comment>#[^\n\r]*)",
            r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
            r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
            r'|"(?:[^"\\\n\r]|\\.)*"'
            r"|'(?:[^'\\\n\r]|\\.)*')",
            r"(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)",
            r"(?P<var>[?$]\w+)",
            # Keywords and prefixed names alike: one maximal run, told apart by ':'.
            rf"(?P<name>(?:[^\W\d]|:){_NAME_CHAR}*)",
            r"(?P<other>\S)",
        )
    )
)
_CODEPOINT_ESCAPE = re.compile(r"\\[uU]")
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)


# Functions whose value changes from one run to the next: such answers are never cached.
VOLATILE_FUNCTIONS = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE"})


@dataclass(frozen=True)
class QueryDataset:
    """The graphs a query's own FROM and FROM NAMED clauses name."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def named(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) of every token but comments; kind is word, pname, iri, string, var
    or other. A backslash outside strings and names is refused: SPARQL has no use for it,
    and a reader that misjudges it could misread the rest of the query."""
    if len(text) > MAX_QUERY_CHARACTERS:
        raise ForbiddenQuery(
            f"the query has {len(text)} characters; at most {MAX_QUERY_CHARACTERS} are accepted"
        )
    escape = _CODEPOINT_ESCAPE.search(text)
    if escape:
        # SPARQL may decode \uXXXX before parsing, even inside strings and IRIs, so a
        # reader of the raw text cannot tell what the store will see.
        raise ForbiddenQuery(
            f"\\u and \\U escapes are not accepted (character {escape.start() + 1}); "
            "write the character itself"
        )
    tokens = []
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup or "other", match.group()
        if kind == "comment":
            continue
        if kind == "name":
            value = value.rstrip(".")  # a name never ends with '.': that is the triple's end
            kind = "pname" if ":" in value else "word"
        elif value == "\\":
            raise ForbiddenQuery(
                f"unexpected backslash at character {match.start() + 1}: outside strings, "
                "SPARQL allows it only to escape a character of a prefixed name"
            )
        tokens.append((kind, value))
    return tokens


# Canned queries, pages and crawlers repeat the same texts: each is read once.
@lru_cache(maxsize=1024)
def check_query(text: str, dataset_graphs: tuple[str, ...]) -> QueryDataset:
    """Refuse updates, SERVICE and FROM of graphs outside the dataset; return FROM's graphs."""
    tokens = _tokens(text)
    # The endpoint predeclares the usual prefixes (publisher.rdf.namespaces.PREFIXES).
    prefixes = {f"{name}:": namespace for name, namespace in PREFIXES.items()}
    default: list[str] = []
    named: list[str] = []
    first_keyword = None
    depth = 0
    for index, (kind, value) in enumerate(tokens):
        if kind == "other":
            depth += (value in "{([") - (value in "})]")
            if depth > MAX_NESTING:
                raise ForbiddenQuery(
                    f"the query nests brackets more than {MAX_NESTING} levels deep; simplify it"
                )
        if kind != "word":
            continue
        keyword = value.upper()
        if keyword == "PREFIX" and index + 2 < len(tokens):
            prefixes[tokens[index + 1][1]] = tokens[index + 2][1].strip("<>")
            continue
        if keyword == "BASE":
            continue
        if first_keyword is None:
            first_keyword = keyword
            if keyword in UPDATE_KEYWORDS:
                raise UpdateRefused(
                    f"{keyword} is SPARQL Update: this endpoint is read-only and answers queries "
                    "(SELECT, ASK, CONSTRUCT, DESCRIBE) only"
                )
        if keyword == "SERVICE":
            raise ForbiddenQuery(
                "SERVICE (federated query) is not allowed: this endpoint makes no requests to "
                "other servers. Query the other endpoint yourself and join the results."
            )
        if keyword == "FROM":
            target = named if _upper(tokens, index + 1) == "NAMED" else default
            position = index + 2 if target is named else index + 1
            iri = _iri(tokens, position, prefixes)
            if iri not in dataset_graphs:
                raise ForbiddenQuery(
                    f"FROM {tokens[position][1] if position < len(tokens) else ''}: "
                    "only this dataset's graphs can be named ("
                    + ", ".join(f"<{g}>" for g in dataset_graphs)
                    + "); the endpoint never loads data from the web or from files"
                )
            target.append(iri)
    return QueryDataset(tuple(default), tuple(named))


@lru_cache(maxsize=1024)
def is_volatile(text: str) -> bool:
    """Whether the query calls NOW(), RAND() or another function that differs per run."""
    tokens = _tokens(text)
    return any(
        kind == "word" and value.upper() in VOLATILE_FUNCTIONS and tokens[i + 1][1] == "("
        for i, (kind, value) in enumerate(tokens[:-1])
    )


def with_usual_prefixes(text: str) -> str:
    """The query with PREFIX declarations for the usual prefixes it uses but does not
    declare, for stores that do not predeclare them. They go on the first line, so the
    line numbers of a store's error messages still match the client's query."""
    tokens = _tokens(text)
    declared = {
        tokens[i + 1][1]
        for i, (kind, value) in enumerate(tokens[:-1])
        if kind == "word" and value.upper() == "PREFIX"
    }
    used = {value.partition(":")[0] + ":" for kind, value in tokens if kind == "pname"}
    missing = sorted(p for p in used - declared if p[:-1] in PREFIXES)
    return "".join(f"PREFIX {p} <{PREFIXES[p[:-1]]}> " for p in missing) + text


def _upper(tokens: list[tuple[str, str]], index: int) -> str:
    return tokens[index][1].upper() if index < len(tokens) else ""


def _iri(tokens: list[tuple[str, str]], index: int, prefixes: dict[str, str]) -> str | None:
    if index >= len(tokens):
        return None
    kind, value = tokens[index]
    if kind == "iri":
        return value[1:-1]
    if kind == "pname":
        prefix, _, local = value.partition(":")
        namespace = prefixes.get(prefix + ":")
        return namespace + local if namespace is not None else None
    return None
