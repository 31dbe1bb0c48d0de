"""The network wall of query processes, checked before any query runs (``serve``, ``query``)."""

from rich.markup import escape

from publisher.cli.console import err, fail
from publisher.sandbox import NetworkWallError, probe_network_wall


def require_network_wall(allow_unwalled: bool) -> None:
    """Leave with exit 2 and what to change where a query process could not be cut off
    from the network, unless ``allow_unwalled`` (MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES)
    accepts the risk: then warn, loudly, and go on."""
    try:
        probe_network_wall()
    except NetworkWallError as error:
        if not allow_unwalled:
            fail(
                f"query processes cannot be cut off from the network: {error}. Or set "
                "MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES=1 to run them with network access"
            )
        err.print(
            "[bold red]WARNING:[/] queries run WITH NETWORK ACCESS "
            f"(MUNICIPAL_ROLES_ALLOW_UNWALLED_QUERIES): {escape(str(error))}",
            highlight=False,
            soft_wrap=True,
        )
