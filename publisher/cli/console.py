"""How the command line talks to a person: errors with exit codes, progress, shared options.

Exit codes (DESIGN §6): 0 success or conforms, 1 does not conform, 2 usage or input error.
"""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console
from rich.markup import escape

from publisher.build.snapshot import default_home
from publisher.i18n import _
from publisher.rdf.formats import Format, find_format
from publisher.validation.terminal import terminal_safe

EXIT_OK, EXIT_NONCONFORMING, EXIT_INPUT = 0, 1, 2

err = Console(stderr=True)


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    """Print an error for a person and leave with the given exit code; the message is
    shown as written (file names may hold ``[`` or escape sequences), never as markup."""
    shown = escape(terminal_safe(message, keep="\n\t"))
    label = escape(_("error:"))
    err.print(f"[bold red]{label}[/] {shown}", highlight=False, soft_wrap=True)
    sys.exit(code)


@contextmanager
def progress(text: str) -> Iterator[Callable[[str], None]]:
    """A spinner naming the current step on a terminal; silent when piped."""
    if not err.is_terminal:
        yield lambda _: None
        return
    with err.status(text) as status:
        yield lambda step: status.update(step)


home_option = click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    default=default_home,
    show_default="$MUNICIPAL_ROLES_HOME or the user data folder",
    help="Folder that holds the snapshots.",
)


class FormatChoice(click.ParamType[Format, object]):
    """A format of ``publisher.rdf.formats`` by any of its names (``turtle``, ``ttl`` ...);
    the help lists the one spelling of each."""

    name = "format"

    def __init__(self, formats: tuple[Format, ...]) -> None:
        self.formats = formats

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(fmt.name for fmt in self.formats) + "]"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> Format:
        if isinstance(value, Format):
            return value
        found = find_format(self.formats, str(value))
        if found is None:
            names = ", ".join(fmt.name for fmt in self.formats)
            self.fail(f"{value!r} is not one of {names}", param, ctx)
        return found
