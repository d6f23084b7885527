"""A loopback double of the bureau, for the adapter's tests, end-to-end tests and the demo.

* :class:`~.server.BureauSimulator` — the HTTP server;
* :class:`~.books.Books` — its state: settlements, refunds, balances, files;
* :class:`~.rules.SplitRules` — how it splits a settlement between fund, account and cash;
* :class:`~.faults.FaultPlan` — the faults it injects, from a spec.
"""

from medins_adapter_national_platform.simulator.books import Books, Entry
from medins_adapter_national_platform.simulator.faults import FaultPlan, FaultSpecError
from medins_adapter_national_platform.simulator.rules import SplitRules
from medins_adapter_national_platform.simulator.server import BureauSimulator

__all__ = ["Books", "BureauSimulator", "Entry", "FaultPlan", "FaultSpecError", "SplitRules"]
