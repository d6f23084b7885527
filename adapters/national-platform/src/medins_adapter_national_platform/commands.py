"""The adapter's ``medins`` verbs: ``simulate-bureau`` and ``platform day``.

``medins simulate-bureau [--port P] [--faults SPEC]`` serves a simulated bureau on loopback
until interrupted; ``medins platform day [--settlements N] [--seed S] [--faults SPEC]`` runs
a hospital day against one started for the run and prints whether it ended balanced (exit
code 0) or not (1).
"""

from __future__ import annotations

import argparse
import json
from datetime import date

from medins_adapter_national_platform.day import simulated_day
from medins_adapter_national_platform.signer import HmacSm3Signer
from medins_adapter_national_platform.simulator import (
    Books,
    BureauSimulator,
    FaultPlan,
    FaultSpecError,
)
from medins_sdk.commands import CommandContext

DEFAULT_DAY_FAULTS = "latency:1-3=0.05;drop-after=0.03@2304;duplicate=0.02@2304+2305"
"""The day's faults unless ``--faults`` is given: a few percent of settlements lose their
answer after the bureau committed them."""


def _faults(args: argparse.Namespace) -> FaultPlan:
    try:
        plan = FaultPlan.parse(args.faults)
    except FaultSpecError as error:
        raise SystemExit(f"--faults: {error}") from None
    if args.seed is not None:
        plan = FaultPlan(args.seed, plan.rules)
    return plan


class SimulateBureauCommand:
    """Serve a simulated bureau (see the module docstring)."""

    name = "simulate-bureau"
    help = "serve a simulated national-platform bureau on loopback, with optional fault injection"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        """``--host``, ``--port``, ``--faults``, ``--seed``, ``--day``, sign-in and signing."""
        parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8089, help="port (default 8089; 0: any)")
        parser.add_argument(
            "--faults",
            default="",
            metavar="SPEC",
            help="e.g. 'seed=7;latency:1-5=0.1;drop-after=0.03@2304;error=0.02;duplicate=0.02'",
        )
        parser.add_argument("--seed", type=int, help="the faults' seed (overrides seed= in SPEC)")
        parser.add_argument(
            "--day",
            type=date.fromisoformat,
            default=date(2026, 11, 23),
            help="business day of the books' clock (yyyy-MM-dd)",
        )
        parser.add_argument(
            "--require-sign-in", action="store_true", help="refuse messages without a 9001 sign_no"
        )
        parser.add_argument(
            "--hmac-sm3-key", metavar="KEY", help="verify every message's HMAC-SM3 cainfo"
        )

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        """Serve until interrupted."""
        books = Books(day=args.day, require_sign_in=args.require_sign_in)
        signer = HmacSm3Signer(args.hmac_sm3_key.encode()) if args.hmac_sm3_key else None
        simulator = BureauSimulator(
            books, faults=_faults(args), host=args.host, port=args.port, signer=signer
        )
        context.stdout.write(f"simulated bureau listening on {simulator.url}\n")
        context.stdout.flush()
        try:
            simulator.serve_forever()
        except KeyboardInterrupt:
            context.stdout.write("stopped\n")
        return 0


class PlatformDayCommand:
    """Run a hospital day against a simulated bureau (see the module docstring)."""

    name = "platform day"
    help = (
        "run a hospital day (charges, settlement, lists, reconciliation) against a simulated "
        "bureau with faults, and show it ends balanced"
    )

    def configure(self, parser: argparse.ArgumentParser) -> None:
        """``--settlements``, ``--seed``, ``--faults``, ``--ledger``, ``--format``."""
        parser.add_argument("--settlements", type=int, default=200, help="visits (default 200)")
        parser.add_argument("--seed", type=int, default=0, help="seed of the day and its faults")
        parser.add_argument(
            "--faults",
            default=DEFAULT_DAY_FAULTS,
            metavar="SPEC",
            help=f"fault spec (default {DEFAULT_DAY_FAULTS!r}; '' for none)",
        )
        parser.add_argument("--ledger", metavar="PATH", help="SQLite ledger (default: temporary)")
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        """Run the day and print its summary; 0 when it ended balanced."""
        if args.settlements < 1:
            context.stderr.write("--settlements must be at least 1\n")
            return 2
        summary = simulated_day(
            settlements=args.settlements, seed=args.seed, faults=_faults(args), ledger=args.ledger
        )
        if args.format == "json":
            context.stdout.write(json.dumps(summary.to_json(), ensure_ascii=False) + "\n")
        else:
            context.stdout.write(summary.text())
        return 0 if summary.balanced else 1
