"""municipal-roles: ontology, data, shapes and Linked Data publisher for municipal roles."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("municipal-roles")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
