"""``medins demo``: a synthetic hospital month through every step, ending in the HTML report.

The README's main job: it needs nothing but the installed distributions (the schemes of the
installed plugins; the national platform adapter's simulated bureau for the settle step) and
writes everything under ``--out``. Deterministic: the same seed gives the same files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from medins_sdk.clients import SettlementSimulator
from medins_sdk.commands import CommandContext
from medins_sdk.demo.pipeline import FAULTS, DemoOptions, run_demo


class DemoCommand:
    """Generate a month, validate, price under every scheme, audit, settle, reconcile, report."""

    name = "demo"
    help = "run a synthetic hospital month through every step and write the HTML report"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--out", type=Path, default=Path("demo-output"), help="output directory"
        )
        parser.add_argument("--cases", type=int, default=2000, help="encounters (2000)")
        parser.add_argument("--seed", type=int, default=2024, help="random seed (2024)")
        parser.add_argument("--month", default="2024-10", help="YYYY-MM of discharge")
        parser.add_argument("--scheme", help="scheme of the report (first grouping scheme)")
        parser.add_argument(
            "--faults",
            default=FAULTS,
            help="faults of the simulated bureau (see `medins simulate-bureau --help`)",
        )

    def run(self, args: argparse.Namespace, context: CommandContext) -> int:
        try:
            year, month = (int(part) for part in args.month.split("-"))
        except ValueError:
            context.stderr.write(f"medins: --month {args.month!r} is not YYYY-MM\n")
            return 2
        if args.cases < 1 or not 1 <= month <= 12:
            context.stderr.write("medins: --cases must be positive and --month a real month\n")
            return 2
        registry = context.plugins.registry
        if args.scheme is not None and args.scheme not in registry.schemes:
            context.stderr.write(f"medins: no scheme {args.scheme!r} is installed\n")
            return 2
        simulator = next(
            (f for f in registry.clients.values() if isinstance(f, SettlementSimulator)), None
        )
        options = DemoOptions(
            out=args.out,
            cases=args.cases,
            seed=args.seed,
            year=year,
            month=month,
            report_scheme=args.scheme,
            faults=args.faults,
        )
        summary = run_demo(options, registry, simulator, context.stderr)
        settled = summary.settled
        out = context.stdout
        out.write(f"\n{summary.accepted} encounters priced under {len(summary.totals)} schemes:\n")
        for totals in summary.totals:
            out.write(
                f"  {totals.scheme:<20} {totals.cases:>6} cases  paid {totals.payment:>16,.2f}"
                f"  balance {totals.balance:>15,.2f}\n"
            )
        out.write(f"audit: {summary.findings} findings, {summary.at_risk:,.2f} 元 at risk\n")
        if settled is not None:
            status = "balanced (平)" if settled.balanced else "NOT balanced (不平)"
            out.write(
                f"settled {settled.settlements} with faults ({settled.faults_text}): {status}, "
                f"{settled.one_sided} one-sided accounts, {settled.double_settlements} double "
                "settlements\n"
            )
        out.write(f"report: {summary.report}\n")
        unbalanced = settled is not None and not (
            settled.balanced and settled.one_sided == 0 and settled.double_settlements == 0
        )
        return 3 if unbalanced else 0
