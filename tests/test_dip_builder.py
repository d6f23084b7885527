"""The DIP catalogue builder and its input: a worked example, the properties the issue asks
for (the built catalogue groups its own history into groups whose score × overall mean is the
group's mean; same history, same bytes) and the history CSV reader."""

from __future__ import annotations

import io
import tempfile
from collections import defaultdict
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medins_sdk import synthetic
from medins_sdk.grouping.dip import DipGrouper
from medins_sdk.grouping.dip_builder import BuildOptions, CatalogueBuilder, build_catalogue
from medins_sdk.grouping.dip_catalogue import DipCatalogue
from medins_sdk.grouping.dip_history import (
    HistoryCase,
    HistoryError,
    history_csv_text,
    history_of_records,
    parse_history_csv,
)
from medins_sdk.grouping.dip_match import DipCase
from medins_sdk.io.records import Record, Rejected
from medins_sdk.money import round_fraction
from medins_sdk.packs import PackManifest
from medins_sdk.synthetic import coded_encounter

MANIFEST = PackManifest(
    scheme="test-dip",
    version="2024",
    title="built in a test",
    effective_from=date(2024, 1, 1),
    source="a test's history",
    licence="CC0-1.0",
)
WEIGHTS = {2021: 1, 2022: 2, 2023: 7}


def history(*rows: tuple[int, str, tuple[str, ...], str]) -> list[HistoryCase]:
    return [
        HistoryCase(f"H{index}", year, DipCase(principal, procedures), Decimal(cost))
        for index, (year, principal, procedures, cost) in enumerate(rows)
    ]


HAND = history(
    (2022, "C18.200", ("45.7302",), "40000.00"),
    (2022, "C18.200", ("45.7302",), "50000.00"),
    (2023, "C18.200", ("45.7302",), "44000.00"),
    (2023, "C18.200", ("45.7302", "88.0100"), "46000.00"),  # + a CT: tolerated
    (2021, "C18.700", (), "7000.00"),
    (2023, "C18.700", (), "8000.00"),
    (2023, "C18.700", ("45.2300",), "8100.00"),  # a colonoscopy alone: tolerated
    (2023, "C18.700", ("99.2500",), "9000.00"),  # chemotherapy: not tolerated
    (2020, "C18.200", ("45.7302",), "30000.00"),  # four years back: left out
)


def test_a_catalogue_built_by_hand(tmp_path: Path) -> None:
    """Weights 2021 × 1, 2022 × 2, 2023 × 7; min 2 cases for a core group.

    C18.2 + 45.7302 (3 cases; the one with a CT joins it): (2×40000 + 2×50000 + 7×44000 +
    7×46000) ÷ 18 = 45000. C18.7 conservative (2 cases; the colonoscopy joins it):
    (7000 + 7×8000 + 7×8100) ÷ 15 = 7980. C18.7 with chemotherapy alone (1 case): 综合病种
    治疗性操作, 9000. Overall: 992700 ÷ 40 = 24817.50, so the scores are 45000 ÷ 24817.5 ×
    1000 = 1813.2366, 7980 ÷ 24817.5 × 1000 = 321.5473 and 9000 ÷ 24817.5 × 1000 = 362.6473.
    """
    catalogue, report = build_catalogue(HAND, tmp_path, MANIFEST, BuildOptions(min_cases=2))
    assert (tmp_path / "catalogue.csv").read_text("utf-8") == (
        "code,name,type,diagnosis,procedures,score,mean_cost,cases\n"
        "C18.2:45.7302,升结肠恶性肿瘤 · 右半结肠根治性切除术,core,C18.2,45.7302,1813.2366,"
        "45000.00,4\n"
        "C18.7:保守治疗,乙状结肠恶性肿瘤 · 保守治疗,core,C18.7,保守治疗,321.5473,7980.00,3\n"
        "C18:综合治疗性操作,C18 综合病种 · 治疗性操作,comprehensive,C18,治疗性操作,362.6473,"
        "9000.00,1\n"
    )
    assert (report.cases, report.used, report.older) == (9, 8, 1)
    assert (report.core_groups, report.comprehensive_groups) == (2, 1)
    assert report.weights == WEIGHTS
    assert report.overall_mean_cost == Decimal("24817.50")
    # Budget: (7000 + 2 × 90000 + 7 × 115100) ÷ (321.5473 + 2 × 3626.4732 + 7 × 4632.2151)
    #       = 992700 ÷ 39999.9994: the overall mean ÷ 1000, up to the scores' rounding.
    assert report.point_value == round_fraction(Fraction(992700) / Fraction("39999.9994"), 6)
    assert report.point_value == Decimal("24.817500")
    parameters = {p.name: p for p in catalogue.manifest.parameters}
    assert parameters["point_value"].value == "24.817500"
    assert parameters["overall_mean_cost"].value == "24817.50"
    assert parameters["point_value"].source is not None  # computed, and says from what
    assert parameters["score_scale"].source is None  # configurable
    assert parameters["year_weights"].source is not None  # the national spec


