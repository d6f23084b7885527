"""Tests of the example per-diem plugin: rate pack, pricing, and discovery as a plugin."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from datetime import date, datetime
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, distribution
from importlib.resources import as_file, files
from pathlib import Path

import pytest
from medins_plugin_example_per_diem import __version__, plugin
from medins_plugin_example_per_diem.pricing import (
    PerDiemPricer,
    RatePack,
    load_pack,
    per_diem_scheme,
)

from medins_sdk import synthetic
from medins_sdk.models import Encounter
from medins_sdk.packs import PackError
from medins_sdk.plugins import PluginManager
from medins_sdk.schemes import UnpricableError
from medins_sdk.testing import SchemeConformance

DIST = "medins-plugin-example-per-diem"


@pytest.fixture(scope="module")
def pack() -> RatePack:
    return load_pack()


def stay(
    *,
    dept: str | None = "A03.04",
    length_of_stay: int | None = None,
    admitted: datetime | None = datetime(2024, 3, 1, 9, 0),
    discharged: datetime | None = datetime(2024, 3, 6, 10, 0),
) -> Encounter:
    """A synthetic encounter with the fields per-diem pricing reads set by hand."""
    data = synthetic.encounter(random.Random(1)).model_dump()
    data["settlement_list"]["info"].update(
        discharge_dept=dept,
        length_of_stay=length_of_stay,
        admission_time=admitted,
        discharge_time=discharged,
    )
    return Encounter.model_validate(data)


def write_pack(root: Path, rates_csv: str) -> Path:
    """A pack in ``root`` with the shipped manifest and ``rates_csv``, checksummed."""
    shipped = files("medins_plugin_example_per_diem") / "pack" / "manifest.json"
    manifest = json.loads(shipped.read_text("utf-8"))
    data = rates_csv.encode("utf-8")
    manifest["files"][0]["sha256"] = hashlib.sha256(data).hexdigest()
    root.mkdir()
    (root / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    (root / "daily_rates.csv").write_bytes(data)
    return root


@pytest.mark.parametrize(
    ("dept", "prefix", "rate"),
    [
        ("A03.04", "A03.04", "1200.00"),  # exact row beats its parent A03
        ("A03.01", "A03", "900.00"),  # falls back to the parent prefix
        ("A05.01", "", "800.00"),  # A05.02 is a sibling, not a prefix: default
        ("A10", "", "800.00"),
        (None, "", "800.00"),  # no discharge department: default
    ],
)
def test_rate_is_chosen_by_longest_department_prefix(
    pack: RatePack, dept: str | None, prefix: str, rate: str
) -> None:
    chosen = pack.rate_for(dept)
    assert (chosen.dept_prefix, chosen.daily_rate) == (prefix, Decimal(rate))


def test_payment_is_daily_rate_times_length_of_stay(pack: RatePack) -> None:
    encounter = stay(dept="A03.04", length_of_stay=5)
    scheme = per_diem_scheme(pack.manifest)
    result = PerDiemPricer(pack).price(encounter, None, scheme)
    cost = encounter.total_cost
    assert cost is not None
    assert result.payment == Decimal("6000.00")  # 1200.00 元/day × 5 days
    assert result.total_cost == cost
    assert result.balance == Decimal("6000.00") - cost
    assert result.method == "per-diem"
    assert result.scheme == "example-per-diem"
    assert result.inputs == {"days": "5", "daily_rate": "1200.00", "total_cost": f"{cost:.2f}"}
    assert "1200.00 元 × 5 天 = 6000.00 元" in result.explanation


@pytest.mark.parametrize(
    ("length_of_stay", "admitted", "discharged", "days"),
    [
        # no act_ipt_days: calendar days between admission and discharge, times ignored
        (None, datetime(2024, 3, 1, 23, 30), datetime(2024, 3, 4, 8, 0), 3),
        (None, datetime(2024, 3, 1, 8, 0), datetime(2024, 3, 1, 17, 0), 1),  # same day
        (0, datetime(2024, 3, 1, 8, 0), datetime(2024, 3, 9, 8, 0), 1),  # LOS wins, ≥ 1
    ],
)
def test_days_fall_back_to_dates_and_are_at_least_one(
    pack: RatePack,
    length_of_stay: int | None,
    admitted: datetime,
    discharged: datetime,
    days: int,
) -> None:
    encounter = stay(
        dept="A07", length_of_stay=length_of_stay, admitted=admitted, discharged=discharged
    )
    result = PerDiemPricer(pack).price(encounter, None, per_diem_scheme(pack.manifest))
    assert result.inputs["days"] == str(days)
    assert result.payment == Decimal("700.00") * days


def test_stay_without_days_or_dates_is_unpricable(pack: RatePack) -> None:
    encounter = stay(length_of_stay=None, admitted=None, discharged=None)
    with pytest.raises(UnpricableError, match="act_ipt_days"):
        PerDiemPricer(pack).price(encounter, None, per_diem_scheme(pack.manifest))


def test_payment_is_rounded_half_up_to_the_cent(tmp_path: Path) -> None:
    custom = load_pack(write_pack(tmp_path / "pack", "dept_prefix,daily_rate,note\n,333.335,x\n"))
    result = PerDiemPricer(custom).price(
        stay(length_of_stay=3), None, per_diem_scheme(custom.manifest)
    )
    assert result.payment == Decimal("1000.01")  # 333.335 × 3 = 1000.005


def test_checksum_mismatch_is_detected(tmp_path: Path) -> None:
    copy = tmp_path / "pack"
    with as_file(files("medins_plugin_example_per_diem") / "pack") as shipped:
        shutil.copytree(shipped, copy)
    rates = copy / "daily_rates.csv"
    rates.write_text(rates.read_text("utf-8").replace("1200.00", "1900.00"), "utf-8")
    with pytest.raises(PackError, match=r"pack file daily_rates\.csv: sha256 .* does not match"):
        load_pack(copy)


@pytest.mark.parametrize(
    ("rates_csv", "message"),
    [
        ("dept_prefix,daily_rate,note\nA03,900.00,x\n", "no default row"),
        ("dept_prefix,daily_rate,note\n,800.00,x\n,700.00,y\n", "listed twice"),
        ("dept_prefix,daily_rate,note\n,abc,x\n", "not a positive amount"),
        ("prefix,rate\n,800.00\n", "must have the columns"),
    ],
)
def test_inconsistent_rates_are_refused(tmp_path: Path, rates_csv: str, message: str) -> None:
    with pytest.raises(PackError, match=message):
        load_pack(write_pack(tmp_path / "pack", rates_csv))


def test_scheme_comes_from_the_manifest(pack: RatePack) -> None:
    scheme = per_diem_scheme(pack.manifest)
    assert scheme.name == "example-per-diem"
    assert scheme.title == "示例：按床日付费"
    assert (scheme.region, scheme.grouper, scheme.pricer) == (None, None, "per-diem")
    assert scheme.effective_from == date(2024, 1, 1)
    assert "no official source" in scheme.source


def test_hooks_register_a_working_scheme() -> None:
    manager = PluginManager(autoload=False, strict=True)
    manager.register(plugin, "example-per-diem", DIST, __version__)
    registry = manager.registry
    scheme = registry.scheme("example-per-diem")
    encounter = stay(length_of_stay=2)
    assert registry.grouper_for(scheme) is None
    result = registry.pricer_for(scheme).price(encounter, None, scheme)
    assert result.payment == Decimal("2400.00")
    assert registry.problems() == []


def test_installed_distribution_is_discovered_through_its_entry_point() -> None:
    try:
        distribution(DIST)
    except PackageNotFoundError:
        pytest.skip(f"{DIST} is not installed: pip install -e plugins/example-per-diem")
    manager = PluginManager(autoload=True, strict=False, allow=[DIST])
    info = next(info for info in manager.plugins() if info.name == "example-per-diem")
    assert (info.distribution, info.version, info.status, info.errors) == (
        DIST,
        __version__,
        "loaded",
        [],
    )
    assert info.registers == {"schemes": ["example-per-diem"], "pricers": ["per-diem"]}
    assert isinstance(
        manager.registry.pricer_for(manager.registry.scheme("example-per-diem")), PerDiemPricer
    )


class TestPerDiemConformance(SchemeConformance):
    """The core's conformance kit on this plugin, registered by hand so it runs uninstalled."""

    scheme = "example-per-diem"

    def plugin_manager(self) -> PluginManager:
        manager = PluginManager(autoload=False)
        manager.register(plugin, "example-per-diem", DIST, __version__)
        return manager
