"""The national CHS-DRG 1.1 plugin: the shipped pack, grouping, and pricing from user rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from medins_plugin_chs_drg import __version__, plugin

from medins_sdk.models import Encounter, PriceResult
from medins_sdk.packs import PackManifest
from medins_sdk.plugins import PluginManager
from medins_sdk.pricing.drg import write_rates_pack
from medins_sdk.schemes import UnpricableError
from medins_sdk.synthetic import coded_encounter
from medins_sdk.testing import SchemeConformance, priced_and_checked
from medins_sdk.testing.packs import assert_build_reproduces

DIST = "medins-plugin-chs-drg"
HERE = Path(__file__).resolve().parents[1]
DATA = HERE.parents[1].parent / "shared" / "data"
PACKS = HERE / "src" / "medins_plugin_chs_drg" / "packs"
URETEROSCOPY = coded_encounter("N20.100", (), "56.0x00x008", cost=Decimal("12000.00"))
"""Ureteral calculus with an ureteroscopic removal: LC19 in CHS-DRG 1.1 too."""
BASE_RATE = Decimal("15000")


def manager() -> PluginManager:
    """The plugin registered by hand (after the environment is set, as a host would)."""
    manager = PluginManager(autoload=False, strict=True)
    manager.register(plugin, "chs-drg", DIST, __version__)
    return manager


def price(encounter: Encounter) -> PriceResult:
    return priced_and_checked(manager().registry.scheme_parts(plugin.SCHEME), encounter)[1]


@pytest.fixture(scope="module")
def rates_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's rates pack: every national DRG, RW = 1 + its position / 100, base rate 15000;
    the newborn groups paid item by item."""
    codes = sorted(d.code for a in plugin.grouping_pack().adrgs.values() for d in a.drgs)
    rows = ["DRG编码,DRG名称,RW"] + [
        f"{code},,{'按项目据实支付' if code[0] == 'P' else Decimal(100 + i) / 100}"
        for i, code in enumerate(codes)
    ]
    out = tmp_path_factory.mktemp("rates")
    manifest = PackManifest(
        scheme=plugin.SCHEME,
        version="test",
        title="test rates",
        effective_from=date(2025, 1, 1),
        source="made up for the tests",
        licence="CC0-1.0",
    )
    write_rates_pack(("\n".join(rows) + "\n").encode(), out, manifest, base_rate=BASE_RATE)
    return out


@pytest.fixture
def configured(rates_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(plugin.RATES_ENV, str(rates_dir))
    return rates_dir


@pytest.mark.skipif(not DATA.is_dir(), reason=f"the OpenDRG reference data is not at {DATA}")
def test_shipped_pack_is_what_the_build_script_makes(tmp_path: Path) -> None:
    assert_build_reproduces(HERE / "build-packs.sh", DATA, PACKS, tmp_path)


def test_the_national_scheme_has_628_groups_and_no_region() -> None:
    scheme = manager().registry.scheme("chs-drg-1.1")
    assert scheme.region is None
    assert sum(len(a.drgs) for a in plugin.grouping_pack().adrgs.values()) == 628
    assert plugin.grouping_pack().problems == ()


def test_grouping_works_without_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(plugin.RATES_ENV, raising=False)
    registry = manager().registry
    scheme = registry.scheme(plugin.SCHEME)
    grouper = registry.grouper_for(scheme)
    assert grouper is not None
    result = grouper.group(URETEROSCOPY, scheme)
    assert (result.group, result.weight) == ("LC19", None)
    with pytest.raises(UnpricableError, match=plugin.RATES_ENV):
        price(URETEROSCOPY)


@pytest.mark.usefixtures("configured")
def test_standard_is_weight_times_the_users_base_rate() -> None:
    result = price(URETEROSCOPY)
    assert result.weight is not None
    assert result.payment_standard == (result.weight * BASE_RATE).quantize(Decimal("0.01"))
    assert result.inputs["base_rate"] == str(BASE_RATE)
    assert result.balance == result.payment - result.total_cost


@pytest.mark.usefixtures("configured")
class TestChsDrgConformance(SchemeConformance):
    """The conformance kit with a user's rates pack configured."""

    scheme = plugin.SCHEME

    def plugin_manager(self) -> PluginManager:
        return manager()
