"""What ``serve`` and its query processes import before the first answer: the modules
left out here cost start-up time at every ``serve`` (bench/serve/startup.py), in the
master and, for the query processes' preload, in every web worker's fork server.

Each check runs a fresh interpreter, since this test session has imported everything."""

import json
import subprocess
import sys
from functools import cache

import pytest


@cache
def imported_by(module: str) -> frozenset[str]:
    """The modules a fresh interpreter holds after importing ``module``."""
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return frozenset(json.loads(done.stdout))


def test_the_query_processes_preload_is_small() -> None:
    # rdflib was most of the fork server's start; the guard's parser runs in the web
    # worker only; Babel translates in the web worker; importlib.metadata reads the
    # installed version, which only a build records.
    loaded = imported_by("publisher.store.worker")
    assert "pyoxigraph" in loaded  # the check sees what the module imports
    for heavy in ("rdflib", "tree_sitter", "babel", "importlib.metadata", "flask"):
        assert heavy not in loaded, f"publisher.store.worker imports {heavy}"


@pytest.mark.parametrize(
    "heavy",
    [
        "publisher.build.pipeline",  # the build: owlrl, reasonable, the SHACL validator
        "pyshacl",
        "owlrl",
        "openpyxl",  # the stewards' spreadsheets, read in an upload's child process
        "csvw",
        "httpx",  # only an external store's client
        "graphviz",  # lays out org charts at build time; the server reads them
        "filelock",  # the build's lock
        "publisher.cli.build",
        "publisher.cli.validate",
    ],
)
def test_serve_starts_without(heavy: str) -> None:
    loaded = imported_by("publisher.cli.serve")
    assert "publisher.web.app" in loaded  # imported once in the master, before the fork
    assert heavy not in loaded, f"municipal-roles serve imports {heavy}"
