"""Reusable pricing pieces (DESIGN: weights × rate, score × point value, outliers).

Regions differ in numbers, not in arithmetic: a plugin loads its rates pack and hands it to
these classes. :mod:`~medins_sdk.pricing.weights` reads weight tables,
:mod:`~medins_sdk.pricing.outliers` judges high- and low-cost cases, and
:mod:`~medins_sdk.pricing.drg` prices DRG groups and builds rates packs
(``python -m medins_sdk.pricing.drg``). Import from the submodules; this package re-exports
nothing, so that running a submodule as a script imports it once.
"""
