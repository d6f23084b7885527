"""medins-sdk: Chinese medical insurance (医保) for hospital information systems.

The public surface is re-exported here; submodules hold the detail:
``medins_sdk.models`` (data models), ``medins_sdk.codes`` (code tables),
``medins_sdk.io`` (reading and writing records), ``medins_sdk.plugins``
(the plugin manager) and ``medins_sdk.hookspecs`` (the hooks plugins implement).
"""

__version__ = "0.1.0"
