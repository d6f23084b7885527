"""Settlement ledger and reconciliation with the bureau (对总账 / 对明细账).

* :mod:`~medins_sdk.reconcile.ledger` — the durable store of settlements, refunds, uploads and
  the bureau's raw answers (SQLite by path, PostgreSQL by DSN), in seed 002's write order;
* :mod:`~medins_sdk.reconcile.compare` — totals per (insutype, setl_optins, clr_type) and the
  detail, settlement by settlement, with each difference classified;
* :mod:`~medins_sdk.reconcile.statements` — reading either side from JSON, CSV or 3202 files;
* :mod:`~medins_sdk.reconcile.columnar` — the same comparison on Polars frames, for months of
  a city (needs the ``columnar`` extra);
* :mod:`~medins_sdk.reconcile.report` — the monthly report by category.

The contracts plugins implement, :class:`ClearingCategory` and :class:`StatementReader`, are
importable from here.
"""

from medins_sdk.reconcile.contracts import ClearingCategory, StatementReader

__all__ = ["ClearingCategory", "StatementReader"]
