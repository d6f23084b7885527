"""Rule packs: versioned directories of rule data with a checksummed manifest.

Grouping tables, weights, scores, rates, thresholds and audit knowledge are data, not code
(DESIGN: "rule data, not rule code"). A pack is a directory holding ``manifest.json`` and the
files it lists; the manifest says which scheme and region the pack serves, its version and
effective dates, and the source and licence of each file, with each file's sha256 so that a
pack edited after review fails to load instead of paying with unreviewed numbers. A number
that has no primary source is a ``parameter`` whose ``source`` says so.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from medins_sdk.codes import patterns

MANIFEST = "manifest.json"


class PackError(ValueError):
    """A pack that cannot be trusted: damaged, inconsistent or incomplete; names the file."""


class _ManifestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackFile(_ManifestModel):
    """A data file of the pack."""

    path: str = Field(min_length=1, description="path inside the pack directory")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="hex digest of the file's bytes")
    description: str = Field(description="what the file holds")
    source: str | None = Field(None, description="where the data comes from (default: the pack's)")
    licence: str | None = Field(None, description="the data's licence (default: the pack's)")


class PackParameter(_ManifestModel):
    """A single number of the scheme (a threshold, a rate) with where it comes from."""

    name: str = Field(min_length=1)
    value: str = Field(description="the value as written (decimal numbers as exact strings)")
    unit: str = ""
    description: str = ""
    source: str | None = Field(
        None, description="primary source; None means no source is at hand: configurable"
    )


class PackManifest(_ManifestModel):
    """``manifest.json``: what the pack is, where its data comes from, and checksums."""

    scheme: str = Field(min_length=1, description="scheme (or knowledge base) the pack serves")
    region: str | None = Field(None, pattern=patterns.REGION, description="admdvs, or None")
    version: str = Field(min_length=1)
    title: str
    effective_from: date
    effective_to: date | None = None
    source: str = Field(description="where the pack's rules come from")
    licence: str
    files: list[PackFile] = Field(default_factory=list)
    parameters: list[PackParameter] = Field(default_factory=list)

    def parameter(self, name: str) -> PackParameter:
        """The parameter called ``name``, or :class:`PackError` naming the pack."""
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise PackError(f"pack {self.scheme} {self.version} has no parameter {name!r}")


class RulePack:
    """A loaded pack whose every listed file matched its checksum.

    Files are read once, verified, and served from those very bytes, so nothing can change
    between the check and the use.
    """

    def __init__(self, manifest: PackManifest, contents: dict[str, bytes]) -> None:
        self.manifest = manifest
        self._contents = contents

    def data(self, path: str) -> bytes:
        """The verified bytes of ``path``; :class:`PackError` if the manifest does not list it."""
        try:
            return self._contents[path]
        except KeyError:
            raise PackError(
                f"{MANIFEST} of {self.manifest.scheme} does not list {path}, so it cannot be "
                "verified"
            ) from None

    def text(self, path: str) -> str:
        """The verified file as text (UTF-8, a byte-order mark tolerated)."""
        return self.data(path).decode("utf-8-sig")


def sha256_hex(data: bytes) -> str:
    """The checksum a manifest records for ``data``."""
    return hashlib.sha256(data).hexdigest()


_SPLIT_DEPTH: Final = 2
_SPLIT_WIDTH: Final = 160


def _json(value: object, depth: int = 0) -> str:
    """Compact JSON, with a long container one entry per line down to :data:`_SPLIT_DEPTH`.

    Packs are megabytes of code lists: fully indented they double in size, fully compact a
    change to one ADRG is a diff of one enormous line. This keeps both small.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if depth >= _SPLIT_DEPTH or len(text) <= _SPLIT_WIDTH:
        return text
    if isinstance(value, list):
        return "[\n" + ",\n".join(_json(item, depth + 1) for item in value) + "\n]"
    if isinstance(value, dict):
        entries = (
            f"{json.dumps(key, ensure_ascii=False)}:{_json(value[key], depth + 1)}"
            for key in sorted(value)
        )
        return "{\n" + ",\n".join(entries) + "\n}"
    return text


def pack_json(value: object) -> bytes:
    """The packs' one JSON style, so that rebuilding a pack is byte-identical."""
    return (_json(value) + "\n").encode("utf-8")


@dataclass(frozen=True, slots=True)
class PackData:
    """A file to write into a pack: its path, bytes, description and source."""

    path: str
    data: bytes
    description: str
    source: str | None = None


def write_pack_dir(out: Path, manifest: PackManifest, files: Sequence[PackData]) -> PackManifest:
    """Write ``files`` into ``out`` and the manifest listing them with their checksums.

    ``manifest`` supplies everything but the file list, which is replaced; the manifest
    written is returned. Writing the same inputs twice gives byte-identical directories.
    """
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for file in files:
        (out / file.path).write_bytes(file.data)
        entries.append(
            PackFile(
                path=file.path,
                sha256=sha256_hex(file.data),
                description=file.description,
                source=file.source,
            )
        )
    written = manifest.model_copy(update={"files": entries})
    (out / MANIFEST).write_bytes(pack_json(written.model_dump(mode="json")))
    return written


def load_pack(root: Traversable | Path) -> RulePack:
    """Load the pack in ``root`` and verify every file the manifest lists."""
    try:
        manifest = PackManifest.model_validate_json((root / MANIFEST).read_bytes())
    except FileNotFoundError:
        raise PackError(f"no {MANIFEST} in {root}") from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_url=False)
        )
        raise PackError(f"{MANIFEST} is not a valid pack manifest: {problems}") from None
    contents: dict[str, bytes] = {}
    for entry in manifest.files:
        try:
            data = (root / entry.path).read_bytes()
        except FileNotFoundError:
            raise PackError(f"pack file {entry.path} listed in {MANIFEST} is missing") from None
        digest = sha256_hex(data)
        if digest != entry.sha256:
            raise PackError(
                f"pack file {entry.path}: sha256 {digest} does not match {entry.sha256} in "
                f"{MANIFEST}; the file was changed after the manifest was written"
            )
        contents[entry.path] = data
    return RulePack(manifest, contents)


def add_manifest_arguments(parser: argparse.ArgumentParser, source_help: str) -> None:
    """``--scheme --region --version --effective-from --source-note --licence``: what every
    pack-writing command records in the manifest (``source_help`` says what the source is)."""
    parser.add_argument("--scheme", required=True)
    parser.add_argument("--region", type=_region, help="admdvs of the region, e.g. 110000")
    parser.add_argument("--version", required=True)
    parser.add_argument("--effective-from", type=date.fromisoformat, required=True)
    parser.add_argument("--source-note", required=True, help=source_help)
    parser.add_argument("--licence", required=True)


def manifest_from_arguments(args: argparse.Namespace, title: str) -> PackManifest:
    """The manifest (without files) the options of :func:`add_manifest_arguments` describe."""
    return PackManifest(
        scheme=args.scheme,
        region=args.region,
        version=args.version,
        title=title,
        effective_from=args.effective_from,
        source=args.source_note,
        licence=args.licence,
    )


def _region(text: str) -> str:
    if not re.match(patterns.REGION, text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a six-digit admdvs")
    return text
