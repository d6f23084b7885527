"""The DIP engine and pricer on a small catalogue written by hand, with worked examples.

The catalogue: ascending-colon cancer (C18.2) with core groups for a right hemicolectomy
(45.7302), the same with a colonoscopy (45.2300) and the conservative form; a category-level
core group for chemotherapy of any colon cancer (C18 + 99.2500); and the four 综合病种 of C18.
Scale 1000, overall mean ¥10,000, point value ¥10 per point: score × 10 is the payment of a
normal case, which keeps the hand computations short.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medins_sdk.codes import Gender
from medins_sdk.grouping.dip import DipGrouper, case_of
from medins_sdk.grouping.dip_catalogue import (
    CatalogueError,
    CatalogueTable,
    DipCatalogue,
    weights_by_year,
    write_catalogue_pack,
)
from medins_sdk.grouping.dip_match import KINDS, DipCase, ProcedureKinds
from medins_sdk.models import Encounter, GroupResult, PriceResult
from medins_sdk.packs import PackError, PackManifest
from medins_sdk.pricing.dip import DipPricer, HospitalCoefficients, score_case
from medins_sdk.schemes import PaymentScheme, UnpricableError
from medins_sdk.synthetic import coded_encounter
from medins_sdk.testing import assert_revalidates

CATALOGUE = """\
code,name,type,diagnosis,procedures,score,mean_cost,cases
C18.2:45.7302,升结肠恶性肿瘤 · 右半结肠根治性切除术,core,C18.2,45.7302,4500,45000.00,40
C18.2:45.2300+45.7302,升结肠癌 · 结肠镜+右半结肠切除,core,C18.2,45.2300+45.7302,4800,48000.00,20
C18.2:保守治疗,升结肠恶性肿瘤 · 保守治疗,core,C18.2,保守治疗,800,8000.00,90
C18:99.2500,结肠恶性肿瘤 · 化学治疗,core,C18,99.2500,1200,12000.00,60
C18:综合保守治疗,C18 综合病种 · 保守治疗,comprehensive,C18,保守治疗,700,7000.00,30
C18:综合诊断性操作,C18 综合病种 · 诊断性操作,comprehensive,C18,诊断性操作,1000,10000.00,12
C18:综合治疗性操作,C18 综合病种 · 治疗性操作,comprehensive,C18,治疗性操作,1500,15000.00,9
C18:综合相关手术,C18 综合病种 · 相关手术,comprehensive,C18,相关手术,3600,36000.00,14
"""
ADJUSTMENTS = (
    "kind,key,coefficient,description\nseverity,J96,1.1000,呼吸衰竭\nage,80-,1.0500,高龄\n"
)
MANIFEST = PackManifest(
    scheme="test-dip",
    region="440100",
    version="1",
    title="测试 DIP 目录",
    effective_from=date(2024, 1, 1),
    source="written by hand for the tests",
    licence="CC0-1.0",
)
SCHEME = PaymentScheme(name="test-dip", title="测试", pricer="test-dip", grouper="test-dip")
HEMICOLECTOMY, COLONOSCOPY, CHEMOTHERAPY = "45.7302", "45.2300", "99.2500"
LAPAROTOMY, ABDOMINAL_CT, POLYPECTOMY = "54.1100", "88.0100", "45.4201"
CORONARY_STENT, ROBOT_ASSISTED = "36.0600", "17.4100"
"""手术, 诊断性操作, 治疗性操作; 手术, 诊断性操作, 治疗性操作; 介入治疗, unclassified."""


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> DipCatalogue:
    return write_catalogue_pack(
        CATALOGUE.encode(),
        tmp_path_factory.mktemp("catalogue"),
        MANIFEST,
        adjustments=ADJUSTMENTS.encode(),
        parameters={"point_value": "10", "overall_mean_cost": "10000.00"},
    )


@pytest.fixture(scope="module")
def grouper(catalogue: DipCatalogue) -> DipGrouper:
    return DipGrouper("test-dip", catalogue)


@pytest.fixture(scope="module")
def pricer(catalogue: DipCatalogue) -> DipPricer:
    return DipPricer("test-dip", catalogue)


def case(
    principal: str,
    *procedures: str,
    others: tuple[str, ...] = (),
    cost: str = "10000.00",
    age: int = 60,
) -> Encounter:
    first, *rest = procedures or (None,)
    return coded_encounter(principal, others, first, rest, age=age, cost=Decimal(cost))


def group_of(grouper: DipGrouper, encounter: Encounter) -> GroupResult:
    result = grouper.group(encounter, SCHEME)
    assert result.trace, "every result carries its trace"
    assert_revalidates(result)
    return result


def price_of(grouper: DipGrouper, pricer: DipPricer, encounter: Encounter) -> PriceResult:
    result = pricer.price(encounter, group_of(grouper, encounter), SCHEME)
    assert_revalidates(result)
    return result


# --- grouping -------------------------------------------------------------------------------


def test_a_core_group_is_the_diagnosis_and_the_procedure_combination(grouper: DipGrouper) -> None:
    result = group_of(grouper, case("C18.200", HEMICOLECTOMY))
    assert (result.status, result.group, result.weight) == (
        "grouped",
        "C18.2:45.7302",
        Decimal(4500),
    )
    assert result.extras == {"type": "core", "diagnosis_key": "C18.2"}
    assert [(s.step, s.outcome) for s in result.trace] == [
        ("diagnosis", "keyed"),
        ("core", "matched"),
        ("group", "chosen"),
    ]
    assert result.trace[0].detail.endswith("catalogue keys C18.2 then C18")


def test_the_combination_is_order_insensitive_and_the_most_specific_wins(
    grouper: DipGrouper,
) -> None:
    first = group_of(grouper, case("C18.200", HEMICOLECTOMY, COLONOSCOPY))
    second = group_of(grouper, case("C18.200", COLONOSCOPY, HEMICOLECTOMY))
    assert first.group == second.group == "C18.2:45.2300+45.7302"  # not C18.2:45.7302 ⊂ it
    assert first.weight == 4800


def test_a_tolerated_procedure_outside_the_combination_is_left_out(grouper: DipGrouper) -> None:
    result = group_of(grouper, case("C18.200", HEMICOLECTOMY, ABDOMINAL_CT))
    assert result.group == "C18.2:45.7302"
    core = result.trace[1]
    assert core.codes == [HEMICOLECTOMY]
    assert "left out (tolerated): 88.0100 诊断性操作 → 诊断性操作" in core.detail


def test_a_diagnostic_procedure_alone_stays_in_the_conservative_core_group(
    grouper: DipGrouper,
) -> None:
    assert group_of(grouper, case("C18.200", COLONOSCOPY)).group == "C18.2:保守治疗"


def test_another_operation_outside_the_combination_makes_the_case_comprehensive(
    grouper: DipGrouper,
) -> None:
    result = group_of(grouper, case("C18.200", HEMICOLECTOMY, LAPAROTOMY))
    assert (result.group, result.weight) == ("C18:综合相关手术", Decimal(3600))
    assert result.extras == {"type": "comprehensive", "diagnosis_key": "C18", "kind": "相关手术"}
    assert [(s.step, s.outcome) for s in result.trace[1:]] == [
        ("core", "none"),
        ("kind", "相关手术"),
        ("comprehensive", "chosen"),
        ("group", "chosen"),
    ]
    assert "leaves out only 诊断性操作" in result.trace[1].detail


def test_a_category_core_group_matches_every_subcategory(grouper: DipGrouper) -> None:
    # C18.7 has no core group of its own; C18.2's conservative group (a subset) would leave
    # the chemotherapy out, and 治疗性操作 is not tolerated: the category's exact match wins.
    assert group_of(grouper, case("C18.700", CHEMOTHERAPY)).group == "C18:99.2500"
    assert group_of(grouper, case("C18.200", CHEMOTHERAPY)).group == "C18:99.2500"


@pytest.mark.parametrize(
    ("procedures", "group"),
    [
        ((), "C18:综合保守治疗"),
        ((COLONOSCOPY,), "C18:综合诊断性操作"),  # seed 004: 综合病种 of diagnostic procedures
        ((POLYPECTOMY, COLONOSCOPY), "C18:综合治疗性操作"),
        ((CORONARY_STENT,), "C18:综合治疗性操作"),  # 介入治疗 counts as 治疗性操作
        ((ROBOT_ASSISTED,), "C18:综合诊断性操作"),  # unclassified: the lowest kind
        ((POLYPECTOMY, LAPAROTOMY, COLONOSCOPY), "C18:综合相关手术"),  # the highest kind
    ],
)
def test_comprehensive_groups_by_the_highest_procedure_kind(
    grouper: DipGrouper, procedures: tuple[str, ...], group: str
) -> None:
    assert group_of(grouper, case("C18.700", *procedures)).group == group


def test_the_kind_step_explains_every_procedure(grouper: DipGrouper) -> None:
    result = group_of(grouper, case("C18.700", ROBOT_ASSISTED, CORONARY_STENT))
    kind = result.trace[2]
    assert (kind.step, kind.outcome, kind.codes) == ("kind", "治疗性操作", ["17.4100", "36.0600"])
    assert kind.detail == (
        "17.4100 unclassified → 诊断性操作 (unclassified_procedure_kind); "
        "36.0600 介入治疗 → 治疗性操作: the case's kind is 治疗性操作"
    )


def test_a_case_no_group_takes_is_ungroupable_and_says_which_group_is_missing(
    grouper: DipGrouper,
) -> None:
    result = group_of(grouper, case("J18.900"))
    assert (result.status, result.group) == ("ungroupable", None)
    assert (
        result.reason == "the catalogue has no 综合病种 for J18 保守治疗: no group takes the case"
    )


@pytest.mark.parametrize(
    ("encounter", "reason"),
    [
        (case("C18.799", HEMICOLECTOMY), "codes not in ICD-10 医保版 2.0: C18.799"),
        (case("C18.200", "45.7399"), "codes not in ICD-9-CM-3 医保版 2.0: 45.7399"),
        (coded_encounter(None), "no principal diagnosis (主要诊断): the case cannot be grouped"),
    ],
)
def test_bad_input_is_ungroupable_with_the_reason(
    grouper: DipGrouper, encounter: Encounter, reason: str
) -> None:
    result = group_of(grouper, encounter)
    assert (result.status, result.reason) == ("ungroupable", reason)
    assert [(s.step, s.outcome) for s in result.trace] == [("input", "ungroupable")]


def test_severity_and_age_adjust_the_score(grouper: DipGrouper, pricer: DipPricer) -> None:
    # 4500 × 1.1 (J96.000 in J96) × 1.05 (age 82 in 80-) = 5197.5 points → ¥51,975.00.
    encounter = case(
        "C18.200", HEMICOLECTOMY, others=("J96.000", "I10.x00"), age=82, cost="50000.00"
    )
    result = group_of(grouper, encounter)
    assert result.weight == 4500
    assert result.extras["adjusted_score"] == "5197.5000"
    assert (result.extras["severity_coefficient"], result.extras["age_coefficient"]) == (
        "1.1000",
        "1.0500",
    )
    steps = {(s.step, s.outcome): s for s in result.trace}
    assert steps["adjustment", "severity"].codes == ["J96.000"]
    assert "age 82 in band 80-" in steps["adjustment", "age"].detail
    price = pricer.price(encounter, result, SCHEME)
    assert (price.weight, price.payment, price.balance) == (
        Decimal("5197.5"),
        Decimal("51975.00"),
        Decimal("1975.00"),
    )


def test_grouping_is_deterministic_and_traces_are_shared(grouper: DipGrouper) -> None:
    encounter = case("C18.700", LAPAROTOMY, COLONOSCOPY)
    first, second = group_of(grouper, encounter), group_of(grouper, encounter)
    assert first.model_dump_json() == second.model_dump_json()
    assert all(a is b for a, b in zip(first.trace, second.trace, strict=True))


def test_case_of_reads_the_principal_procedure_first() -> None:
    encounter = case("C18.200", COLONOSCOPY, HEMICOLECTOMY)
    listing = encounter.settlement_list
    reordered = encounter.model_copy(
        update={
            "settlement_list": listing.model_copy(
                update={"operations": list(reversed(listing.operations))}
            )
        }
    )
    facts = case_of(reordered)
    assert isinstance(facts, DipCase)
    assert facts.procedures == (COLONOSCOPY, HEMICOLECTOMY)  # the flagged principal leads
    assert (facts.age, facts.principal) == (60, "C18.200")


# --- the catalogue --------------------------------------------------------------------------

PUBLISHED = """\
\ufeff序号,病种编码,病种名称,主要诊断编码,手术操作编码,分值,例均费用
1,GZ0001,升结肠恶性肿瘤 右半结肠根治性切除术,C18.2,45.7302,4500,
2,GZ0002,升结肠恶性肿瘤 结肠镜+右半结肠切除,C18.2,45.2300/45.7302,4800,
3,GZ0003,升结肠恶性肿瘤 保守治疗,C18.2,保守治疗,800,8000
4,GZ0004,结肠恶性肿瘤 诊断性操作组,C18,诊断性操作组,1000,
5,GZ0005,肺炎 保守治疗,J18.9,,420.5,
"""


def test_a_published_catalogue_is_read_through_the_column_mapping() -> None:
    table = CatalogueTable.from_csv(PUBLISHED, "广州目录.csv")
    assert table["GZ0002"].procedures == frozenset({COLONOSCOPY, HEMICOLECTOMY})
    assert (table["GZ0003"].type, table["GZ0003"].procedures) == ("core", frozenset())
    assert table["GZ0003"].mean_cost == Decimal("8000.00")
    assert (table["GZ0004"].type, table["GZ0004"].kind) == ("comprehensive", 1)
    assert (table["GZ0005"].diagnosis, table["GZ0005"].score) == ("J18.9", Decimal("420.5"))
    assert table["GZ0005"].combination == "保守治疗"


def test_every_bad_catalogue_line_is_reported_at_once() -> None:
    rows = [
        "A1,a,,C18.2,45.7302+相关手术,100,",
        "A2,b,,C18.25,45.7302,100,",
        "A3,c,综合,C18.2,相关手术,100,",
        "A4,d,,C18,45.7302,1.23456,",
        "A5,e,other,C18,,100,",
        "A6,f,,C18,45.73x,100,",
    ]
    text = "\n".join(["code,name,type,diagnosis,procedures,score,mean_cost", *rows]) + "\n"
    with pytest.raises(CatalogueError) as error:
        CatalogueTable.from_csv(text, "bad.csv")
    message = str(error.value)
    for fragment in (
        "line 2: A1 procedures '45.7302+相关手术' mix a kind with codes",
        "line 3: A2 diagnosis 'C18.25' is not an ICD-10 category (C18) or subcategory (C18.7)",
        "line 4: A3 a 综合病种 is keyed on a category, not C18.2",
        "line 5: A4 score '1.23456' is not a non-negative decimal (≤ 4 places)",
        "line 6: A5 type 'other' is not one of",
        "line 7: A6 procedure '45.73x' is not an ICD-9-CM-3 code",
    ):
        assert fragment in message


def test_a_catalogue_without_means_needs_the_overall_mean(tmp_path: Path) -> None:
    text = "code,diagnosis,procedures,score\nX1,C18.2,45.7302,1500\n"
    with pytest.raises(PackError, match="no mean cost for X1 and no overall_mean_cost"):
        write_catalogue_pack(text.encode(), tmp_path, MANIFEST)
    derived = write_catalogue_pack(
        text.encode(), tmp_path, MANIFEST, parameters={"overall_mean_cost": "12000.00"}
    )
    assert derived.mean_cost(derived.groups["X1"]) == Decimal("18000.00")  # 1500/1000 × 12000
    nothing = "code,diagnosis,procedures,score\nX1,C18.2,45.7302,0\n"
    with pytest.raises(PackError, match=r"the mean cost of X1 comes to 0\.00"):
        write_catalogue_pack(
            nothing.encode(), tmp_path, MANIFEST, parameters={"overall_mean_cost": "12000.00"}
        )


def test_two_core_groups_with_one_key_are_refused(tmp_path: Path) -> None:
    text = "code,diagnosis,procedures,score,mean_cost\nX1,C18.2,45.7302,1,1\nX2,C18.2,45.7302,2,2\n"
    with pytest.raises(PackError, match=r"core groups X1 and X2 have the same diagnosis C18\.2"):
        write_catalogue_pack(text.encode(), tmp_path, MANIFEST)


def test_codes_the_editions_lack_are_listed_as_problems(tmp_path: Path) -> None:
    text = "code,diagnosis,procedures,score,mean_cost\nX1,C18.2,45.7399,1,1\nX2,U99.9,,1,1\n"
    loaded = write_catalogue_pack(text.encode(), tmp_path, MANIFEST)
    assert loaded.problems == (
        "X1: not in ICD-9-CM-3 医保版 2.0: 45.7399",
        "X2: no ICD-10 医保版 2.0 code under U99.9",
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("low_outlier_ratio", "1.5", "must lie strictly between 0 and 1"),
        ("high_outlier_multiple", "1", "must exceed 1"),
        ("review_multiple", "1.5", "is below high_outlier_multiple"),
        ("tolerated_procedure_kinds", "手术", "is not one of 诊断性操作 / 治疗性操作 / 相关手术"),
        ("procedure_kinds", "手术:相关手术", "no DIP kind for 介入治疗, 治疗性操作, 诊断性操作"),
        ("ungrouped_payment", "free", "is not itemised or reject"),
        ("point_value", "-3", "must be positive"),
    ],
)
def test_bad_parameters_are_refused_on_load(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    with pytest.raises(PackError, match=message):
        write_catalogue_pack(CATALOGUE.encode(), tmp_path, MANIFEST, parameters={name: value})


def test_procedure_kinds_use_the_crosswalk_for_codes_the_classification_lacks() -> None:
    kinds = ProcedureKinds.build(
        (("介入治疗", 2), ("手术", 3), ("治疗性操作", 2), ("诊断性操作", 1)), 1
    )
    assert kinds.explain("45.7302") == "45.7302 手术 → 相关手术"
    crosswalked = [code for code, basis in kinds.basis.items() if basis.endswith("(crosswalk)")]
    assert len(crosswalked) == 421  # of the 629 insurance codes the classification lacks
    assert kinds.rank(ROBOT_ASSISTED) == 1
    assert ROBOT_ASSISTED not in kinds.basis
    assert KINDS[kinds.rank("36.0600")] == "治疗性操作"


def test_year_weights_count_back_from_the_most_recent_year() -> None:
    assert weights_by_year({2021, 2022, 2023}, (1, 2, 7)) == {2023: 7, 2022: 2, 2021: 1}
    assert weights_by_year({2019, 2020, 2021, 2022, 2023}, (1, 2, 7)) == {
        2023: 7,
        2022: 2,
        2021: 1,
    }
    assert weights_by_year({2022, 2023}, (1, 2, 7)) == {2023: 7, 2022: 2}
    assert weights_by_year({2021, 2023}, (1, 2, 7)) == {2023: 7, 2021: 1}  # 2022 missing
    assert weights_by_year({2023}, (1, 2, 7)) == {2023: 7}


# --- pricing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cost", "outlier", "case_score", "payment"),
    [
        ("45000.00", None, "4500", "45000.00"),  # score × 1 × 10
        ("22500.00", None, "4500", "45000.00"),  # 50 % of the mean is not below it
        ("20000.00", "low", "2000.0000", "20000.00"),  # 4500 × 20000 ÷ 45000
        ("90000.00", None, "4500", "45000.00"),  # 2× the mean is not above it
        ("90000.01", "high", "4500.0010", "45000.01"),  # 4500 × (90000.01 ÷ 45000 − 2 + 1)
        ("100000.00", "high", "5500.0000", "55000.00"),  # 4500 × (2.2222… − 1)
    ],
)
def test_outliers_to_the_cent(
    grouper: DipGrouper,
    pricer: DipPricer,
    cost: str,
    outlier: str | None,
    case_score: str,
    payment: str,
) -> None:
    price = price_of(grouper, pricer, case("C18.200", HEMICOLECTOMY, cost=cost))
    assert (price.method, price.group, price.outlier) == ("dip", "C18.2:45.7302", outlier)
    assert Decimal(price.inputs["case_score"]) == Decimal(case_score)
    assert price.payment == Decimal(payment)
    assert price.balance == price.payment - price.total_cost
    assert price.payment_standard == Decimal("45000.00")
    thresholds = [price.inputs[k] for k in ("low_threshold", "high_threshold", "review_threshold")]
    assert thresholds == ["22500.00", "90000.00", "225000.00"]
    assert "review" not in price.inputs


def test_above_five_times_the_mean_is_flagged_for_review(
    grouper: DipGrouper, pricer: DipPricer
) -> None:
    # 4500 × (250000 ÷ 45000 − 1) = 4500 × 4.5555… = 20500 points.
    price = price_of(grouper, pricer, case("C18.200", HEMICOLECTOMY, cost="250000.00"))
    assert (price.outlier, price.payment) == ("high", Decimal("205000.00"))
    assert price.inputs["review"] == "expert review (专家评审)"
    assert "需专家评审" in price.explanation


def test_a_comprehensive_case_with_a_diagnostic_procedure_worked_by_hand(
    grouper: DipGrouper, catalogue: DipCatalogue
) -> None:
    # Seed 004: colon cancer cases that fell into 综合病种 with diagnostic procedures lost
    # money. A sigmoid-colon cancer (C18.7, no core group) with a colonoscopy, ¥13,456.78:
    # C18 综合病种 诊断性操作, 1000 points, hospital coefficient 1.05, point value ¥10:
    # 1000 × 1.05 × 10 = ¥10,500.00 paid, ¥2,956.78 lost.
    coefficients = HospitalCoefficients.from_csv(
        "定点医药机构编号,医院系数\nH11010500001,1.05\n", "coefficients.csv"
    )
    priced = DipPricer("test-dip", catalogue, coefficients=coefficients)
    encounter = case("C18.700", COLONOSCOPY, cost="13456.78")
    price = priced.price(encounter, group_of(grouper, encounter), SCHEME)
    assert (price.group, price.weight, price.outlier) == ("C18:综合诊断性操作", Decimal(1000), None)
    assert (price.payment, price.balance) == (Decimal("10500.00"), Decimal("-2956.78"))
    assert price.inputs["hospital_coefficient"] == "1.05"
    assert price.inputs["coefficient_source"] == "coefficients.csv"
    assert price.formula == "payment = case score × hospital coefficient × point value"
    assert "超支 2956.78 元" in price.explanation


def test_the_point_value_given_replaces_the_catalogues(
    grouper: DipGrouper, catalogue: DipCatalogue
) -> None:
    encounter = case("C18.200", HEMICOLECTOMY, cost="45000.00")
    priced = DipPricer("test-dip", catalogue).configured(Decimal("12.5"), None)
    assert price_of(grouper, priced, encounter).payment == Decimal("56250.00")  # 4500 × 12.5


def test_without_a_point_value_a_case_cannot_be_priced(tmp_path: Path) -> None:
    bare = write_catalogue_pack(CATALOGUE.encode(), tmp_path, MANIFEST)
    encounter = case("C18.200", HEMICOLECTOMY)
    grouping = DipGrouper("test-dip", bare).group(encounter, SCHEME)
    with pytest.raises(UnpricableError, match="has no point value"):
        DipPricer("test-dip", bare).price(encounter, grouping, SCHEME)


def test_ungroupable_cases_are_paid_item_by_item_or_rejected(
    grouper: DipGrouper, pricer: DipPricer, tmp_path: Path
) -> None:
    encounter = case("J18.900", cost="4321.00")
    price = price_of(grouper, pricer, encounter)
    assert (price.method, price.payment, price.balance) == (
        "itemised",
        Decimal("4321.00"),
        Decimal(0),
    )
    strict = write_catalogue_pack(
        CATALOGUE.encode(), tmp_path, MANIFEST, parameters={"ungrouped_payment": "reject"}
    )
    with pytest.raises(UnpricableError, match="does not pay such cases"):
        DipPricer("test-dip", strict).price(encounter, group_of(grouper, encounter), SCHEME)


COSTS = st.decimals(min_value=1, max_value=10**7, places=2)
SCORES = st.decimals(min_value=Decimal("0.0001"), max_value=10**5, places=4)
GROUPS = st.sampled_from(["C18.2:45.7302", "C18:99.2500", "C18:综合诊断性操作"])


@given(group=GROUPS, adjusted=SCORES, step=st.decimals(min_value=0, max_value=1, places=2))
def test_the_high_outlier_formula_is_continuous_at_the_threshold(
    catalogue: DipCatalogue, group: str, adjusted: Decimal, step: Decimal
) -> None:
    entry = catalogue.groups[group]
    mean = catalogue.mean_cost(entry)
    at = score_case(catalogue, entry, adjusted, 2 * mean)
    above = score_case(catalogue, entry, adjusted, 2 * mean + step)
    assert at.outlier is None
    assert at.value == adjusted
    # Above the threshold the case score grows by score × step ÷ mean: nothing jumps.
    assert abs(above.value - adjusted - adjusted * step / mean) <= Decimal("0.00005")


@given(group=GROUPS, adjusted=SCORES, first=COSTS, second=COSTS)
def test_above_twice_the_mean_payment_grows_with_cost(
    catalogue: DipCatalogue, group: str, adjusted: Decimal, first: Decimal, second: Decimal
) -> None:
    entry = catalogue.groups[group]
    high = 2 * catalogue.mean_cost(entry)
    low, more = sorted((high + first, high + second))
    cheaper, dearer = (
        score_case(catalogue, entry, adjusted, low),
        score_case(catalogue, entry, adjusted, more),
    )
    assert cheaper.outlier == dearer.outlier == "high"
    assert cheaper.value <= dearer.value
    if more - low >= catalogue.mean_cost(entry) / adjusted / 1000:  # ≥ 0.001 point apart
        assert cheaper.value < dearer.value


@given(first=COSTS, second=COSTS)
def test_above_twice_the_mean_the_payment_grows_with_the_cost(
    grouper: DipGrouper, pricer: DipPricer, first: Decimal, second: Decimal
) -> None:
    # C18.2:45.7302: 4500 points, mean ¥45,000, ¥10 a point: above ¥90,000 the payment is
    # 4500 × (cost ÷ 45000 − 1) × 10 = cost − 45000, so it follows the cost yuan for yuan.
    low, more = sorted((Decimal(90000) + first, Decimal(90000) + second))
    cheaper = price_of(grouper, pricer, case("C18.200", HEMICOLECTOMY, cost=str(low)))
    dearer = price_of(grouper, pricer, case("C18.200", HEMICOLECTOMY, cost=str(more)))
    assert cheaper.outlier == dearer.outlier == "high"
    assert cheaper.payment <= dearer.payment
    if more - low >= Decimal("0.02"):
        assert cheaper.payment < dearer.payment
    assert abs(dearer.payment - (more - 45000)) <= Decimal("0.01")


def test_pricing_uses_the_catalogue_group_and_the_gender_does_not_matter(
    grouper: DipGrouper, pricer: DipPricer
) -> None:
    male = case("C18.200", HEMICOLECTOMY, cost="30000.00")
    female = coded_encounter(
        "C18.200", (), HEMICOLECTOMY, gender=Gender.FEMALE, cost=Decimal("30000.00")
    )
    assert price_of(grouper, pricer, male).payment == price_of(grouper, pricer, female).payment


def test_a_grouping_from_elsewhere_is_refused(grouper: DipGrouper, pricer: DipPricer) -> None:
    encounter = case("C18.200", HEMICOLECTOMY)
    foreign = GroupResult(id=encounter.id, scheme="x", status="grouped", group="ZZ99")
    with pytest.raises(UnpricableError, match=r"group ZZ99 is not in test-dip catalogue\.csv"):
        pricer.price(encounter, foreign, SCHEME)
    with pytest.raises(UnpricableError, match="group the encounter first"):
        pricer.price(encounter, None, SCHEME)
