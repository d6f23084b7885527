"""CLI commands: the ``Command`` contract and the core's own commands.

Every ``medins`` verb, the core's included, is a :class:`Command` registered through the
``medins_register_commands`` hook, so plugins add verbs (``medins report maternity``) on the
same machinery. A name with a space is a sub-command of the first word.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TextIO, runtime_checkable

if TYPE_CHECKING:
    from medins_sdk.plugins import PluginManager


@dataclass(frozen=True, slots=True)
class CommandContext:
    """What a command runs with: the loaded plugins and the output streams."""

    plugins: PluginManager
    stdout: TextIO
    stderr: TextIO


@runtime_checkable
class Command(Protocol):
    """One ``medins`` verb."""

    @property
    def name(self) -> str:
        """``validate``, or ``report maternity`` for a sub-command of ``report``."""
        ...

    @property
    def help(self) -> str:
        """One line for ``medins --help``."""
        ...

    def configure(self, parser: argparse.ArgumentParser) -> None:
        """Add the command's arguments to its parser."""
        ...

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        """Run and return the exit code (0 ok, 1 rejected input, 2 usage error …)."""
        ...
