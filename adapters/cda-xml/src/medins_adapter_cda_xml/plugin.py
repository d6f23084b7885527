"""The adapter's hook implementations: the CDA reader and one reader per vendor mapping.

Mappings are data: the ones shipped in ``mappings/`` and every ``*.toml`` file found in the
files and directories listed in ``MEDINS_XML_MAPPINGS`` (separated like ``PATH``). A
mapping that does not load makes this hook raise, so ``medins plugins`` shows the file and
the key at fault instead of a reader quietly missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from importlib.resources import as_file, files
from pathlib import Path

from medins_adapter_cda_xml.mapping import load_mapping
from medins_adapter_cda_xml.readers import CdaReader
from medins_sdk.hookspecs import hookimpl
from medins_sdk.io.formats import DocumentReader

MAPPINGS_ENV = "MEDINS_XML_MAPPINGS"
"""Files or directories of vendor mappings (``*.toml``) to register as readers."""


def mapping_files() -> Iterator[Path]:
    """The shipped mappings, then those ``MEDINS_XML_MAPPINGS`` names, each sorted by name."""
    with as_file(files(__package__).joinpath("mappings")) as shipped:
        yield from sorted(shipped.glob("*.toml"))
    for entry in os.environ.get(MAPPINGS_ENV, "").split(os.pathsep):
        if not entry:
            continue
        path = Path(entry)
        yield from sorted(path.glob("*.toml")) if path.is_dir() else [path]


@hookimpl
def medins_register_readers() -> Iterable[DocumentReader]:
    return [CdaReader(), *(load_mapping(path) for path in mapping_files())]
