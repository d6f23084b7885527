"""The national CHS-DRG 1.1 grouping for medins-sdk: a regional implementer's starting point.

Registers the scheme ``chs-drg-1.1`` (every region): grouping with the national 1.1 rule pack on
the core CHS-DRG engine; pricing from a rates pack the user supplies (weights and base rate),
named by the ``MEDINS_CHS_DRG_RATES`` environment variable.
"""

__version__ = "0.1.0"
