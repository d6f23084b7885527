"""Reports over many cases: what a hospital insurance office compares by ward, doctor and group.

:mod:`~medins_sdk.reports.drg` builds the DRG case-mix report (cases, CMI, means, cost and
time consumption indices, balance) from priced cases and a regional benchmark
(:mod:`~medins_sdk.reports.benchmark`). Import from the submodules.
"""
