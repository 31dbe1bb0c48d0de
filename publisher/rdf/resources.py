"""Where the shipped ontology, shapes, data and queries are, installed or in a checkout.

A wheel carries them under ``publisher/bundled/``; an editable install or a source
checkout reads them from the repository's top-level folders, so edits show at once.
"""

from pathlib import Path

# This module is publisher/rdf/resources.py; the bundle sits beside the package root.
_PACKAGE = Path(__file__).resolve().parent.parent
_BUNDLED = _PACKAGE / "bundled"
_ROOT = _BUNDLED if _BUNDLED.is_dir() else _PACKAGE.parent


def resource_dir(name: str) -> Path:
    """The folder of one kind of shipped file: ontology, shapes, data or queries."""
    if name not in {"ontology", "shapes", "data", "queries"}:
        raise ValueError(f"unknown resource folder {name!r}")
    return _ROOT / name


def turtle_files(name: str) -> list[Path]:
    """Every Turtle file of one resource folder, sorted so builds are reproducible."""
    return sorted(resource_dir(name).rglob("*.ttl"))


ONTOLOGY_FILE = resource_dir("ontology") / "municipal-roles.ttl"
