"""Reusable pricing pieces (DESIGN: weights × rate, score × point value, outliers).

Regions differ in numbers, not in arithmetic: a plugin loads its rates pack and hands it to
these classes. :mod:`~medins_sdk.pricing.weights` reads weight tables,
:mod:`~medins_sdk.pricing.outliers` judges high- and low-cost cases,
:mod:`~medins_sdk.pricing.drg` prices DRG groups and builds rates packs
(``python -m medins_sdk.pricing.drg``), :mod:`~medins_sdk.pricing.dip` prices DIP cases
(case score × hospital coefficient × point value) and
:mod:`~medins_sdk.pricing.dip_settlement` computes point values and settles a period's cases
against the fund to the cent. Import from the submodules; this package re-exports
nothing, so that running a submodule as a script imports it once.
"""
