"""DRG pricing: weight tables, outlier policies, rates packs and the pricer, to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medins_sdk.models import GroupResult
from medins_sdk.money import to_cents
from medins_sdk.packs import PackError, PackManifest
from medins_sdk.pricing.drg import DrgPricer, DrgRates, main, write_rates_pack
from medins_sdk.pricing.outliers import HighBand, OutlierPolicy
from medins_sdk.pricing.weights import WeightTable, WeightTableError
from medins_sdk.schemes import PaymentScheme, UnpricableError
from medins_sdk.synthetic import coded_encounter

MANIFEST = PackManifest(
    scheme="test-drg",
    version="1",
    title="test",
    effective_from=date(2025, 1, 1),
    source="made up for the tests",
    licence="CC0-1.0",
)
SCHEME = PaymentScheme(name="test-drg", title="测试", pricer="test-drg", grouper="test-drg")
TABLE = "code,name,weight,standard\nAB12,甲,0.53,10799\nCD19,乙,1.5,\nPS19,丙,按项目据实支付,\n"
DEFAULT_POLICY = OutlierPolicy(
    high=(
        HighBand(Decimal(1), Decimal(3)),
        HighBand(Decimal(2), Decimal(2)),
        HighBand(None, Decimal("1.5")),
    ),
    low_ratio=Decimal("0.3"),
)


def rates(tmp_path: Path, table: str = TABLE, **parameters: str) -> DrgRates:
    return write_rates_pack(
        table.encode(), tmp_path, MANIFEST, base_rate=Decimal("20000"), parameters=parameters
    )


def grouped(group: str | None, status: str = "grouped") -> GroupResult:
    return GroupResult(
        id="E1",
        scheme=SCHEME.name,
        status=status,  # type: ignore[arg-type]
        group=group,
        reason=None if status == "grouped" else "no ADRG fits",
    )


def test_weight_table_reads_published_tables_in_either_language() -> None:
    english = WeightTable.from_csv(TABLE, "t.csv")
    chinese = WeightTable.from_csv(
        "\ufeffDRG编码,DRG名称,RW,支付标准\nAB12,甲,0.53,10799\nCD19,乙,1.5,\n", "t.csv"
    )
    assert english["AB12"] == chinese["AB12"]
    assert (english["CD19"].weight, english["CD19"].standard) == (Decimal("1.5"), None)
    assert english["PS19"].itemised
    assert not english["AB12"].itemised


def test_every_bad_line_is_reported_at_once() -> None:
    rows = ["EF19,甲,0.5x,", "AB12,甲,1,", "AB12,甲,1,", ",乙,1,", "CD19,丙,1,12.345"]
    text = "\n".join(["code,name,weight,standard", *rows]) + "\n"
    with pytest.raises(WeightTableError) as error:
        WeightTable.from_csv(text, "bad.csv")
    message = str(error.value)
    assert message.startswith("bad.csv: ")
    for fragment in ("line 2: EF19 weight", "line 4: AB12 is listed twice", "line 5: no group"):
        assert fragment in message
    assert "line 6: CD19 standard '12.345'" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "empty"), ("code,name\nAB12,x\n", "lacks columns (weight: weight / RW")],
)
def test_unusable_headers_name_what_is_accepted(text: str, fragment: str) -> None:
    with pytest.raises(WeightTableError, match=fragment.replace("(", r"\(")):
        WeightTable.from_csv(text, "t.csv")


@pytest.mark.parametrize(
    ("weight", "multiple"),
    [("0.53", "3"), ("1", "3"), ("1.01", "2"), ("2", "2"), ("2.01", "1.5")],
)
def test_the_high_multiple_falls_as_the_weight_rises(weight: str, multiple: str) -> None:
    judgement = DEFAULT_POLICY.judge(Decimal(weight), Decimal(1000), Decimal(1))
    assert judgement.multiple == Decimal(multiple)
    assert judgement.high_threshold == Decimal(multiple) * 1000
    assert judgement.outlier == "low"


@pytest.mark.parametrize(
    ("bands", "low", "message"),
    [
        ((HighBand(Decimal(1), Decimal(3)),), None, "open band"),
        ((HighBand(None, Decimal(1)),), None, "exceed 1"),
        (
            (
                HighBand(Decimal(2), Decimal(3)),
                HighBand(Decimal(1), Decimal(2)),
                HighBand(None, Decimal(2)),
            ),
            None,
            "increase",
        ),
        ((HighBand(None, Decimal(2)),), Decimal(1), "between 0 and 1"),
    ],
)
def test_inconsistent_policies_are_refused(
    bands: tuple[HighBand, ...], low: Decimal | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        OutlierPolicy(high=bands, low_ratio=low)


def test_a_rates_pack_round_trips_its_parameters(tmp_path: Path) -> None:
    loaded = rates(tmp_path, high_outlier_payment="standard-plus-excess", low_outlier_ratio="none")
    assert DrgRates.load(tmp_path) == loaded
    assert loaded.outliers.high_payment == "standard-plus-excess"
    assert loaded.outliers.low_ratio is None
    assert loaded.standard(loaded.table["CD19"]) == Decimal("30000.00")  # 1.5 × 20000
    assert loaded.standard(loaded.table["AB12"]) == Decimal("10799.00")  # published wins


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"low_outlier_ratio": "x"}, "outlier parameters"),
        ({"high_outlier_payment": "pro-rata"}, "outlier parameters"),
        ({"ungrouped_payment": "free"}, "ungrouped_payment"),
        ({"bonus": "1"}, "unknown rates parameters: bonus"),
    ],
)
def test_bad_parameters_fail_at_build_time(
    tmp_path: Path, parameters: dict[str, str], message: str
) -> None:
    with pytest.raises(PackError, match=message):
        rates(tmp_path, **parameters)


def test_a_table_without_standards_needs_a_base_rate(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="no payment standard and no base rate for CD19"):
        write_rates_pack(TABLE.encode(), tmp_path, MANIFEST)


def test_the_pricer_refuses_what_it_cannot_price(tmp_path: Path) -> None:
    pricer = DrgPricer("test-drg", rates(tmp_path))
    encounter = coded_encounter("J18.900")
    with pytest.raises(UnpricableError, match="group the encounter first"):
        pricer.price(encounter, None, SCHEME)
    with pytest.raises(UnpricableError, match="ZZ19 is not in"):
        pricer.price(encounter, grouped("ZZ19"), SCHEME)
    strict = DrgPricer("test-drg", rates(tmp_path / "strict", ungrouped_payment="reject"))
    with pytest.raises(UnpricableError, match="does not pay such cases"):
        strict.price(encounter, grouped("EQY", "ambiguous"), SCHEME)
    itemised = pricer.price(encounter, grouped("EQY", "ambiguous"), SCHEME)
    assert (itemised.method, itemised.group, itemised.payment) == (
        "itemised",
        "EQY",
        Decimal(10000),
    )


def test_standard_plus_excess_pays_a_share_above_the_threshold(tmp_path: Path) -> None:
    pricer = DrgPricer(
        "test-drg",
        rates(
            tmp_path,
            high_outlier_payment="standard-plus-excess",
            high_outlier_excess_ratio="0.5",
        ),
    )
    cost = Decimal("40000.01")  # threshold 3 × 10799 = 32397.00
    result = pricer.price(coded_encounter("J18.900", cost=cost), grouped("AB12"), SCHEME)
    assert result.outlier == "high"
    assert result.payment == to_cents(Decimal(10799) + (cost - Decimal("32397.00")) / 2)
    assert result.payment == Decimal("14600.51")  # 10799 + 3801.505 → half up


@given(
    cost=st.decimals(min_value=0, max_value=10**7, places=2),
    weight=st.decimals(min_value=Decimal("0.01"), max_value=20, places=2),
    standard=st.decimals(min_value=1, max_value=10**6, places=2),
)
def test_outlier_judgement_follows_the_thresholds(
    cost: Decimal, weight: Decimal, standard: Decimal
) -> None:
    judgement = DEFAULT_POLICY.judge(weight, standard, cost)
    high = to_cents(standard * judgement.multiple)
    low = to_cents(standard * Decimal("0.3"))
    assert judgement.outlier == ("high" if cost >= high else "low" if cost < low else None)
    assert judgement.high_threshold == high
    assert judgement.low_threshold == low


def test_the_cli_builds_a_pack_and_reports_bad_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "weights.csv"
    source.write_text(TABLE, encoding="utf-8")
    common = ["--scheme", "x", "--version", "1", "--effective-from", "2025-01-01"]
    common += ["--source-note", "test", "--licence", "CC0-1.0", "--base-rate", "20000"]
    out = tmp_path / "pack"
    assert main([str(source), "-o", str(out), *common, "--set", "low_outlier_ratio=0.5"]) == 0
    assert "3 groups, 1 paid item by item" in capsys.readouterr().out
    assert DrgRates.load(out).outliers.low_ratio == Decimal("0.5")
    source.write_text("code,name,weight\nAB12,x,heavy\n", encoding="utf-8")
    assert main([str(source), "-o", str(tmp_path / "bad"), *common]) == 1
    assert "line 2: AB12 weight 'heavy'" in capsys.readouterr().err