def test_fewer_years_keep_the_weights_of_their_distance() -> None:
    builder = CatalogueBuilder(BuildOptions(min_cases=1))
    for item in HAND[:4]:  # 2022 and 2023 only
        builder.add(item)
    assert builder.build()[1].weights == {2022: 2, 2023: 7}


def test_a_category_level_catalogue_keys_core_groups_on_categories(tmp_path: Path) -> None:
    catalogue, _ = build_catalogue(
        HAND, tmp_path, MANIFEST, BuildOptions(min_cases=2, level="category")
    )
    cores = sorted(g.code for g in catalogue.groups.values() if g.type == "core")
    assert cores == ["C18:45.7302", "C18:保守治疗"]


def test_an_empty_history_builds_nothing() -> None:
    with pytest.raises(ValueError, match="no case to build a catalogue from"):
        CatalogueBuilder().build()


DIAGNOSES = ("C18.200", "C18.700", "C20.x00", "J18.900")
PROCEDURES = ("45.7302", "45.2300", "99.2500", "54.1100", "88.0100")
CASES = st.lists(
    st.tuples(
        st.integers(2019, 2023),
        st.sampled_from(DIAGNOSES),
        st.lists(st.sampled_from(PROCEDURES), max_size=3, unique=True),
        st.decimals(min_value=1, max_value=200000, places=2),
    ),
    min_size=1,
    max_size=60,
)


@given(rows=CASES, min_cases=st.integers(1, 4), level=st.sampled_from(["subcategory", "category"]))
def test_grouping_its_own_history_puts_every_case_where_the_builder_counted_it(
    rows: list[tuple[int, str, list[str], Decimal]], min_cases: int, level: str
) -> None:
    cases = history(*((y, d, tuple(p), str(c)) for y, d, p, c in rows))
    options = BuildOptions(min_cases, level)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as folder:
        catalogue, report = build_catalogue(cases, Path(folder), MANIFEST, options)
    grouper = DipGrouper("test-dip", catalogue)
    weights = report.weights
    sums: dict[str, list[Fraction]] = defaultdict(lambda: [Fraction(0), Fraction(0)])
    for item in cases:
        if item.year not in weights:
            continue
        group = grouper.locate(item.case)[1]
        assert group is not None, "every case of the history has a group"
        sums[group.code][0] += weights[item.year] * Fraction(item.cost)
        sums[group.code][1] += weights[item.year]
    assert set(sums) == set(catalogue.groups)
    overall = sum((s for s, _ in sums.values()), Fraction(0)) / sum(w for _, w in sums.values())
    assert report.overall_mean_cost == round_fraction(overall, 2)
    for code, (total, weight) in sums.items():
        group, mean = catalogue.groups[code], total / weight
        assert group.score == round_fraction(mean / overall * 1000, 4)
        assert group.mean_cost == round_fraction(mean, 2)
        # score × overall mean = the group's mean, up to the score's fourth decimal:
        assert abs(Fraction(group.score) / 1000 * overall - mean) <= overall / 1000 / 20000


