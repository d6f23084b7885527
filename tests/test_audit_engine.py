"""The audit engine: properties over generated stays, knowledge packs that switch rules off
or re-parameterise them, the rule contract, and ``medins audit`` end to end."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medins_sdk import synthetic
from medins_sdk.audit.engine import AuditEngine
from medins_sdk.audit.knowledge import KnowledgeError, KnowledgePack, load_knowledge, national_pack
from medins_sdk.audit.rules import national_rules
from medins_sdk.cli import main
from medins_sdk.packs import PackData, PackManifest, PackParameter, write_pack_dir
from medins_sdk.plugins import PluginManager
from medins_sdk.testing.audit import assert_rule_conforms, clean, engine, knowledge

seeds = st.integers(min_value=0, max_value=10**6)
defects = st.sampled_from(synthetic.AUDIT_DEFECTS)


@settings(max_examples=15)
@given(seeds)
def test_a_clean_generated_encounter_has_no_blocking_finding(seed: int) -> None:
    stay = synthetic.audit_encounter(Random(seed), index=seed % 1000, lines=60)
    for stage in ("during", "post"):
        assert [f for f in engine().check(stay, stage) if f.severity == "block"] == []


@settings(max_examples=15)
@given(seeds, defects)
def test_findings_do_not_depend_on_line_or_rule_order(seed: int, defect: str) -> None:
    stay = synthetic.audit_encounter(Random(seed), index=seed % 1000, lines=40, defect=defect)
    found = engine().check(stay)
    assert any(f.rule == defect for f in found) or defect == "pay.restricted-drug"
    shuffled = list(stay.charges)
    Random(seed).shuffle(shuffled)
    reordered = stay.model_copy(update={"charges": shuffled})
    backwards = AuditEngine(national_rules()[::-1], knowledge())
    assert backwards.check(reordered) == found


@settings(max_examples=15)
@given(seeds, defects)
def test_the_amount_at_risk_never_exceeds_the_encounters_total(seed: int, defect: str) -> None:
    stay = synthetic.audit_encounter(Random(seed), index=seed % 1000, lines=30, defect=defect)
    total = stay.total_cost
    assert total is not None
    for finding in engine().check(stay):
        assert finding.amount is None or 0 <= finding.amount <= total


def test_every_national_rule_keeps_the_contract() -> None:
    stays = [clean(seed=s, lines=30, defect=d) for s, d in enumerate(synthetic.AUDIT_DEFECTS)]
    for rule in national_rules():
        assert_rule_conforms(rule, stays)


def test_output_is_the_same_byte_for_byte() -> None:
    stays = [clean(seed=s, lines=30, defect=d) for s, d in enumerate(synthetic.AUDIT_DEFECTS)]
    runs = ["\n".join(f.model_dump_json() for f in engine().check_batch(stays)) for _ in range(2)]
    assert runs[0] == runs[1]
    assert runs[0]


def _regional_pack(root: Path, parameters: dict[str, str], region: str = "320100") -> KnowledgePack:
    items = "code,name,example,max_per_day\nEX-BED-01,普通病房床位费（南京示例）,1,2\n"
    manifest = PackManifest(
        scheme="audit-knowledge",
        region=region,
        version="1",
        title="南京审核知识（示例）",
        effective_from=date(2024, 1, 1),
        source="test",
        licence="CC0-1.0",
        parameters=[PackParameter(name=k, value=v) for k, v in parameters.items()],
    )
    write_pack_dir(root, manifest, [PackData("items.csv", items.encode(), "items")])
    return KnowledgePack("nanjing", root)


def test_a_regional_pack_switches_a_rule_off_and_changes_parameters(tmp_path: Path) -> None:
    pack = _regional_pack(
        tmp_path / "nj",
        {"charge.duplicate:enabled": "false", "qc.newborn-weight:min_grams": "300"},
    )
    regional = load_knowledge([national_pack(), pack])
    audit = AuditEngine(national_rules(), regional)
    assert "charge.duplicate" not in {c.rule.id for c in audit.active}
    duplicated = clean(seed=3, defect="charge.duplicate")
    assert [f.rule for f in audit.check(duplicated)] == []
    weight = next(c for c in audit.configured if c.rule.id == "qc.newborn-weight")
    assert weight.params.integer("min_grams") == 300
    # The regional entry replaces the national one: two beds a day are allowed there.
    assert regional.daily_limits["EX-BED-01"] == 2
    assert regional.items["EX-BED-01"].name == "普通病房床位费（南京示例）"
    assert load_knowledge([national_pack(), pack], region="110000").daily_limits["EX-BED-01"] == 1


def test_bad_pack_settings_are_refused_with_the_rule_named(tmp_path: Path) -> None:
    unknown = _regional_pack(tmp_path / "a", {"qc.newborn-weight:max_kilos": "20"})
    with pytest.raises(KnowledgeError, match=r"qc\.newborn-weight: unknown parameter max_kilos"):
        AuditEngine(national_rules(), load_knowledge([national_pack(), unknown]))
    bad = _regional_pack(tmp_path / "b", {"charge.duplicate:enabled": "sometimes"})
    with pytest.raises(KnowledgeError, match="not true or false"):
        AuditEngine(national_rules(), load_knowledge([bad]))


def test_two_packs_of_one_level_disagreeing_is_a_conflict(tmp_path: Path) -> None:
    first = _regional_pack(tmp_path / "a", {})
    second = _regional_pack(tmp_path / "b", {})
    (tmp_path / "b" / "items.csv").write_text("code,name,example,max_per_day\nEX-BED-01,床,1,3\n")
    second = _regional_pack(tmp_path / "c", {})
    items = tmp_path / "c" / "items.csv"
    manifest = PackManifest.model_validate_json((tmp_path / "c" / "manifest.json").read_bytes())
    write_pack_dir(
        tmp_path / "c",
        manifest,
        [PackData("items.csv", "code,name,example,max_per_day\nEX-BED-01,床,1,3\n".encode(), "x")],
    )
    assert items.exists()
    with pytest.raises(KnowledgeError, match="packs nanjing and nanjing"):
        load_knowledge([first, second])


def test_a_bad_knowledge_row_names_the_pack_file_and_line(tmp_path: Path) -> None:
    pack = _regional_pack(tmp_path / "a", {})
    manifest = PackManifest.model_validate_json((tmp_path / "a" / "manifest.json").read_bytes())
    rows = "code,name,example,sex\nX1,甲,1,3\nX2,乙,2,\n"
    write_pack_dir(tmp_path / "a", manifest, [PackData("items.csv", rows.encode(), "x")])
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge([pack])
    assert "pack nanjing: items.csv" in str(raised.value)
    assert "line 2: X1 sex '3' is not 1 (男) or 2 (女)" in str(raised.value)
    assert "line 3: X2 example '2' is not 0 or 1" in str(raised.value)


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown audit rule charge\.nope"):
        engine("charge.nope")


def _write(path: Path, records: list[str]) -> Path:
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    return path


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), plugins=PluginManager(autoload=False), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_medins_audit_writes_findings_and_exits_0(tmp_path: Path) -> None:
    stays = [clean(seed=1), clean(seed=2, defect="charge.duplicate")]
    path = _write(tmp_path / "in.jsonl", [s.model_dump_json(exclude_none=True) for s in stays])
    code, out, err = _cli("audit", str(path))
    assert code == 0
    [finding] = [json.loads(line) for line in out.splitlines()]
    assert (finding["id"], finding["rule"]) == (stays[1].id, "charge.duplicate")
    assert "2 read, 2 ok, 0 rejected" in err
    code, out, _ = _cli("audit", "--format", "table", "--rules", "qc.diagnosis-code", str(path))
    assert (code, out) == (0, "")


def test_medins_audit_exits_1_only_for_rejected_input(tmp_path: Path) -> None:
    path = _write(tmp_path / "in.jsonl", [clean().model_dump_json(), '{"id": "broken"}'])
    code, _, err = _cli("audit", str(path))
    assert code == 1
    assert '"id": "broken"' in err
    assert _cli("audit", "--rules", "nope", str(path))[0] == 2


def test_medins_audit_post_adds_the_batch_patterns(tmp_path: Path) -> None:
    first = clean(seed=11)
    info = first.settlement_list.info
    other = clean(seed=12)
    twin_info = other.settlement_list.info.model_copy(
        update={
            "person_no": info.person_no,
            "institution_code": "H99",
            "admission_time": info.admission_time,
            "discharge_time": info.discharge_time,
        }
    )
    twin = other.model_copy(
        update={"settlement_list": other.settlement_list.model_copy(update={"info": twin_info})}
    )
    path = _write(tmp_path / "in.jsonl", [first.model_dump_json(), twin.model_dump_json()])
    code, out, _ = _cli("audit", "--stage", "post", "--rules", "batch.overlapping-stays", str(path))
    assert code == 0
    assert sorted(json.loads(line)["id"] for line in out.splitlines()) == sorted(
        [first.id, twin.id]
    )


def test_medins_audit_pre_checks_the_latest_order(tmp_path: Path) -> None:
    stay = clean(seed=2)
    latest = max(stay.charges, key=lambda charge: charge.time)
    again = latest.model_copy(update={"line_no": "900"})
    bare = stay.settlement_list.model_copy(update={"charge_items": [], "payments": []})
    stay = stay.model_copy(
        update={"charges": [*stay.charges, again], "settlement": None, "settlement_list": bare}
    )
    path = _write(tmp_path / "in.jsonl", [stay.model_dump_json()])
    code, out, _ = _cli("audit", "--stage", "pre", str(path))
    assert code == 0
    found = [json.loads(line) for line in out.splitlines()]
    assert ("charge.duplicate", "pre") in {(f["rule"], f["stage"]) for f in found}


def test_medins_audit_rules_lists_every_rule_with_its_pack() -> None:
    code, out, _ = _cli("audit", "rules")
    assert code == 0
    listing = {entry["id"]: entry for entry in map(json.loads, out.splitlines())}
    assert set(listing) == {rule.id for rule in national_rules()}
    assert listing["pay.restricted-drug"]["knowledge"] == {"restricted_drugs": "national-audit"}
    assert listing["batch.year-end-rush"]["parameters"]["window_days"] == "28"
    assert all(entry["source"] for entry in listing.values())
    code, table, _ = _cli("audit", "rules", "--format", "table")
    assert "charge.duplicate" in table
