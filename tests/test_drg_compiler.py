"""DRG rule-pack compiler: both OpenDRG schemes compile completely, reproducibly, verifiably."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from medins_sdk.grouping import CompiledPack, compile_rules, write_pack
from medins_sdk.grouping.compiler import main
from medins_sdk.packs import MANIFEST, PackError, load_pack

RULES = Path(__file__).parents[2] / "shared" / "data" / "opendrg" / "rules"
DRG_COUNTS = {"CHS_DRG_11_BJ": 696, "CHS_DRG_11": 628}
KNOWN_PROBLEMS: dict[str, list[tuple[str, int]]] = {
    "CHS_DRG_11_BJ": [],
    # a code commented out with '#' in the source: not silently taken or dropped
    "CHS_DRG_11": [("MDC/MDCZ_多发严重创伤.dat", 98)],
}
PACK_FILES = {
    "mdc.json",
    "adrg.json",
    "drg.json",
    "cc.json",
    "cc_exclusions.json",
    "problems.json",
}
METADATA: dict[str, Any] = {
    "region": "110000",
    "version": "2022",
    "effective_from": date(2022, 1, 1),
    "source_note": "OpenDRG DRG_Rules ab57a5b",
    "licence": "Apache-2.0",
}


def compile_scheme(name: str) -> CompiledPack:
    if not RULES.is_dir():
        pytest.skip(f"the shared OpenDRG rule texts are not at {RULES}")
    return compile_rules(RULES / name, scheme=name, **METADATA)


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[CompiledPack, Path]]:
    """Each scheme compiled once per module (a compile takes about a second and a half)."""
    built: dict[str, tuple[CompiledPack, Path]] = {}
    for name in sorted(DRG_COUNTS):
        pack = compile_scheme(name)
        out = tmp_path_factory.mktemp(name)
        write_pack(pack, out)
        built[name] = (pack, out)
    return built


@pytest.fixture(params=sorted(DRG_COUNTS))
def compiled(
    request: pytest.FixtureRequest, packs: dict[str, tuple[CompiledPack, Path]]
) -> tuple[str, CompiledPack, Path]:
    name: str = request.param
    return name, *packs[name]


def read(out: Path, path: str) -> Any:
    return json.loads((out / path).read_text(encoding="utf-8"))


def listed_codes(path: Path) -> list[str]:
    return [line.split()[0] for line in path.read_text(encoding="utf-8").splitlines() if line]


def by_code(out: Path, path: str) -> dict[str, dict[str, Any]]:
    return {entry["code"]: entry for entry in read(out, path)}


def test_counts_match_the_scheme_lists(compiled: tuple[str, CompiledPack, Path]) -> None:
    name, _pack, out = compiled
    adrgs, drgs = read(out, "adrg.json"), read(out, "drg.json")
    assert [a["code"] for a in adrgs] == listed_codes(RULES / name / "2_ADRG.txt")
    assert len(adrgs) == 376
    assert [d["code"] for d in drgs] == listed_codes(RULES / name / "3_DRG.txt")
    assert len(drgs) == DRG_COUNTS[name]
    assert len(read(out, "mdc.json")) == 26
    assert all(d["adrg"] == d["code"][:3] and d["split"] == d["code"][3] for d in drgs)


def test_problems_are_the_known_few(compiled: tuple[str, CompiledPack, Path]) -> None:
    name, pack, out = compiled
    problems = read(out, "problems.json")
    assert problems == [asdict(problem) for problem in pack.problems]
    assert [(p["file"], p["line"]) for p in problems] == KNOWN_PROBLEMS[name]


def test_every_adrg_has_a_complete_entry_condition(
    compiled: tuple[str, CompiledPack, Path],
) -> None:
    _name, _pack, out = compiled
    with_problems = {p["file"] for p in read(out, "problems.json")}
    mdcs = by_code(out, "mdc.json")
    for adrg in read(out, "adrg.json"):
        if adrg["rule_file"] in with_problems:
            continue
        assert adrg["entry"], adrg["code"]
        for alternative in adrg["entry"]:
            assert alternative["all_of"], adrg["code"]
            for clause in alternative["all_of"]:
                for term in clause["any_of"]:
                    if term["role"] == "mdc_principal_diagnosis":
                        assert term["table"] in mdcs
                    elif term["table"] is not None:
                        assert adrg["tables"][term["table"]]["codes"], adrg["code"]
        assert adrg["mdc"] == f"MDC{adrg['code'][0]}"


def test_kinds_follow_the_second_letter_and_the_rules_agree(
    compiled: tuple[str, CompiledPack, Path],
) -> None:
    _name, _pack, out = compiled
    for adrg in read(out, "adrg.json"):
        roles = {
            term["role"]
            for alternative in adrg["entry"]
            for clause in alternative["all_of"]
            for term in clause["any_of"]
        }
        letter = adrg["code"][1]
        if letter <= "J":
            assert adrg["kind"] == "surgical"
        elif letter <= "Q":
            assert adrg["kind"] == "non_or_procedure"
            assert "principal_procedure" in roles, adrg["code"]
        else:
            assert adrg["kind"] == "medical"
            assert not roles & {"principal_procedure", "any_procedure"}, adrg["code"]


def test_complications_point_at_existing_exclusion_tables(
    compiled: tuple[str, CompiledPack, Path],
) -> None:
    _name, _pack, out = compiled
    cc, exclusions = read(out, "cc.json"), read(out, "cc_exclusions.json")
    assert len(cc["mcc"]) > 4000
    assert len(cc["cc"]) > 16000
    assert len(exclusions) == 223
    for level in ("mcc", "cc"):
        for code, entry in cc[level].items():
            assert entry["name"], code
            assert entry["exclusion_table"] is None or entry["exclusion_table"] in exclusions
    assert cc["mcc"]["Z94.000"]["exclusion_table"] is None  # 肾移植状态: 无


def test_manifest_lists_and_verifies_every_file(compiled: tuple[str, CompiledPack, Path]) -> None:
    name, _pack, out = compiled
    pack = load_pack(out)
    assert {entry.path for entry in pack.manifest.files} == PACK_FILES
    assert {path.name for path in out.iterdir()} == PACK_FILES | {MANIFEST}
    assert pack.manifest.scheme == name
    assert pack.manifest.region == "110000"
    assert pack.manifest.licence == "Apache-2.0"
    assert all("OpenDRG" in (entry.source or "") for entry in pack.manifest.files)
    text = (out / "drg.json").read_text(encoding="utf-8")
    assert text.endswith("]\n")
    assert '\n{"adrg":"AA1",' in text  # one compact DRG per line, sorted keys
    assert max(len(line) for line in (out / "adrg.json").read_text("utf-8").splitlines()) < 10**5
    assert "心脏移植" in text  # not ASCII-escaped


def test_an_edited_pack_file_fails_to_load(
    packs: dict[str, tuple[CompiledPack, Path]], tmp_path: Path
) -> None:
    shutil.copytree(packs["CHS_DRG_11_BJ"][1], tmp_path, dirs_exist_ok=True)
    data = read(tmp_path, "cc.json")
    data["mcc"]["A01.100"]["exclusion_table"] = None
    (tmp_path / "cc.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PackError, match=r"cc\.json"):
        load_pack(tmp_path)


def test_recompiling_gives_byte_identical_files(
    packs: dict[str, tuple[CompiledPack, Path]], tmp_path: Path
) -> None:
    name = "CHS_DRG_11_BJ"  # one scheme shows reproducibility; keeps the suite fast
    out = packs[name][1]
    write_pack(compile_scheme(name), tmp_path)
    for path in sorted(PACK_FILES | {MANIFEST}):
        assert (tmp_path / path).read_bytes() == (out / path).read_bytes(), path


def test_beijing_known_rules(packs: dict[str, tuple[CompiledPack, Path]]) -> None:
    out = packs["CHS_DRG_11_BJ"][1]
    adrgs = by_code(out, "adrg.json")

    aa1 = adrgs["AA1"]
    assert aa1["name"] == "心脏移植"
    assert aa1["entry"] == [
        {"all_of": [{"any_of": [{"role": "principal_procedure", "table": "list_1"}]}]}
    ]
    assert aa1["tables"]["list_1"]["codes"] == ["37.5100"]

    ac1 = adrgs["AC1"]
    [both] = ac1["entry"]
    tables = [clause["any_of"][0]["table"] for clause in both["all_of"]]
    assert [clause["any_of"][0]["role"] for clause in both["all_of"]] == ["any_procedure"] * 2
    first, second = (ac1["tables"][table]["codes"] for table in tables)
    assert first
    assert all(code.startswith("52.8") for code in first)
    assert second
    assert all(code.startswith("55.6") for code in second)

    ob1 = adrgs["OB1"]
    assert ob1["name"] == "剖宫产术"
    principal = [
        ob1["tables"][term["table"]]["codes"]
        for alternative in ob1["entry"]
        for clause in alternative["all_of"]
        for term in clause["any_of"]
        if term["role"] == "principal_procedure"
    ]
    assert any(code.startswith("74.1") for codes in principal for code in codes)

    # 入组条件1：（其他诊断或手术表1）+手术表2 ；或入组条件2：手术表3
    ah1 = adrgs["AH1"]
    assert [[[t["table"] for t in c["any_of"]] for c in a["all_of"]] for a in ah1["entry"]] == [
        [["other_diagnosis", "procedure_1"], ["procedure_2"]],
        [["procedure_3"]],
    ]
    assert ah1["entry"][0]["all_of"][0]["any_of"][0]["role"] == "other_diagnosis"

    cc, exclusions = read(out, "cc.json"), read(out, "cc_exclusions.json")
    assert cc["mcc"]["A01.100"] == {"exclusion_table": "2-3-1", "name": "副伤寒甲"}
    assert "A01.000" in exclusions["2-3-1"]
    assert by_code(out, "mdc.json")["MDCB"]["principal_diagnoses"][0] == "A01.002+G01*"


def test_national_known_rules(packs: dict[str, tuple[CompiledPack, Path]]) -> None:
    out = packs["CHS_DRG_11"][1]
    adrgs = by_code(out, "adrg.json")
    assert adrgs["AA1"]["tables"]["list_1"]["codes"] == ["37.5100"]
    # headings without 或 combine: principal diagnosis and both procedure tables
    [ib1] = adrgs["IB1"]["entry"]
    assert [c["any_of"][0]["role"] for c in ib1["all_of"]] == [
        "principal_diagnosis",
        "any_procedure",
        "any_procedure",
    ]
    cc, exclusions = read(out, "cc.json"), read(out, "cc_exclusions.json")
    assert cc["mcc"]["A01.100"]["exclusion_table"] == "7-1"
    assert "A01.000" in exclusions["7-1"]
    regions = by_code(out, "mdc.json")["MDCZ"]["regions"]
    assert len(regions) == 9
    assert "S01.800x011" in regions["头颈部创伤"]


SMALL_SCHEME = {
    "1_MDC.txt": "MDCA 先期分组疾病及相关操作\nMDCB 神经系统疾病及功能障碍\n",
    "2_ADRG.txt": "AA1 心脏移植\nBR1 颅内出血性疾患\n",
    "3_DRG.txt": "AA19 心脏移植\nBR11 颅内出血性疾患，伴严重并发症或合并症\nBR15 颅内出血性疾患",
    "MDC/MDCA_先期分组疾病及相关操作.dat": "",
    "MDC/MDCB_神经系统疾病及功能障碍.dat": "主诊表\n包含以下主要诊断：\nI61.000 脑出血\n",
    "ADRG/AA1_心脏移植.dat": "包含以下主要手术或操作：\n37.5100 心脏移植\n术",
    "ADRG/BR1_颅内出血性疾患.dat": "包含以下主要诊断：\nI61.000 脑出血\n",
    "5_MCC.txt": "1、严重并发症或合并症（MCC）\n表 2-1-1 严重并发症或合并症（MCC）\n"
    "疾病编码 疾病名称 排除内容\nA01.100 副伤寒甲 表 2-3-1\n",
    "6_CC.txt": "2、并发症或合并症（CC）\n疾病编码 疾病名称 排除内容\n"
    "A00.100 霍乱，由于 O1 群霍乱弧菌，埃尔托生物型\n所致 表 2-3-1\n12\n"
    "1080 疾病编码 疾病名称 排除内容 A02.000 沙门菌肠炎 表 2-3-1 Z94.000 肾移植状态 无\n",
    "7_CCE.txt": "3、并发症或合并症排除列表\n表 2-3-1\n包含以下主要诊断：\nA01.000 伤寒\n"
    "A01.100 副伤寒\n甲\n",
}


def small_scheme(root: Path, **changes: str) -> Path:
    for path, text in (SMALL_SCHEME | changes).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


def cli(source: Path, out: Path, *extra: str) -> int:
    metadata = ["--scheme", "demo", "--version", "1", "--effective-from", "2022-01-01"]
    return main(
        [
            str(source),
            "-o",
            str(out),
            *metadata,
            "--source-note",
            "t",
            "--licence",
            "CC0-1.0",
            *extra,
        ]
    )


def test_wrapped_names_page_lines_and_no_exclusion_table(tmp_path: Path) -> None:
    assert cli(small_scheme(tmp_path / "rules"), tmp_path / "pack", "--region", "110000") == 0
    cc = read(tmp_path / "pack", "cc.json")
    assert cc["cc"] == {
        "A00.100": {
            "exclusion_table": "2-3-1",
            "name": "霍乱，由于 O1 群霍乱弧菌，埃尔托生物型所致",
        },
        "A02.000": {"exclusion_table": "2-3-1", "name": "沙门菌肠炎"},
        "Z94.000": {"exclusion_table": None, "name": "肾移植状态"},
    }
    assert read(tmp_path / "pack", "cc_exclusions.json") == {"2-3-1": ["A01.000", "A01.100"]}
    assert read(tmp_path / "pack", "problems.json") == []
    [aa1] = read(tmp_path / "pack", "adrg.json")[:1]
    assert aa1["tables"]["list_1"]["codes"] == ["37.5100"]  # "术" continued the name


def test_missing_rule_files_are_problems(tmp_path: Path) -> None:
    source = small_scheme(tmp_path / "rules")
    (source / "6_CC.txt").unlink()
    (source / "ADRG/BR1_颅内出血性疾患.dat").unlink()
    pack = compile_rules(source, scheme="demo", **METADATA)
    assert [(p.file, p.line, p.reason) for p in pack.problems] == [
        ("2_ADRG.txt", 2, "no ADRG/<code>_*.dat rule file"),
        ("6_CC.txt", 0, "file missing"),
    ]
    assert [adrg.code for adrg in pack.adrgs] == ["AA1", "BR1"]


def test_unreadable_lines_are_reported_and_exit_1(tmp_path: Path) -> None:
    source = small_scheme(
        tmp_path / "rules",
        **{"ADRG/BR1_颅内出血性疾患.dat": "包含以下主要诊断：\nI61.000 脑出血\n见附表：\n"},
    )
    assert cli(source, tmp_path / "pack") == 1
    assert read(tmp_path / "pack", "problems.json") == [
        {
            "file": "ADRG/BR1_颅内出血性疾患.dat",
            "line": 3,
            "reason": "not a code row or a known heading",
            "text": "见附表：",
        }
    ]
    load_pack(tmp_path / "pack")  # the pack is still written and verifies


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = small_scheme(tmp_path / "rules")
    for argv in (
        [str(source)],  # no -o and no metadata
        [str(tmp_path / "missing"), "-o", str(tmp_path / "pack")],
    ):
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, "--scheme", "x", "--version", "1", "--effective-from", "2022-01-01"])
        assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        cli(source, tmp_path / "pack", "--region", "BJ")
    assert exit_info.value.code == 2
    assert "--region" in capsys.readouterr().err
    assert not (tmp_path / "pack").exists()


def test_module_entry_point(tmp_path: Path) -> None:
    source = small_scheme(tmp_path / "rules")
    command = [sys.executable, "-m", "medins_sdk.grouping.compiler", str(source)]
    command += ["-o", str(tmp_path / "pack"), "--scheme", "demo", "--version", "1"]
    command += ["--effective-from", "2022-01-01", "--source-note", "t", "--licence", "CC0-1.0"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "2 ADRG, 3 DRG" in done.stdout
    assert done.stderr == ""
    assert load_pack(tmp_path / "pack").manifest.scheme == "demo"
