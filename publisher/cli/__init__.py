"""The ``municipal-roles`` command line: one click group, one module per subcommand.

Each subcommand's module is imported only when that subcommand runs (or help lists it):
``serve`` is then not slowed by the build's reasoners, the spreadsheets' readers and the
validator, none of which it needs before its first answer (bench/serve/startup.py).

Exit codes (DESIGN §6): 0 success or conforms, 1 does not conform, 2 usage or input error.
"""

from importlib import import_module

import click

# Subcommand name -> "module:attribute" of its click command.
SUBCOMMANDS = {
    "build": "publisher.cli.build:build",
    "serve": "publisher.cli.serve:serve",
    "query": "publisher.cli.query:query",
    "validate": "publisher.cli.validate:validate",
    "template": "publisher.cli.template:template",
    "import": "publisher.cli.sheets_import:sheets_import",
    "export": "publisher.cli.sheets_export:export",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's documented pattern,
    "Lazily Loading Subcommands")."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *SUBCOMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = SUBCOMMANDS[cmd_name].partition(":")
        command = getattr(import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{SUBCOMMANDS[cmd_name]} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="municipal-roles")
def main() -> None:
    """Municipal government roles: build, validate, query and publish the dataset."""
