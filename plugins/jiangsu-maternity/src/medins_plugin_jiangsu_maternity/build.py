"""Rebuild the pack: expand each code list's prefixes into the insurance editions' codes.

A reviewer reads the definitions (``O72``, ``74.1`` …) with their sources; the plugin prices
with the exact codes they expand to in ICD-10 医保版 2.0 / ICD-9-CM-3 医保版 2.0 (the
OpenDRG tables the core ships, identical to ``shared/data/opendrg/icd``), names included. A
prefix that expands to nothing is an error, so a mistyped code cannot silently empty a list.
After editing a definition or a parameter, run::

    python -m medins_plugin_jiangsu_maternity.build

which rewrites ``code_lists.json`` and the manifest's checksums in place (``-o DIR`` writes a
copy elsewhere; the test suite does so and compares the bytes with the shipped pack).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from medins_plugin_jiangsu_maternity.pack import (
    CODE_LISTS,
    CodeListSpec,
    System,
    parse_code_lists,
    shipped_pack_dir,
)
from medins_sdk.codes import CodeSet, icd9_insurance, icd10_insurance
from medins_sdk.packs import MANIFEST, PackData, PackError, PackManifest, pack_json, write_pack_dir


def edition(system: System) -> CodeSet:
    """The insurance edition a list of ``system`` is expanded in and checked against."""
    return icd10_insurance() if system == "icd10" else icd9_insurance()


def expand(name: str, spec: CodeListSpec) -> CodeListSpec:
    """``spec`` with ``codes`` = every edition code starting with one of its prefixes."""
    table = edition(spec.system)
    codes: dict[str, str] = {}
    for prefix in spec.prefixes:
        found = table.startswith(prefix)
        if not found:
            raise PackError(f"{CODE_LISTS}: list {name}: no {table.name} code starts {prefix}")
        codes.update((code, table.name_of(code) or "") for code in found)
    return spec.model_copy(update={"codes": dict(sorted(codes.items()))})


def dump_code_lists(specs: Mapping[str, CodeListSpec]) -> bytes:
    """``code_lists.json`` in the packs' one JSON style."""
    return pack_json(
        {name: json.loads(spec.model_dump_json(exclude_none=True)) for name, spec in specs.items()}
    )


def build(source: Path, out: Path) -> PackManifest:
    """Expand the pack in ``source`` (checksums not checked: this is what rewrites them)
    into ``out``; the manifest's parameters are copied as they are."""
    manifest = PackManifest.model_validate_json((source / MANIFEST).read_bytes())
    specs = parse_code_lists((source / CODE_LISTS).read_bytes())
    expanded = {name: expand(name, spec) for name, spec in sorted(specs.items())}
    listed = PackData(
        CODE_LISTS,
        dump_code_lists(expanded),
        "code lists deciding the channel: per list its role (complication, caesarean, "
        "delivery, additional-operation), code system, prefixes, source, and the "
        "insurance-edition codes they expand to, with their names",
        "definitions: seed 000 and this plugin (see each list's source); codes and names: "
        "OpenDRG ICD-10 医保版 2.0 / ICD-9-CM-3 医保版 2.0 (Apache-2.0)",
    )
    return write_pack_dir(out, manifest, [listed])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shipped = Path(str(shipped_pack_dir()))
    parser.add_argument("--pack", type=Path, default=shipped, help="pack to rebuild")
    parser.add_argument("-o", "--out", type=Path, help="write here (default: in place)")
    args = parser.parse_args(argv)
    build(args.pack, args.out or args.pack)


if __name__ == "__main__":
    main()
