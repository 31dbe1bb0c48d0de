"""municipal-roles: ontology, data, shapes and Linked Data publisher for municipal roles."""


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed metadata when first asked for: every process
    imports this package (a query process's fork server too), and importlib.metadata costs
    tens of milliseconds of start-up that only a build needs."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("municipal-roles")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+source"