def test_the_same_history_in_any_order_gives_the_same_bytes(tmp_path: Path) -> None:
    cases = list(synthetic.dip_history(Random(7), 3000))
    shuffled = list(cases)
    Random(1).shuffle(shuffled)
    build_catalogue(cases, tmp_path / "a", MANIFEST)
    build_catalogue(shuffled, tmp_path / "b", MANIFEST)
    for name in ("manifest.json", "catalogue.csv", "adjustments.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert DipCatalogue.load(tmp_path / "a").problems == ()


# --- the history CSV ------------------------------------------------------------------------


def test_a_history_csv_round_trips() -> None:
    cases = list(synthetic.dip_history(Random(3), 50))
    read = list(parse_history_csv(io.StringIO(history_csv_text(cases)), "h.csv"))
    assert read == cases


def test_bad_rows_are_rejected_with_line_and_field_and_reading_goes_on() -> None:
    text = (
        "\ufeff结算ID,结算年度,主要诊断编码,手术操作编码,医疗费总额,其他诊断编码\n"
        "A1,2023,C18.200,45.7302+45.2300,52340.50,A17.000+G01*|I10.x00\n"
        "A2,23,C18.200,,1.005,\n"
        "A3,2023,C18.799,45.7399,100.00,\n"
        ",2023,,,,\n"
        "\n"
        "A5,2022,C18.700\n"
    )
    items = list(parse_history_csv(io.StringIO(text), "h.csv"))
    good = items[0]
    assert isinstance(good, HistoryCase)
    assert good.case == DipCase("C18.200", ("45.7302", "45.2300"), ("A17.000+G01*", "I10.x00"))
    assert (good.year, good.cost) == (2023, Decimal("52340.50"))
    bad = [item for item in items if isinstance(item, Rejected)]
    assert [(r.id, r.source) for r in bad] == [
        ("A2", "h.csv:3"),
        ("A3", "h.csv:4"),
        (None, "h.csv:5"),
        ("A5", "h.csv:7"),
    ]
    assert [(i.path, i.reason) for i in bad[0].issues] == [
        ("year", "year '23' is not a four-digit year"),
        ("cost", "cost '1.005' is not a positive amount in yuan"),
    ]
    assert bad[1].issues[0].reason == (
        "codes not in ICD-10 医保版 2.0: C18.799; not in ICD-9-CM-3 医保版 2.0: 45.7399"
    )
    assert bad[2].issues[0].path == "id"
    assert bad[3].issues[0].reason == "cost '' is not a positive amount in yuan"


def test_a_history_without_its_columns_is_refused_before_any_row() -> None:
    with pytest.raises(HistoryError, match="lacks columns"):
        list(parse_history_csv(io.StringIO("id,year,cost\n"), "h.csv"))


def test_encounters_are_history_too() -> None:
    encounter = coded_encounter("C18.200", ("I10.x00",), "45.7302", cost=Decimal("45678.90"))
    record = Record(encounter.id, "e.jsonl:1", "canonical", "encounter", encounter)
    (item,) = history_of_records([record])
    assert isinstance(item, HistoryCase)
    info = encounter.settlement_list.info
    assert info.settlement_end is not None
    assert (item.year, item.cost) == (info.settlement_end.year, Decimal("45678.90"))
    assert item.case == DipCase("C18.200", ("45.7302",), ("I10.x00",), 40)
    (refused,) = history_of_records(
        [Record("X", "e.jsonl:2", "canonical", "encounter", coded_encounter(None))]
    )
    assert isinstance(refused, Rejected)
    assert refused.issues[0].reason.startswith("no principal diagnosis")
