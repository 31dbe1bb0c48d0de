"""Parse a steward's files once in a child process with a memory cap and a triple count.

Oxigraph's parsers are native code: past an address-space cap an allocation aborts the
process (exit 134) and a stack too deep kills it (exit 139), where Python would have
raised. So each file is first parsed in a child started from the fork server
(``publisher.sandbox``), which only counts triples and builds nothing; a file that
needs more than the memory cap, holds more than ``max_triples`` triples or a literal
over ``MAX_LITERAL_BYTES``, takes longer than the time limit, or kills its parser,
becomes an ``InputError`` naming the file and the limit, and is never loaded. A child
that died is replaced for the files after it, so each file gets its own verdict.
"""

import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from publisher.i18n import current_language, language
from publisher.rdf.parsing import InputError, iter_triples
from publisher.sandbox import cap_memory, forkserver_context

# Thirty times the shipped dataset (about 3,000 triples); a graph of this many takes
# about 250 MB in rdflib. A 900 KB Turtle list of 900k triples took 2 GB and 43 s.
DEFAULT_MAX_TRIPLES = 100_000
# The parse itself streams (a few hundred MiB for any file within the other limits, but
# JSON-LD, which Oxigraph reads whole); the cap is for what no other limit catches.
DEFAULT_MEMORY_MB = 2048
# A 100,000-triple file parses in about a second; JSON-LD whose nested scoped contexts
# grow at every level (250 levels of 1,000 terms, 25 MB) ran for over 10 minutes.
DEFAULT_SECONDS = 60.0


@dataclass(frozen=True)
class ParseLimits:
    """What parsing one file may take: triples, MiB of address space (0: no cap), and
    seconds."""

    max_triples: int = DEFAULT_MAX_TRIPLES
    memory_mb: int = DEFAULT_MEMORY_MB
    seconds: float = DEFAULT_SECONDS


@dataclass(frozen=True)
class _Refused:
    """A file's InputError as it crosses the pipe (its dataclass form does not unpickle)."""

    index: int
    message: str
    line: int | None = None
    column: int | None = None


def check_parse(
    files: list[Path], input_format: str | None, base_iri: str | None, limits: ParseLimits
) -> dict[Path, InputError]:
    """Parse each file in a child process under ``limits``; the files that fail, each
    with its error. Files that pass are within the limits when the caller parses them."""
    refused: dict[Path, InputError] = {}
    start = 0
    while start < len(files):
        start = _check_from(files, start, input_format, base_iri, limits, refused)
    return refused


def _check_from(
    files: list[Path],
    start: int,
    input_format: str | None,
    base_iri: str | None,
    limits: ParseLimits,
    refused: dict[Path, InputError],
) -> int:
    """Check ``files[start:]`` in one child; the index to go on from (past the end when
    the child finished, past the file it died on when it did not)."""
    context = forkserver_context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_parse_in_child,
        args=(sender, files, start, input_format, base_iri, limits, current_language()),
        daemon=True,
    )
    process.start()
    sender.close()
    current = start
    deadline = time.monotonic() + limits.seconds
    try:
        while True:
            if not receiver.poll(max(0.0, deadline - time.monotonic())):
                refused[files[current]] = InputError(
                    files[current],
                    f"parsing took longer than {limits.seconds:g} s, the limit per file "
                    "(--max-seconds)",
                )
                return current + 1
            message = receiver.recv()
            if isinstance(message, int):
                current = message
                deadline = time.monotonic() + limits.seconds
            elif isinstance(message, _Refused):
                path = files[message.index]
                refused[path] = InputError(path, message.message, message.line, message.column)
            else:
                return len(files)
    except (EOFError, OSError):
        process.join(5)
        refused[files[current]] = InputError(files[current], _died(process.exitcode, limits))
        return current + 1
    finally:
        process.kill()
        process.join(1)
        receiver.close()


def _died(exitcode: int | None, limits: ParseLimits) -> str:
    how = "stopped"
    if exitcode is not None and exitcode < 0:
        how = f"was killed by {signal.Signals(-exitcode).name}"
    elif exitcode is not None:
        how = f"exited with {exitcode}"
    cap = f" of {limits.memory_mb} MiB (--max-memory)" if limits.memory_mb else ""
    return f"the parser {how} on this file; most likely it needed more than the memory limit{cap}"


def _parse_in_child(
    connection: Connection,
    files: list[Path],
    start: int,
    input_format: str | None,
    base_iri: str | None,
    limits: ParseLimits,
    lang: str,
) -> None:
    # Everything the parent needs comes through the pipe; what a dying native parser
    # prints ("memory allocation of … failed") would only clutter the report.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    cap_memory(limits.memory_mb)
    # The parser's errors are worded in the language of the command that reads the file.
    with language(lang):
        for index in range(start, len(files)):
            connection.send(index)
            try:
                _count(files[index], input_format, base_iri, limits.max_triples)
            except InputError as error:
                connection.send(_Refused(index, error.message, error.line, error.column))
            except MemoryError:
                message = f"parsing needed more than the memory limit of {limits.memory_mb} MiB"
                connection.send(_Refused(index, message + " (--max-memory)"))
            except Exception as error:  # a parser failure of ours: named, never a traceback
                failure = f"the parser failed: {type(error).__name__}: {error}"
                connection.send(_Refused(index, failure))
    connection.send(None)
    connection.close()


def _count(path: Path, input_format: str | None, base_iri: str | None, max_triples: int) -> None:
    for count, _ in enumerate(iter_triples(path, input_format, base_iri), start=1):
        if count > max_triples:
            raise InputError(
                path,
                f"the file holds more than {max_triples:,} triples, the limit per file "
                "(--max-triples); split it or raise the limit",
            )
