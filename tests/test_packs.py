"""Rule packs: manifests validate, every listed file is verified, errors name the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from medins_sdk.packs import PackError, load_pack, sha256_hex

RATES = b"code,rate\nA,10.00\n"


def write_pack(root: Path, **changes: Any) -> Path:
    root.mkdir()
    (root / "rates.csv").write_bytes(RATES)
    manifest: dict[str, Any] = {
        "scheme": "demo",
        "region": "110000",
        "version": "2024.1",
        "title": "示例",
        "effective_from": "2024-01-01",
        "source": "a notice",
        "licence": "CC0-1.0",
        "files": [{"path": "rates.csv", "sha256": sha256_hex(RATES), "description": "rates"}],
        "parameters": [{"name": "high_outlier_ratio", "value": "3", "source": None}],
    }
    manifest.update(changes)
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def test_a_valid_pack_loads_and_serves_verified_bytes(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path / "pack"))
    assert pack.manifest.region == "110000"
    assert pack.text("rates.csv") == RATES.decode()
    assert pack.manifest.parameter("high_outlier_ratio").source is None
    with pytest.raises(PackError, match="no parameter 'missing'"):
        pack.manifest.parameter("missing")
    with pytest.raises(PackError, match=r"does not list other\.csv"):
        pack.data("other.csv")


def test_an_edited_file_fails_to_load(tmp_path: Path) -> None:
    root = write_pack(tmp_path / "pack")
    (root / "rates.csv").write_bytes(RATES.replace(b"10.00", b"99.00"))
    with pytest.raises(PackError, match=r"pack file rates\.csv: sha256 .* does not match"):
        load_pack(root)


def test_missing_file_and_bad_manifest_are_named(tmp_path: Path) -> None:
    root = write_pack(tmp_path / "pack")
    (root / "rates.csv").unlink()
    with pytest.raises(PackError, match=r"rates\.csv listed in manifest\.json is missing"):
        load_pack(root)
    bad = write_pack(tmp_path / "bad", region="Beijing", unexpected=1)
    with pytest.raises(PackError, match="region") as error:
        load_pack(bad)
    assert "unexpected" in str(error.value)
    with pytest.raises(PackError, match=r"no manifest\.json"):
        load_pack(tmp_path)
