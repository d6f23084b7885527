"""EXAMPLE medins-sdk plugin: per-diem payment (按床日付费) with made-up rates.

A template for plugin authors, not a scheme any region uses: its daily rates are example
parameters with no official source and must not be used for settlement. See README.md.
"""

__version__ = "0.1.0"
