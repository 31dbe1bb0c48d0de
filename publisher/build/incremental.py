"""Validation and reasoning batch by batch, in parallel, reusing the current snapshot's.

A build cut into partitions (``publisher.build.partitions``) validates and reasons each
batch of partitions with the shared part, in worker processes on every core. Each batch's
outcome (its validation results, its closure) is kept with the snapshot under
``partitions/``, beside a digest of what it was computed from. The next build reuses
a batch whose partitions are byte for byte the same, provided the shared part is too:
the digest of the shared part covers the software (its version and the source of the
build, validation and RDF code), the shapes, the ontology, the reasoner, the shipped
context and the shared data files; if any differs, every batch is redone.

The cache is read only from the current snapshot of the same home folder, which the
build itself wrote and published atomically with it; it is Python's pickle, trusted as
the snapshot's Oxigraph store is.
"""

import hashlib
import json
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rdflib import Graph

import publisher
from publisher import __version__
from publisher.build.partitions import Partition, Plan, Source
from publisher.build.reasoning import (
    INCONSISTENCY_QUERY_FILE,
    SKOS_MAPPING_AXIOMS_FILE,
    BatchClosure,
    Reasoner,
    batch_closure,
)
from publisher.rdf.resources import ONTOLOGY_FILE
from publisher.validation.context import own_nodes
from publisher.validation.model import ValidationResult
from publisher.validation.validator import shape_files, validate_graph

CACHE_FOLDER = "partitions"
INDEX_FILE = f"{CACHE_FOLDER}/index.json"
CACHE_FORMAT = 1
# The code whose change makes every kept outcome stale.
_CODE_PACKAGES = ("build", "validation", "rdf")

Count = Callable[[int, int], None]
T = TypeVar("T")


@dataclass
class BatchOutcome:
    """One batch's validation results and (once reasoned) closure, with what they came
    from: the digest of each of its partitions."""

    partitions: dict[str, str]
    results: list[ValidationResult]
    closure: BatchClosure | None = None

    @property
    def digest(self) -> str:
        return _digest_of(self.partitions)


@dataclass
class Previous:
    """The outcomes the current snapshot keeps, when its shared part is this build's."""

    batches: int
    shared_results: list[ValidationResult]
    outcomes: dict[int, BatchOutcome] = field(default_factory=dict)
    folder: Path | None = None
    # The kept file of each batch read, written again as it was when the batch is reused.
    pickled: dict[int, bytes] = field(default_factory=dict)


def _digest_of(partitions: dict[str, str]) -> str:
    text = "\n".join(f"{key} {partitions[key]}" for key in sorted(partitions))
    return hashlib.sha256(text.encode()).hexdigest()


def _code_files() -> list[Path]:
    root = Path(publisher.__file__).parent
    return sorted(p for package in _CODE_PACKAGES for p in (root / package).rglob("*.py"))


def shared_digest(reasoner: Reasoner, shared: list[Source], context: list[Path]) -> str:
    """A fingerprint of everything besides the partitions that a batch's outcome depends on."""
    digest = hashlib.sha256(f"{CACHE_FORMAT} {__version__} {reasoner}".encode())
    fixed = [ONTOLOGY_FILE, SKOS_MAPPING_AXIOMS_FILE, INCONSISTENCY_QUERY_FILE]
    for path in [*_code_files(), *fixed, *shape_files(), *context]:
        digest.update(f"{path.name}\n".encode())
        digest.update(path.read_bytes())
    for source in shared:
        digest.update(f"{source.name} {source.digest}\n".encode())
    return digest.hexdigest()


def read_previous(snapshot_path: Path | None, digest: str) -> Previous | None:
    """The current snapshot's outcomes if its shared part had this digest, else None."""
    if snapshot_path is None or not (snapshot_path / INDEX_FILE).is_file():
        return None
    index = json.loads((snapshot_path / INDEX_FILE).read_text(encoding="utf-8"))
    if index.get("format") != CACHE_FORMAT or index.get("shared") != digest:
        return None
    folder = snapshot_path / CACHE_FOLDER
    shared_results = pickle.loads((folder / "shared.pickle").read_bytes())
    return Previous(int(index["batches"]), shared_results, folder=folder)


