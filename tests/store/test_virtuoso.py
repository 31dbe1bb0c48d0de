"""Virtuoso as the external store, set up as README "An external triplestore" says: what
the anonymous reader may do decides whether ``serve`` may use it, and an answer Virtuoso
cut at a time limit is no answer (issue 16 item 6)."""

from collections.abc import Iterator

import pytest

from publisher.store.query import QueryRequest, QueryTimeout
from publisher.store.remote import RemoteStore, follows_service
from tests.stores import VirtuosoStore, isql

pytestmark = pytest.mark.slow
# Long enough on this dataset that Virtuoso stops it at a 1 s limit.
RUNAWAY = (
    "SELECT ?a ?d (STRLEN(CONCAT(STR(?c), STR(?f), STR(?i))) AS ?n) "
    "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY DESC(?n) LIMIT 5"
)


@pytest.fixture
def reader(virtuoso_store: VirtuosoStore) -> Iterator[RemoteStore]:
    """The store as serve reads it: the anonymous /sparql."""
    store = RemoteStore(virtuoso_store.query)
    yield store
    store.close()


def test_the_anonymous_reader_does_not_follow_service(reader: RemoteStore) -> None:
    """Virtuoso's "SPARQL" user holds SPARQL_SELECT only, which does not include SERVICE
    (Virtuoso answers SQ070: no select privilege on DB.DBA.SPARQL_SINV_2): serve starts."""
    assert not follows_service(reader, 30)


def test_granting_update_to_the_anonymous_reader_lets_it_follow_service(
    virtuoso_store: VirtuosoStore, reader: RemoteStore
) -> None:
    """Why build --push writes as a user of its own on the -auth URLs: the shortcut of
    granting SPARQL_UPDATE to "SPARQL" lets anyone write, and makes the store follow
    SERVICE, so serve refuses it (the probe sees the request)."""
    isql(virtuoso_store.sql_port, 'GRANT SPARQL_UPDATE TO "SPARQL";')
    try:
        assert follows_service(reader, 30)
    finally:
        isql(virtuoso_store.sql_port, 'REVOKE SPARQL_UPDATE FROM "SPARQL";')
    assert not follows_service(reader, 30)


def test_an_answer_cut_at_virtuosos_time_limit_is_a_timeout(
    virtuoso_store: VirtuosoStore,
) -> None:
    """With a ``timeout`` (ms) in the endpoint's URL, Virtuoso stops a query there and
    answers 200 with the rows found so far ("anytime" results, marked X-SQL-State:
    S1TAT): a wrong answer for ORDER BY ... LIMIT, so the publisher answers 503."""
    store = RemoteStore(f"{virtuoso_store.query}?timeout=1000")
    try:
        with pytest.raises(QueryTimeout, match="S1TAT"):
            store.query(QueryRequest(RUNAWAY), 30)
        assert store.query(QueryRequest("ASK {}"), 30).body == b'{"head":{},"boolean":true}'
    finally:
        store.close()


def test_a_query_stopped_at_virtuosos_own_time_limit_is_a_timeout(
    reader: RemoteStore,
) -> None:
    """At MaxQueryExecutionTime of its virtuoso.ini (tests/stores.py: 5 s) Virtuoso answers
    500 "Virtuoso S1T00 Error SR171: Transaction timed out": the query's time-out, answered
    as the embedded store answers one, not the store being unavailable."""
    with pytest.raises(QueryTimeout, match=r"time limit \(S1T00 Error SR171"):
        reader.query(QueryRequest(RUNAWAY), 60)
    assert reader.query(QueryRequest("ASK {}"), 30).body == b'{"head":{},"boolean":true}'
