"""``medins plugins``: what is installed, what each plugin registers and what went wrong.

A broken plugin does not stop ``medins`` (its error is recorded and the rest keeps working),
so this command is where a user sees why a scheme is missing or a name is unusable.
"""

from __future__ import annotations

import argparse
import json
import textwrap

from medins_sdk.commands import CommandContext
from medins_sdk.io.output import Column, TableWriter
from medins_sdk.plugins import PluginInfo

_COLUMNS = (
    Column[PluginInfo]("name", 20, lambda info: info.name),
    Column[PluginInfo]("distribution", 34, lambda info: info.distribution),
    Column[PluginInfo]("version", 10, lambda info: info.version),
    Column[PluginInfo]("status", 11, lambda info: info.status),
)
_WIDTH = 100
_INDENT = "    "


class PluginsCommand:
    """List every plugin found, loaded or not, with its registrations and errors."""

    name = "plugins"
    help = "list installed plugins, what they register and load errors"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--json",
            action="store_true",
            help="print a JSON array, one object per plugin (registry warnings go to stderr)",
        )

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        infos = context.plugins.plugins()
        problems = context.plugins.registry.problems()
        out = context.stdout
        if args.json:
            json.dump([info.to_json() for info in infos], out, ensure_ascii=False, indent=2)
            out.write("\n")
            # Keep stdout a clean JSON document; scripts still see the warnings.
            for problem in problems:
                context.stderr.write(f"medins: warning: {problem}\n")
            return 0
        table = TableWriter(out, _COLUMNS)
        for info in infos:
            table.write(info)
            for kind, keys in info.registers.items():
                line = textwrap.fill(
                    ", ".join(keys),
                    width=_WIDTH,
                    initial_indent=f"{_INDENT}{kind}: ",
                    subsequent_indent=_INDENT * 2,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
                out.write(line + "\n")
            for error in info.errors:
                out.write(f"{_INDENT}error: " + error.replace("\n", "\n" + _INDENT * 2) + "\n")
        for problem in problems:
            out.write(f"warning: {problem}\n")
        return 0