def previous_outcome(previous: Previous, batch: int) -> BatchOutcome | None:
    if previous.folder is None:
        return None
    if batch not in previous.outcomes:
        path = previous.folder / f"batch-{batch}.pickle"
        if not path.is_file():
            return None
        previous.pickled[batch] = path.read_bytes()
        previous.outcomes[batch] = pickle.loads(previous.pickled[batch])
    return previous.outcomes[batch]


def cache_documents(
    digest: str,
    batches: int,
    shared_results: list[ValidationResult],
    outcomes: dict[int, BatchOutcome],
    previous: Previous | None,
) -> dict[str, bytes]:
    """The ``partitions/`` files of the snapshot being built (a reused batch's as read)."""
    documents = {
        INDEX_FILE: json.dumps(
            {"format": CACHE_FORMAT, "shared": digest, "batches": batches}, indent=1
        ).encode(),
        f"{CACHE_FOLDER}/shared.pickle": pickle.dumps(shared_results),
    }
    for batch, outcome in outcomes.items():
        if previous is not None and previous.outcomes.get(batch) is outcome:
            content = previous.pickled[batch]
        else:
            content = pickle.dumps(outcome)
        documents[f"{CACHE_FOLDER}/batch-{batch}.pickle"] = content
    return documents


@dataclass
class Work:
    """What the worker processes read (inherited by fork, never pickled): the batches'
    partitions, the published context to validate them in, the shared part to reason
    them with."""

    groups: list[list[Partition]]
    plan: Plan
    context: Graph
    shared: Graph
    reasoner: Reasoner


_work: Work | None = None


def _batch_graph(work: Work, batch: int) -> Graph:
    graph = Graph()
    for source in work.plan.shared:
        graph += source.triples
    for partition in work.groups[batch]:
        for source in partition.sources:
            graph += source.triples
    return graph


def validate_batch(batch: int) -> list[ValidationResult]:
    """A batch's validation results on its partitions' own nodes (-1: the shared files')."""
    assert _work is not None
    if batch < 0:
        graph = Graph()
        for source in _work.plan.shared:
            graph += source.triples
        if not len(graph):
            return []
        own = own_nodes(graph)
    else:
        graph = _batch_graph(_work, batch)
        own = set()
        for partition in _work.groups[batch]:
            for source in partition.sources:
                own |= own_nodes(source.triples)
    report = validate_graph(graph, context=_work.context, scratch=True)
    return [result for result in report.results if result.focus in own]


def reason_batch(batch: int) -> BatchClosure:
    assert _work is not None
    triples = (t for partition in _work.groups[batch] for t in partition.triples())
    return batch_closure(_work.shared, triples, _work.plan.shared_nodes, _work.reasoner)


@contextmanager
def workers(work: Work, tasks: int) -> Iterator[Executor | None]:
    """Processes on every core for the batches (None: run in this one, for a single task
    or a single core)."""
    global _work
    _work = work
    cores = len(os.sched_getaffinity(0))
    try:
        if tasks < 2 or cores < 2 or multiprocessing.current_process().daemon:
            yield None
        else:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(min(cores, tasks), mp_context=context) as pool:
                yield pool
    finally:
        _work = None


def run_all(
    pool: Executor | None, job: Callable[[int], T], batches: list[int], count: Count
) -> dict[int, T]:
    """Each batch's outcome of ``job``, counting them as they finish."""
    done: dict[int, T] = {}
    count(0, len(batches))
    if pool is None:
        for batch in batches:
            done[batch] = job(batch)
            count(len(done), len(batches))
        return done
    futures = {pool.submit(job, batch): batch for batch in batches}
    for future in as_completed(futures):
        done[futures[future]] = future.result()
        count(len(done), len(batches))
    return done
