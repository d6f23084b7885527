"""The adapter's hook implementations: the ``national-platform`` client factory and its verbs."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from medins_adapter_national_platform.client import PlatformClient
from medins_adapter_national_platform.commands import PlatformDayCommand, SimulateBureauCommand
from medins_adapter_national_platform.day import terminals_day
from medins_adapter_national_platform.envelope import Institution
from medins_adapter_national_platform.masking import adapter_logger
from medins_adapter_national_platform.msgid import MsgIdGenerator
from medins_sdk.clients import ClientFactory, SettledMonth
from medins_sdk.commands import Command
from medins_sdk.hookspecs import hookimpl
from medins_sdk.models import Encounter
from medins_sdk.reconcile.ledger import Ledger


class NationalPlatformClients:
    """Builds :class:`PlatformClient` objects from plain options (a configuration file's).

    Options: ``url``; ``institution`` (an :class:`Institution` or a mapping of its fields);
    ``ledger`` (a :class:`Ledger`, or a SQLite path / PostgreSQL DSN to open); ``msgid_state``
    (the msgid state file); and any keyword of :class:`PlatformClient`.
    """

    name = "national-platform"
    description = "national medical insurance platform over HTTP (requests), with recovery"

    def create(self, **options: Any) -> PlatformClient:
        """A client configured by ``options`` (see the class docstring)."""
        url = options.pop("url")
        institution = options.pop("institution")
        if not isinstance(institution, Institution):
            institution = Institution(**institution)
        ledger = options.pop("ledger", None)
        if isinstance(ledger, str | Path):
            ledger = Ledger.open(ledger)
        state = options.pop("msgid_state", None)
        msgids = MsgIdGenerator(institution.fixmedins_code, state)
        return PlatformClient(url, institution, ledger=ledger, msgids=msgids, **options)

    def settle_month(
        self, encounters: Iterable[Encounter], *, day: date, out: Path, faults: str, seed: int
    ) -> SettledMonth:
        """The demo's settle step (:class:`~medins_sdk.clients.SettlementSimulator`): every
        encounter settled on ``day`` by two cashier terminals against a loopback simulator
        injecting ``faults``, with recovery and reconciliation (:func:`terminals_day`); the
        terminals' ledgers are ``out/ledger-N.sqlite`` (a previous run's are replaced) and the
        clients' log (masked) ``out/platform.log``, not the terminal."""
        for stale in [*out.glob("ledger-*.sqlite*"), out / "msgid.state"]:
            stale.unlink(missing_ok=True)
        plan = f"{faults};seed={seed}" if faults else f"seed={seed}"
        with _logged_to(out / "platform.log"):
            summary = terminals_day(encounters, folder=out, day=day, faults=plan, seed=seed)
        return SettledMonth(
            settlements=summary.settled,
            refunds=summary.refunds,
            faults=summary.faults,
            recovered=summary.recovered,
            reversed=summary.reversed,
            one_sided=summary.one_sided,
            double_settlements=summary.double_settlements,
            balanced=summary.balanced,
            reconciliation=[row.model_dump(mode="json") for row in summary.rows],
        )


@contextmanager
def _logged_to(path: Path) -> Iterator[None]:
    """The adapter's log records go to ``path`` only, for the duration."""
    logger = adapter_logger()
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.setLevel(level)
        logger.propagate = propagate


@hookimpl
def medins_register_clients() -> Iterable[ClientFactory]:
    return [NationalPlatformClients()]


@hookimpl
def medins_register_commands() -> Iterable[Command]:
    return [SimulateBureauCommand(), PlatformDayCommand()]
