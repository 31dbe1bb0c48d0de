"""Validate an uploaded file in a child process with a memory cap and a time limit.

SHACL validation runs in pure Python and grows with what a file holds: 40,000 blank
nodes of one class took a minute and over a gigabyte, and a web worker keeps that
memory. A child process started from the fork server (as for queries, see
``publisher.store.embedded``) never inherits the web server's threads, has its address space
capped, is killed when the time limit passes, counts the triples before it builds any
graph, and sends back at most ``max_results`` results, so the web worker only ever holds
a bounded report.

It stands behind the same walls as a query process: cut off from the network (its own
network namespace, else a seccomp filter; else it refuses, unless the setting that lets
queries run unwalled allows it too), and it ends itself at its deadline and with the web
worker that waits for it, so that no validation outlives whoever asked for it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path

from publisher.rdf.parsing import InputError, iter_triples
from publisher.sandbox import (
    NetworkWallError,
    cap_memory,
    die_with,
    forkserver_context,
    wall_off_network,
)
from publisher.validation.model import ValidationReport, sort_key
from publisher.validation.validator import validate_files

SEVERITIES = ("Violation", "Warning", "Info")
# An upload stays below this whatever VALIDATE_MAX_TRIPLES says. It was set below the size
# from which the validator forked a second process (50,000, with 5,000 left for the
# ontology and the published context), which a daemonic process may not do; the engine no
# longer forks (all of it runs in Oxigraph), and the ceiling is kept as the bound on one
# upload's time and memory that the web tests and the deployment notes rely on.
TRIPLES_CEILING = 45_000
# A validation process ends itself this long after its time limit, in case the web worker
# that should kill it is gone (killed, or stopped while it waited).
DEADLINE_GRACE_SECONDS = 0.5


@dataclass(frozen=True)
class UploadLimits:
    """What one validation may use: triples read, results sent back, MiB, seconds; and
    whether it may run where it cannot be cut off from the network (``allow_unwalled``:
    MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES)."""

    max_triples: int
    max_results: int
    memory_mb: int
    timeout: float
    allow_unwalled: bool = False


@dataclass(frozen=True)
class CheckedUpload:
    """A report cut to the first results (violations first) and what was cut."""

    report: ValidationReport
    counts: dict[str, int]  # of every result, the cut ones included
    omitted: int


class TooManyTriples(Exception):
    """The upload holds more triples than the web validates (413)."""


class ValidationUnavailable(Exception):
    """The validation ran past its time or memory limit (503)."""


@dataclass(frozen=True)
class _Refused:
    """An InputError as it crosses the pipe (its dataclass form does not unpickle)."""

    message: str
    line: int | None
    column: int | None


# What validates the upload's temporary file in the child: (file, input format, limits,
# the upload's own name) -> the cut report. A module-level function (it crosses to the
# fork server by name): ``_validate`` for RDF, ``publisher.sheets.upload`` for spreadsheets.
Validator = Callable[[Path, str, "UploadLimits", str], "CheckedUpload"]


def check(
    content: bytes,
    input_format: str,
    limits: UploadLimits,
    name: str = "upload",
    validator: Validator | None = None,
) -> CheckedUpload:
    """Validate in a child process, which may be killed: this process owns the temporary file.

    ``name`` is the upload's own file name, which results give as their file.
    ``validator`` reads the file in the child (by default as RDF of ``input_format``).

    Raises InputError (the upload cannot be used; its path is ``upload``),
    TooManyTriples, or ValidationUnavailable.
    """
    context = forkserver_context()
    with tempfile.TemporaryDirectory(prefix="municipal-roles-upload-") as folder:
        path = Path(folder) / "upload"
        path.write_bytes(content)
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_validate_in_child,
            args=(
                sender,
                path,
                input_format,
                limits,
                Path(name).name or "upload",
                os.getpid(),
                validator,
            ),
            daemon=True,
        )
        process.start()
        sender.close()
        try:
            if not receiver.poll(limits.timeout):
                raise ValidationUnavailable(
                    f"the validation ran past the time limit of {limits.timeout:g} s"
                )
            reply = receiver.recv()
        except (EOFError, OSError) as error:
            process.join(1)
            if process.exitcode == -signal.SIGALRM:  # its own deadline, when this one was late
                raise ValidationUnavailable(
                    f"the validation ran past the time limit of {limits.timeout:g} s"
                ) from error
            raise ValidationUnavailable(
                "the validation process stopped before answering; most likely the file "
                f"needed more than the memory limit of {limits.memory_mb} MiB"
            ) from error
        finally:
            _stop(process)
            receiver.close()
    if isinstance(reply, _Refused):
        raise InputError(Path("upload"), reply.message, reply.line, reply.column)
    if isinstance(reply, Exception):
        raise reply
    if not isinstance(reply, CheckedUpload):
        raise RuntimeError(f"the validation process answered {type(reply).__name__}")
    return reply


def _stop(process: multiprocessing.process.BaseProcess) -> None:
    """Kill the child and anything it started (it leads its own process group)."""
    if process.pid is not None:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    process.kill()
    process.join(1)


def _validate_in_child(
    connection: Connection,
    path: Path,
    input_format: str,
    limits: UploadLimits,
    name: str,
    web_worker: int,
    validator: Validator | None,
) -> None:
    os.setpgrp()
    # No handler: SIGALRM then ends the process in the kernel, whatever Python is doing.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, limits.timeout + DEADLINE_GRACE_SECONDS)
    refusal = _wall_off(limits)
    die_with(web_worker)  # a thread: after the wall, which needs a single thread
    cap_memory(limits.memory_mb)
    try:
        reply: CheckedUpload | Exception | _Refused = refusal or (validator or _validate)(
            path, input_format, limits, name
        )
    except InputError as error:
        reply = _Refused(error.message, error.line, error.column)
    except MemoryError:
        reply = ValidationUnavailable(
            f"the validation needed more than the memory limit of {limits.memory_mb} MiB"
        )
    except TooManyTriples as error:
        reply = error
    except Exception as error:  # a failure of ours: the web answers 500 with its name
        reply = RuntimeError(f"validation failed: {type(error).__name__}: {error}")
    connection.send(reply)
    connection.close()


def _wall_off(limits: UploadLimits) -> ValidationUnavailable | None:
    """Cut this process off from the network; the refusal to send back if no wall holds
    and ``limits.allow_unwalled`` does not accept the risk."""
    try:
        wall_off_network()
    except NetworkWallError as error:
        if not limits.allow_unwalled:
            return ValidationUnavailable(
                f"uploads are not validated here: the validation process cannot be cut off "
                f"from the network ({error}). Or set MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES=1 "
                "to validate with network access"
            )
        print(
            f"WARNING: validation process {os.getpid()} runs WITH NETWORK ACCESS, as "
            f"MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES allows: {error}",
            file=sys.stderr,
            flush=True,
        )
    return None


# Relative IRIs of an upload resolve here, never against the server's temporary folder.
UPLOAD_BASE = "file:///upload"


def _validate(path: Path, input_format: str, limits: UploadLimits, name: str) -> CheckedUpload:
    cap = min(limits.max_triples, TRIPLES_CEILING)
    # Counting is a fast parse that builds nothing: a file over the cap costs no graph.
    for count, _ in enumerate(iter_triples(path, input_format, UPLOAD_BASE), start=1):
        if count > cap:
            raise TooManyTriples(f"the upload holds more than {cap} triples")
    report = validate_files([path], input_format, base_iri=UPLOAD_BASE)
    # Results name the upload as its sender named it, never the server's temporary file.
    report = ValidationReport(
        results=tuple(
            replace(r, location=replace(r.location, file=Path(name)))
            if r.location is not None
            else r
            for r in report.results
        ),
        triples=report.triples,
    )
    return cut_report(report, limits)


def cut_report(report: ValidationReport, limits: UploadLimits) -> CheckedUpload:
    """The first ``max_results`` results (violations first), with the counts of all."""
    # At least one result, so that a cut report still does not conform.
    shown = tuple(sorted(report.results, key=sort_key)[: max(1, limits.max_results)])
    return CheckedUpload(
        report=ValidationReport(results=shown, triples=report.triples),
        counts={severity: report.count(severity) for severity in SEVERITIES},
        omitted=len(report.results) - len(shown),
    )
