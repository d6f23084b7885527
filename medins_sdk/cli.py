"""The ``medins`` command: every verb is a registered :class:`~medins_sdk.commands.Command`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from medins_sdk import __version__
from medins_sdk.commands import Command, CommandContext
from medins_sdk.plugins import PluginError, PluginManager, get_plugin_manager
from medins_sdk.privacy import PiiMaskingFilter


def build_parser(commands: Sequence[Command]) -> argparse.ArgumentParser:
    """The argument parser of every registered command; ``a b`` names nest under ``a``."""
    parser = argparse.ArgumentParser(
        prog="medins",
        description="Chinese medical insurance toolkit: validate, group, price, audit, reconcile.",
    )
    parser.add_argument("--version", action="version", version=f"medins-sdk {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    top = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
    for command in sorted(commands, key=lambda c: c.name):
        head, _, tail = command.name.partition(" ")
        if tail:
            if head not in groups:
                group = top.add_parser(head, help=f"{head} sub-commands")
                groups[head] = group.add_subparsers(
                    dest=f"{head}_command", metavar="NAME", required=True
                )
            sub = groups[head].add_parser(tail, help=command.help, description=command.help)
        else:
            sub = top.add_parser(head, help=command.help, description=command.help)
        command.configure(sub)
        sub.set_defaults(handler=command)
    return parser


def _configure_logging(verbose: bool, stderr: TextIO) -> None:
    handler = logging.StreamHandler(stderr)
    handler.addFilter(PiiMaskingFilter())
    handler.setFormatter(logging.Formatter("medins: %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("medins_sdk")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO if verbose else logging.WARNING)


def main(
    argv: Sequence[str] | None = None,
    *,
    plugins: PluginManager | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run ``medins`` with ``argv`` and return its exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        manager = plugins or get_plugin_manager()
        commands = list(manager.registry.commands.values())
    except PluginError as error:
        err.write(f"medins: plugin error: {error}\n")
        return 2
    parser = build_parser(commands)
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, err)
    handler: Command | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(err)
        return 2
    try:
        return handler.run(args, CommandContext(manager, out, err))
    except BrokenPipeError:
        # The reader went away (``medins … | head``): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
