"""Hypothesis profiles for the core's tests.

``medins`` (the default) keeps the whole property suite to well under a minute on two cores;
``thorough`` is for a nightly run or after touching models, money or the reader
(``pytest --hypothesis-profile thorough``). Deadlines are off: the first example of a run
loads the ICD tables, and timing belongs to ``benchmarks/``, not to tests.
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("medins", max_examples=25, deadline=None, print_blob=True)
settings.register_profile("thorough", max_examples=500, deadline=None, print_blob=True)
settings.load_profile("medins")
