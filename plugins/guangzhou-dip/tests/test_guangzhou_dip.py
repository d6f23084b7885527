"""Guangzhou DIP: the scheme, the SYNTHETIC sample catalogue, configuration through the
environment and ``medins dip price``, and the conformance kit."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from medins_plugin_guangzhou_dip import __version__, plugin

from medins_sdk.cli import main
from medins_sdk.grouping.dip_catalogue import write_catalogue_pack
from medins_sdk.models import Encounter, GroupResult, PriceResult
from medins_sdk.money import CENT
from medins_sdk.packs import PackManifest
from medins_sdk.plugins import PluginManager
from medins_sdk.synthetic import coded_encounter
from medins_sdk.testing import SchemeConformance, priced_and_checked

DIST = "medins-plugin-guangzhou-dip"
HERE = Path(__file__).resolve().parents[1]
PACKS = HERE / "src" / "medins_plugin_guangzhou_dip" / "packs"
SAMPLES = HERE.parents[1] / "samples"
ENV = (plugin.CATALOGUE_ENV, plugin.POINT_VALUE_ENV, plugin.COEFFICIENTS_ENV)
RECTAL_CANCER = "C20.x00"
"""直肠恶性肿瘤: the sample has a conservative core group for it (C20:保守治疗)."""


@pytest.fixture(autouse=True)
def unconfigured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts without the plugin's variables, whatever the shell has."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def manager() -> PluginManager:
    """The plugin registered by hand (after the environment is set, as a host would)."""
    manager = PluginManager(autoload=False, strict=True)
    manager.register(plugin, "guangzhou-dip", DIST, __version__)
    return manager


def run(encounter: Encounter) -> tuple[GroupResult, PriceResult]:
    grouping, price = priced_and_checked(manager().registry.scheme_parts(plugin.SCHEME), encounter)
    assert grouping is not None
    return grouping, price


def test_shipped_catalogue_is_what_the_build_script_makes(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    subprocess.run(
        ["bash", str(HERE / "build-packs.sh"), str(tmp_path)],
        check=True,
        env=env,
        capture_output=True,
    )
    shipped = sorted(p.relative_to(PACKS) for p in PACKS.rglob("*") if p.is_file())
    assert shipped == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    for path in shipped:
        assert (PACKS / path).read_bytes() == (tmp_path / path).read_bytes(), path


def test_the_scheme_is_guangzhous_since_2018() -> None:
    registry = manager().registry
    scheme = registry.scheme("guangzhou-dip")
    assert (scheme.region, scheme.effective_from) == ("440100", date(2018, 1, 1))
    assert scheme in registry.schemes_for("440100", date(2024, 6, 1))
    assert scheme not in registry.schemes_for("110000", date(2024, 6, 1))
    assert "SYNTHETIC" in scheme.source


def test_the_sample_says_it_is_synthetic_and_which_numbers_are_configurable() -> None:
    catalogue = plugin.sample_catalogue()
    manifest = catalogue.manifest
    assert "SYNTHETIC" in manifest.title
    assert "not Guangzhou's" in manifest.source
    assert (manifest.scheme, manifest.region) == ("guangzhou-dip", "440100")
    sources = {p.name: p.source for p in manifest.parameters}
    for name in ("score_scale", "low_outlier_ratio", "high_outlier_multiple", "review_multiple"):
        assert sources[name] is None, f"{name} has no Guangzhou source: configurable"
    assert sources["point_value"] is not None  # computed from the synthetic history
    assert catalogue.problems == ()
    kinds = {g.type for g in catalogue.groups.values()}
    assert kinds == {"core", "comprehensive"}


def test_it_prices_out_of_the_box_through_the_cli() -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["price", "--scheme", "guangzhou-dip", str(SAMPLES / "encounters.jsonl")]
    code = main(argv, plugins=manager(), stdout=out, stderr=err)
    assert code == 1  # the sample file also holds two records that are not encounters
    assert err.getvalue().splitlines()[-1] == "9 read, 7 ok, 2 rejected"
    prices = [PriceResult.model_validate_json(line) for line in out.getvalue().splitlines()]
    assert len(prices) == 7
    assert {price.method for price in prices} <= {"dip", "itemised"}
    assert all(price.balance == price.payment - price.total_cost for price in prices)


def test_a_rectal_cancer_case_worked_from_the_sample() -> None:
    catalogue = plugin.sample_catalogue()
    group = catalogue.groups["C20:保守治疗"]
    point_value = catalogue.point_value
    assert point_value is not None
    mean = catalogue.mean_cost(group)
    grouping, price = run(coded_encounter(RECTAL_CANCER, (), age=60, cost=mean))
    assert (grouping.group, grouping.weight, price.outlier) == ("C20:保守治疗", group.score, None)
    # Payment = score × 1 (the default coefficient) × the sample's budget point value.
    assert price.payment == (group.score * point_value).quantize(CENT)
    assert price.inputs["coefficient_source"] == "default_hospital_coefficient"


def test_the_environment_configures_catalogue_point_value_and_coefficients(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    own = tmp_path / "catalogue"
    rows = "code,name,diagnosis,procedures,score,mean_cost\nGZ1,直肠癌 保守治疗,C20,,850,8500\n"
    write_catalogue_pack(
        rows.encode(),
        own,
        PackManifest(
            scheme="guangzhou-dip",
            region="440100",
            version="2025",
            title="a user's catalogue",
            effective_from=date(2025, 1, 1),
            source="typed in for a test",
            licence="CC0-1.0",
        ),
    )
    table = tmp_path / "coefficients.csv"
    table.write_text("institution,coefficient\nH11010500001,1.08\n", encoding="utf-8")
    monkeypatch.setenv(plugin.CATALOGUE_ENV, str(own))
    monkeypatch.setenv(plugin.POINT_VALUE_ENV, "11.5")
    monkeypatch.setenv(plugin.COEFFICIENTS_ENV, str(table))
    grouping, price = run(coded_encounter(RECTAL_CANCER, (), cost=Decimal("9000.00")))
    assert (grouping.group, price.group) == ("GZ1", "GZ1")
    assert price.payment == Decimal("10557.00")  # 850 × 1.08 × 11.5
    assert "a user's catalogue" in manager().registry.scheme("guangzhou-dip").source


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MEDINS_GUANGZHOU_DIP_POINT_VALUE", "abc", "is not a positive decimal"),
        ("MEDINS_GUANGZHOU_DIP_CATALOGUE", "/nowhere", "no manifest.json"),
        ("MEDINS_GUANGZHOU_DIP_COEFFICIENTS", "/nowhere.csv", "No such file"),
    ],
)
def test_a_variable_that_cannot_be_used_fails_the_plugin_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    loose = PluginManager(autoload=False)
    loose.register(plugin, "guangzhou-dip", DIST, __version__)
    (info,) = [i for i in loose.plugins() if i.name == "guangzhou-dip" and i.errors]
    assert info.status == "failed"
    assert any(name in error and message in error for error in info.errors)
    assert "guangzhou-dip" not in loose.registry.schemes


def test_dip_price_overrides_the_point_value_per_run(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    encounter = coded_encounter(RECTAL_CANCER, (), cost=Decimal("9000.00"))
    source = tmp_path / "cases.jsonl"
    source.write_text(encounter.model_dump_json() + "\n", encoding="utf-8")
    argv = ["dip", "price", "--scheme", "guangzhou-dip", "--point-value", "20", str(source)]
    code = main(argv, plugins=manager(), stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    price = PriceResult.model_validate_json(out.getvalue())
    score = plugin.sample_catalogue().groups["C20:保守治疗"].score
    assert (price.scheme, price.payment) == ("guangzhou-dip", (score * 20).quantize(CENT))
    assert price.inputs["point_value"] == "20"


class TestGuangzhouDipConformance(SchemeConformance):
    """The core's conformance kit on the scheme with its sample catalogue."""

    scheme = plugin.SCHEME

    def plugin_manager(self) -> PluginManager:
        return manager()
