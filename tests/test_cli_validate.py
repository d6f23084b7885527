"""``medins validate`` end to end: planted defects found, the rest kept, exit codes."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from medins_sdk.cli import main
from medins_sdk.plugins import PluginManager

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "samples"


def _generator() -> Any:
    """samples/generate.py, the script that writes the bundled samples."""
    spec = importlib.util.spec_from_file_location("sample_generator", SAMPLES / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()
PLANTED: list[tuple[str, object, str]] = GENERATOR.PLANTED
"""The defects planted in mixed-defects.jsonl, in file order: (path, defect, reason words)."""


def test_bundled_samples_are_up_to_date(tmp_path: Path) -> None:
    GENERATOR.main(tmp_path)
    for name in ("encounters.jsonl", "mixed-defects.jsonl", "inpatient.jsonl"):
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), (
            f"samples/{name} is stale: run python samples/generate.py"
        )


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), plugins=PluginManager(autoload=False), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_mixed_file_reports_exactly_the_planted_defects() -> None:
    code, out, err = run("validate", str(SAMPLES / "mixed-defects.jsonl"))
    assert code == 1
    *rejected_lines, summary = err.strip().splitlines()
    rejected = [json.loads(line) for line in rejected_lines]
    expected_paths = [path for path, _, _ in PLANTED]
    expected_paths.insert(3, "")  # the line that is not JSON
    assert [r["path"] for r in rejected] == expected_paths
    for record, (_, _, words) in zip([r for r in rejected if r["path"]], PLANTED, strict=True):
        assert words in record["reason"]
        assert record["id"].startswith("SETL")
        assert record["source"].startswith(str(SAMPLES / "mixed-defects.jsonl") + ":")
    assert rejected[3]["id"] is None
    assert rejected[3]["reason"].startswith("not valid JSON")
    kept = [json.loads(line)["id"] for line in out.strip().splitlines()]
    assert len(kept) == 4
    assert summary == f"{len(kept) + len(rejected)} read, {len(kept)} ok, {len(rejected)} rejected"


def test_valid_samples_pass_and_come_out_canonical(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    code, out, err = run("validate", str(SAMPLES / "encounters.jsonl"), "-o", str(target))
    assert code == 0, err
    assert out == ""
    assert err.strip() == "9 read, 9 ok, 0 rejected"
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 9
    # national records come out canonical: re-reading them is the fast canonical path
    code, _, err = run("validate", str(target))
    assert code == 0, err


def test_table_output() -> None:
    code, out, _ = run("validate", str(SAMPLES / "encounters.jsonl"), "--format", "table")
    assert code == 0
    header, rule, *rows = out.splitlines()
    assert header.split()[:3] == ["id", "kind", "format"]
    assert set(rule) <= {"-", " "}
    assert len(rows) == 9
    assert "national-4101" in rows[5]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    code, _, err = run("validate", str(tmp_path / "missing.jsonl"))
    assert code == 2
    assert "cannot read" in err
    code, _, err = run("validate", "--input-format", "nope", str(SAMPLES / "encounters.jsonl"))
    assert code == 2
    assert "unknown input format" in err
    with pytest.raises(SystemExit) as exit_info:
        run("validate")
    assert exit_info.value.code == 2


def test_rejections_never_show_personal_data(tmp_path: Path) -> None:
    line = (SAMPLES / "encounters.jsonl").read_text(encoding="utf-8").splitlines()[0]
    record = json.loads(line)
    info = record["settlement_list"]["info"]
    info.update(person_name="张三丰", cert_no="110101199001011234", gender="7")
    info["contact_phone"] = 13812345678
    path = tmp_path / "pii.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    code, _, err = run("validate", str(path))
    assert code == 1
    assert "settlement_list.info.gender" in err
    for secret in ("张三丰", "110101199001011234", "13812345678"):
        assert secret not in err


def test_stdin_through_the_installed_module() -> None:
    data = (SAMPLES / "encounters.jsonl").read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "medins_sdk", "validate", "-"],
        input=data,
        capture_output=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "MEDINS_DISABLE_PLUGIN_AUTOLOAD": "1", "PATH": ""},
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr.decode().strip() == "9 read, 9 ok, 0 rejected"
    assert len(result.stdout.splitlines()) == 9
