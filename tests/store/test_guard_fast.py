"""The guard's tree comes from tree-sitter: what it reads there, where it stops, and that
no text within the length cap crashes the process that guards it."""

import subprocess
import sys
import textwrap

import pytest
import tree_sitter
import tree_sitter_sparql

from publisher.store import guard
from publisher.store.dataset import DATASET_GRAPHS
from publisher.store.guard import MAX_QUERY_CHARACTERS, check_query, is_volatile
from publisher.store.query import ForbiddenQuery, QueryError

ASSERTED, INFERRED = DATASET_GRAPHS[0], DATASET_GRAPHS[1]


# tree-sitter-sparql 0.1.0 hands its grammar over as a pointer (see guard.py).
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tree_sitter_parses_100k_nested_parentheses_without_recursion() -> None:
    """tree-sitter's parser is iterative: a depth far past any stack parses."""
    depth = 100_000
    text = "ASK { FILTER(" + "(" * depth + "true" + ")" * depth + ") }"
    language = tree_sitter.Language(tree_sitter_sparql.language())
    tree = tree_sitter.Parser(language).parse(text.encode())
    assert not tree.root_node.has_error
    node, levels = tree.root_node, 0
    while (inner := node.child_by_field_name("value") or _last_named(node)) is not None:
        node, levels = inner, levels + (node.type == "bracketted_expression")
    assert levels == depth + 1  # the FILTER's own brackets, then each pair


def _last_named(node: tree_sitter.Node) -> tree_sitter.Node | None:
    return node.named_children[-1] if node.named_children else None


# Texts within the length cap that Oxigraph's recursive parser cannot read on a thread's
# stack (it crashed at 8,000 nested brackets): the guard must refuse them itself.
DEEP_TEXTS = {
    "nested parentheses": "ASK { FILTER(" + "(" * 30_000 + "true" + ")" * 30_000 + ") }",
    "unclosed parentheses": "ASK { FILTER(" + "(" * 60_000,
    "nested groups": "ASK " + "{" * 30_000 + "}" * 30_000,
    "negations": "ASK { FILTER(" + "!" * 60_000 + "true) }",
    "nested collections": "ASK { ?s ?p " + "(" * 30_000 + "1" + ")" * 30_000 + " }",
    "a chain of sums": "ASK { FILTER(" + "1+" * 30_000 + "1) }",
}


@pytest.mark.parametrize("text", DEEP_TEXTS.values(), ids=DEEP_TEXTS.keys())
def test_deep_texts_are_refused_without_crashing_the_worker(text: str) -> None:
    """In a child process on a thread of the default stack size, as a web worker runs it:
    a crash shows as a signal, a refusal as a message."""
    assert len(text) <= MAX_QUERY_CHARACTERS
    program = textwrap.dedent(
        """
        import sys, threading
        from publisher.store.dataset import DATASET_GRAPHS
        from publisher.store.guard import check_query
        from publisher.store.query import QueryError

        def guard():
            try:
                check_query(sys.stdin.read(), DATASET_GRAPHS)
            except QueryError as error:
                print(type(error).__name__, error)

        thread = threading.Thread(target=guard)
        thread.start()
        thread.join()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], input=text, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"the guard's process died ({done.returncode}): {done.stderr}"
    assert done.stdout.startswith(("ForbiddenQuery", "QueryError")), done.stdout + done.stderr
    assert any(reason in done.stdout for reason in ("deep", "cannot read", "checked within"))


def test_where_tree_sitter_stops_is_a_refusal_that_shows_the_place() -> None:
    """Valid SPARQL that tree-sitter-sparql 0.1.0 reads as an error (a prefixed name ':'
    '::' then ':c'; 'true.' glued to a keyword): refused, never read another way."""
    for text, place in [
        ("PREFIX : <http://a/> SELECT * { :a :: :c }", "1:37"),
        ("SELECT * { ?s ?p true.SERVICE <http://127.0.0.1:9/> {} }", "1:18"),
        ("CONSTRUCT {} WHERE {}", "1:1"),
    ]:
        with pytest.raises(QueryError, match="cannot read") as error:
            check_query(text, DATASET_GRAPHS)
        assert place in str(error.value) and "^" in str(error.value)


def test_comments_between_tokens_do_not_hide_a_dataset_clause() -> None:
    """A comment is a node of its own anywhere in tree-sitter's tree."""
    text = f"SELECT * FROM # a comment\n<{ASSERTED}> FROM NAMED#\n<{INFERRED}> {{ ?s ?p ?o }}"
    dataset = check_query(text, DATASET_GRAPHS)
    assert dataset.default_graphs == (ASSERTED,) and dataset.named_graphs == (INFERRED,)
    assert is_volatile("SELECT (NOW # comment\n() AS ?t) {}")


def test_local_name_escapes_are_read_as_their_characters() -> None:
    """PN_LOCAL_ESC: g:graph\\/asserted is <...graph/asserted>."""
    text = (
        "PREFIX g: <https://w3id.org/municipal-roles/> "
        "SELECT * FROM g:graph\\/asserted { ?s ?p ?o }"
    )
    assert check_query(text, DATASET_GRAPHS).default_graphs == (ASSERTED,)
    with pytest.raises(ForbiddenQuery, match=r"FROM g:graph\\/elsewhere"):
        check_query(text.replace("asserted", "elsewhere"), DATASET_GRAPHS)


def test_codepoint_escapes_are_decoded_before_tree_sitter_reads() -> None:
    """An IRI written with \\u escapes is the IRI of the decoded text (SPARQL 1.1 §19.2)."""
    escaped = ASSERTED.replace("asserted", "\\u0061sserted")
    text = f"SELECT * FROM <{escaped}> {{ ?s ?p ?o }}"
    assert check_query(text, DATASET_GRAPHS).default_graphs == (ASSERTED,)
    with pytest.raises(ForbiddenQuery, match="FROM"):
        check_query(text.replace("\\u0061", "\\u0062"), DATASET_GRAPHS)


def test_the_parse_budget_stops_tree_sitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Error recovery took 2 s on 64 KiB of unclosed strings: the parse has a deadline,
    here one already past, so even a valid long query is stopped."""
    monkeypatch.setattr(guard, "PARSE_SECONDS", 0.0)
    text = ("SELECT * { " + "?s ?p ?o . " * 5000)[: MAX_QUERY_CHARACTERS - 1] + "}"
    with pytest.raises(ForbiddenQuery, match="checked within 0 seconds"):
        check_query(text, DATASET_GRAPHS)
