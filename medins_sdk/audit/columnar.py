"""The columnar 事后 path: a batch of settled encounters screened in Polars, then confirmed.

A batch is millions of charge lines, and almost every encounter is clean. Polars evaluates,
over whole columns, a necessary condition of every national per-encounter rule (a duplicate
key exists, a day's quantity exceeds its limit, a time lies past discharge, a code falls
outside the edition …); only the encounters some condition flags go through the plain rules,
which write the findings — so both paths give the same findings, byte for byte, by
construction (``tests/test_audit_columnar.py`` checks it). The batch patterns read summaries
aggregated in Polars. Money is Int64 in cents (quantities ×10⁴, prices ×10⁶): no float.

Needs the ``columnar`` extra (``pip install medins-sdk[columnar]``). :func:`frames` builds
the input frames from encounters — in production, read them from your warehouse or Parquet —
and :func:`audit_frames` is the timed, columnar step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any

import polars as pl

from medins_sdk.audit.engine import AuditEngine
from medins_sdk.audit.knowledge import Knowledge
from medins_sdk.audit.params import Params
from medins_sdk.audit.rules import national_rules
from medins_sdk.audit.rules.quality import is_inpatient
from medins_sdk.audit.view import AuditCase, CaseSummary, line_sort_key
from medins_sdk.codes import icd9_grey, icd9_insurance, icd10_grey, icd10_insurance
from medins_sdk.codes.tables import DiagnosisType
from medins_sdk.models import Encounter, Finding

_QTY, _PRICE, _CENTS = 10**4, 10**6, 10**2
_PRODUCT_LIMIT = 9 * 10**18
"""Largest |quantity × price| (scaled by 10¹⁰) Int64 holds; a line above it is screened in."""


def _scaled(value: Decimal | None, scale: int) -> int | None:
    return None if value is None else int(value * scale)


@dataclass(frozen=True)
class Frames:
    """A batch as columns: one row per charge line, per encounter, per diagnosis, per procedure.

    ``encounters`` keeps the models themselves for the rules that confirm a screened case.
    """

    lines: pl.DataFrame
    cases: pl.DataFrame
    diagnoses: pl.DataFrame
    procedures: pl.DataFrame
    encounters: dict[str, Encounter]


def frames(encounters: Iterable[Encounter], knowledge: Knowledge) -> Frames:
    """The columns :func:`audit_frames` reads, from encounters (outside any timing: in
    production these come from a warehouse or Parquet files)."""
    lines: dict[str, list[Any]] = {k: [] for k in _LINE_COLUMNS}
    cases: dict[str, list[Any]] = {k: [] for k in _CASE_COLUMNS}
    diagnoses: dict[str, list[str]] = {"id": [], "code": []}
    procedures: dict[str, list[str]] = {"id": [], "code": []}
    kept: dict[str, Encounter] = {}
    for encounter in encounters:
        case = AuditCase(encounter, "post", knowledge)
        kept[case.id] = encounter
        _add_lines(lines, case)
        _add_case(cases, case)
        listing = encounter.settlement_list
        for code in case.diagnoses:
            diagnoses["id"].append(case.id)
            diagnoses["code"].append(code)
        codes = [o.code for o in listing.operations]
        codes += [d.operation_code for d in listing.outpatient_diagnoses if d.operation_code]
        procedures["id"] += [case.id] * len(codes)
        procedures["code"] += codes
    return Frames(
        pl.DataFrame(lines, schema=_LINE_COLUMNS),
        pl.DataFrame(cases, schema=_CASE_COLUMNS),
        pl.DataFrame(diagnoses, schema={"id": pl.String, "code": pl.String}),
        pl.DataFrame(procedures, schema={"id": pl.String, "code": pl.String}),
        kept,
    )


_LINE_COLUMNS: dict[str, Any] = {
    "id": pl.String,
    "line_no": pl.String,
    "original": pl.String,
    "code": pl.String,
    "time": pl.Datetime("us"),
    "qty": pl.Int64,
    "price": pl.Int64,
    "amount": pl.Int64,
    "ceiling": pl.Int64,
    "doctor": pl.String,
    "big": pl.Boolean,
}
_CASE_COLUMNS: dict[str, Any] = {
    "id": pl.String,
    "sex": pl.String,
    "age_years": pl.Int64,
    "age_days": pl.Int64,
    "admission": pl.Datetime("us"),
    "discharge": pl.Datetime("us"),
    "cutoff": pl.Datetime("us"),
    "died": pl.Boolean,
    "stay_days": pl.Int64,
    "inpatient": pl.Boolean,
    "principals": pl.Int64,
    "weight_min": pl.Int64,
    "weight_max": pl.Int64,
    "exact_min": pl.Datetime("us"),
    "exact_max": pl.Datetime("us"),
    "day_min": pl.Date,
    "day_max": pl.Date,
    "missing": pl.Int64,
    "total": pl.Int64,
    "person": pl.String,
    "institution": pl.String,
    "end": pl.Date,
}


def _add_lines(columns: dict[str, list[Any]], case: AuditCase) -> None:
    count = len(case.lines)
    columns["id"] += [case.id] * count
    columns["line_no"] += case.line_nos
    columns["original"] += case.originals
    columns["code"] += case.codes
    columns["time"] += case.times
    columns["qty"] += [int(q * _QTY) for q in case.quantities]
    columns["price"] += [int(p * _PRICE) for p in case.prices]
    columns["amount"] += [int(a * _CENTS) for a in case.amounts]
    columns["ceiling"] += [_scaled(c, _PRICE) for c in case.ceilings]
    columns["doctor"] += [line.doctor_code for line in case.lines]
    columns["big"] += [
        abs(q) * p * _QTY * _PRICE > _PRODUCT_LIMIT
        for q, p in zip(case.quantities, case.prices, strict=True)
    ]


def _add_case(columns: dict[str, list[Any]], case: AuditCase) -> None:
    listing = case.encounter.settlement_list
    page = case.encounter.front_page
    weights = [case.info.newborn_birth_weight, case.info.newborn_admission_weight]
    if page is not None:
        weights += [page.base.newborn_birth_weight, page.base.newborn_admission_weight]
    # A fractional weight cannot be compared in whole grams: screened in as -1.
    grams = [int(w) if w == int(w) else -1 for w in weights if w is not None]
    exact = [
        t
        for op in listing.operations
        for t in (op.start, op.end, op.anaesthesia_start, op.anaesthesia_end)
    ]
    exact += [t for icu in listing.icu_stays for t in (icu.entered, icu.left)]
    if page is not None:
        exact += [t for op in page.operations for t in (op.anaesthesia_start, op.anaesthesia_end)]
        exact += [t for icu in page.icu_stays for t in (icu.entered, icu.left)]
    present = [t for t in exact if t is not None]
    days = [op.date.date() for op in listing.operations if op.date is not None]
    discharged = case.discharge
    cutoff = None
    if discharged is not None:
        cutoff = discharged if case.died else datetime.combine(discharged.date(), time.max)
    row = {
        "id": case.id,
        "sex": None if case.sex is None else case.sex.value,
        "age_years": case.age_years,
        "age_days": case.age_days,
        "admission": case.admission,
        "discharge": discharged,
        "cutoff": cutoff,
        "died": case.died,
        "stay_days": case.stay_days,
        "inpatient": is_inpatient(case),
        "principals": sum(
            1 for d in listing.diagnoses if d.type is DiagnosisType.WESTERN and d.is_principal
        ),
        "weight_min": min(grams, default=None),
        "weight_max": max(grams, default=None),
        "exact_min": min(present, default=None),
        "exact_max": max(present, default=None),
        "day_min": min(days, default=None),
        "day_max": max(days, default=None),
        "missing": sum(
            1
            for op in listing.operations
            if op.date is None
            or not op.surgeon_code
            or (bool(op.anaesthesia_way) and not op.anaesthetist_code)
        ),
        "total": int(case.total * _CENTS),
        "person": case.info.person_no,
        "institution": case.info.institution_code,
        "end": discharged.date() if discharged else case.info.settlement_end,
    }
    for key, value in row.items():
        columns[key].append(value)


@dataclass(frozen=True)
class _Tables:
    """Knowledge and code tables as frames, built once per engine."""

    limits: pl.DataFrame
    groups: pl.DataFrame
    ceilings: pl.DataFrame
    sex_items: pl.DataFrame
    age_items: pl.DataFrame
    restricted: pl.DataFrame
    antibiotics: list[str]
    cultures: list[str]
    high_value: list[str]
    pairs: list[tuple[str, str, str]]
    sex_categories: pl.DataFrame
    age_categories: pl.DataFrame
    icd10: list[str]
    icd10_grey: list[str]
    icd9: list[str]
    icd9_grey: list[str]


def _tables(knowledge: Knowledge) -> _Tables:
    categories = sorted({code[:3] for code in icd10_insurance()})
    sexed = [(c, r.sex.value) for c in categories if (r := knowledge.sex_of_diagnosis(c)) and r.sex]
    aged = [
        (c, r.age_from_days, r.age_to_days)
        for c in categories
        if (r := knowledge.age_of_diagnosis(c))
    ]
    tagged = knowledge.tagged
    return _Tables(
        limits=pl.DataFrame(
            {
                "code": list(knowledge.daily_limits),
                "limit": [int(v * _QTY) for v in knowledge.daily_limits.values()],
            },
            schema={"code": pl.String, "limit": pl.Int64},
        ),
        groups=pl.DataFrame(
            {"code": list(knowledge.stay_groups), "group": list(knowledge.stay_groups.values())},
            schema={"code": pl.String, "group": pl.String},
        ),
        ceilings=pl.DataFrame(
            {
                "code": list(knowledge.ceilings),
                "pack_ceiling": [int(v * _PRICE) for v in knowledge.ceilings.values()],
            },
            schema={"code": pl.String, "pack_ceiling": pl.Int64},
        ),
        sex_items=pl.DataFrame(
            {
                "code": list(knowledge.sex_items),
                "item_sex": [s.value for s in knowledge.sex_items.values()],
            },
            schema={"code": pl.String, "item_sex": pl.String},
        ),
        age_items=pl.DataFrame(
            {
                "code": list(knowledge.age_items),
                "age_from": [low for low, _ in knowledge.age_items.values()],
                "age_to": [high for _, high in knowledge.age_items.values()],
            },
            schema={"code": pl.String, "age_from": pl.Int64, "age_to": pl.Int64},
        ),
        restricted=pl.DataFrame(
            [(d.code, p) for d in knowledge.restricted_drugs.values() for p in d.qualifying],
            schema={"code": pl.String, "prefix": pl.String},
            orient="row",
        ),
        antibiotics=sorted(tagged["restricted-antibiotic"]),
        cultures=sorted(tagged["culture-test"]),
        high_value=sorted(tagged["high-value-material"]),
        pairs=[(p.a, p.b, p.within) for p in knowledge.item_pairs.values()],
        sex_categories=pl.DataFrame(
            sexed, schema={"category": pl.String, "dx_sex": pl.String}, orient="row"
        ),
        age_categories=pl.DataFrame(
            aged,
            schema={"category": pl.String, "dx_from": pl.Int64, "dx_to": pl.Int64},
            orient="row",
        ),
        icd10=sorted(icd10_insurance()),
        icd10_grey=sorted(icd10_grey()),
        icd9=sorted(icd9_insurance()),
        icd9_grey=sorted(icd9_grey()),
    )


def _standing(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Lines that are not refunds and that no refund of the same encounter cancels."""
    refunded = lines.filter(pl.col("original").is_not_null()).select(
        "id", pl.col("original").alias("line_no")
    )
    return lines.filter(pl.col("original").is_null()).join(
        refunded, on=["id", "line_no"], how="anti"
    )


def _ids(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.select("id")


def _flag(rule: str, frame: pl.LazyFrame) -> pl.LazyFrame:
    """The (encounter, rule) pairs ``frame``'s rows flag: what the plain rule then confirms."""
    return frame.select("id", pl.lit(rule).alias("rule"))


def _unqualified(
    standing: pl.LazyFrame, diagnoses: pl.LazyFrame, rules: pl.LazyFrame
) -> pl.LazyFrame:
    """Encounters with a restricted drug and no diagnosis starting with one of its prefixes."""
    drugs = standing.join(rules.select("code").unique(), on="code").select("id", "code").unique()
    qualified = (
        drugs.join(rules, on="code")
        .join(diagnoses.rename({"code": "dx"}), on="id")
        .filter(pl.col("dx").str.starts_with(pl.col("prefix")))
        .select("id", "code")
    )
    return _ids(drugs.join(qualified, on=["id", "code"], how="anti"))


def _line_suspects(f: Frames, t: _Tables, tolerance: int) -> list[pl.LazyFrame]:
    """(encounter, rule) pairs some charging or restricted-payment rule may fire on (a superset)."""
    lines = f.lines.lazy().with_columns(pl.col("time").dt.date().alias("day"))
    standing = _standing(lines)
    cases = f.cases.lazy()
    found = [
        _flag(
            "charge.amount-mismatch",
            lines.filter(
                pl.col("big")
                | ((pl.col("amount") * 10**8 - pl.col("qty") * pl.col("price")).abs() > tolerance)
            ),
        ),
        _flag(
            "charge.duplicate",
            standing.group_by("id", "code", "time").len().filter(pl.col("len") > 1),
        ),
        _flag(
            "charge.daily-limit",
            standing.join(t.limits.lazy(), on="code")
            .group_by("id", "code", "day")
            .agg(pl.col("qty").sum(), pl.col("limit").first())
            .filter(pl.col("qty") > pl.col("limit")),
        ),
        _flag(
            "charge.days-beyond-stay",
            standing.join(t.groups.lazy(), on="code")
            .group_by("id", "group")
            .agg(pl.col("qty").sum())
            .join(cases.select("id", "stay_days"), on="id")
            .filter(pl.col("qty") > pl.col("stay_days") * _QTY),
        ),
        _flag(
            "charge.after-discharge",
            standing.join(cases.select("id", "cutoff"), on="id").filter(
                pl.col("time") > pl.col("cutoff")
            ),
        ),
        _flag(
            "charge.orphan-refund",
            lines.filter(pl.col("original").is_not_null()).join(
                lines.select("id", pl.col("line_no").alias("original")),
                on=["id", "original"],
                how="anti",
            ),
        ),
        _flag(
            "charge.price-ceiling",
            standing.join(t.ceilings.lazy(), on="code", how="left").filter(
                pl.min_horizontal("ceiling", "pack_ceiling") < pl.col("price")
            ),
        ),
        _flag(
            "charge.sex-restricted-item",
            standing.join(t.sex_items.lazy(), on="code")
            .join(cases.select("id", "sex"), on="id")
            .filter(pl.col("sex") != pl.col("item_sex")),
        ),
        _flag(
            "charge.age-restricted-item",
            standing.join(t.age_items.lazy(), on="code")
            .join(cases.select("id", "age_years"), on="id")
            .filter(
                (pl.col("age_years") < pl.col("age_from"))
                | (pl.col("age_years") > pl.col("age_to"))
            ),
        ),
        _flag(
            "pay.restricted-drug", _unqualified(standing, f.diagnoses.lazy(), t.restricted.lazy())
        ),
        _flag(
            "pay.antibiotic-culture",
            standing.filter(pl.col("code").is_in(t.antibiotics)).join(
                standing.filter(pl.col("code").is_in(t.cultures)), on="id", how="anti"
            ),
        ),
    ]
    for a, b, within in t.pairs:
        keys = ["id", "day"] if within == "day" else ["id"]
        left = standing.filter(pl.col("code") == a).select(keys).unique()
        right = standing.filter(pl.col("code") == b).select(keys).unique()
        found.append(_flag("charge.exclusive-items", left.join(right, on=keys)))
    return found


def _quality_suspects(f: Frames, t: _Tables, low: int, high: int) -> list[pl.LazyFrame]:
    """(encounter, rule) pairs some settlement-list quality rule may fire on (a superset)."""
    cases = f.cases.lazy()
    dx = f.diagnoses.lazy().with_columns(pl.col("code").str.slice(0, 3).alias("category"))
    return [
        _flag(
            "qc.principal-diagnosis",
            cases.filter(pl.col("inpatient") & (pl.col("principals") != 1)),
        ),
        _flag(
            "qc.diagnosis-code",
            dx.filter(~pl.col("code").is_in(t.icd10) | pl.col("code").is_in(t.icd10_grey)),
        ),
        _flag(
            "qc.procedure-code",
            f.procedures.lazy().filter(
                ~pl.col("code").is_in(t.icd9) | pl.col("code").is_in(t.icd9_grey)
            ),
        ),
        _flag(
            "qc.diagnosis-sex",
            dx.join(t.sex_categories.lazy(), on="category")
            .join(cases.select("id", "sex"), on="id")
            .filter(pl.col("sex") != pl.col("dx_sex")),
        ),
        _flag(
            "qc.diagnosis-age",
            dx.join(t.age_categories.lazy(), on="category")
            .join(cases.select("id", "age_days"), on="id")
            .filter(
                (pl.col("age_days") < pl.col("dx_from")) | (pl.col("age_days") > pl.col("dx_to"))
            ),
        ),
        _flag(
            "qc.newborn-weight",
            cases.filter((pl.col("weight_min") < low) | (pl.col("weight_max") > high)),
        ),
        _flag(
            "qc.times-within-stay",
            cases.filter(
                (pl.col("exact_min") < pl.col("admission"))
                | (pl.col("exact_max") > pl.col("discharge"))
                | (pl.col("day_min") < pl.col("admission").dt.date())
                | (pl.col("day_max") > pl.col("discharge").dt.date())
            ),
        ),
        _flag("qc.operation-fields", cases.filter(pl.col("missing") > 0)),
    ]


def _pattern_suspects(
    f: Frames, t: _Tables, params: dict[str, Params]
) -> tuple[set[str], set[str]]:
    """People and doctors a national batch pattern may fire on (supersets): people with stays
    at two institutions, or with a year-end window's spending at the floor; doctors with
    high-value material lines. Each pattern is judged per person or per doctor, so the plain
    rules, given every encounter of the suspects, find what they would over the whole batch."""
    cases = f.cases.lazy()
    overlapping = (
        cases.filter(pl.col("person").is_not_null() & pl.col("institution").is_not_null())
        .group_by("person")
        .agg(pl.col("institution").n_unique())
        .filter(pl.col("institution") > 1)
        .select("person")
    )
    rush = params.get("batch.year-end-rush")
    days = rush.integer("window_days") if rush else 0
    floor = int(rush.decimal("min_amount") * _CENTS) if rush else 0
    day = pl.col("time").dt.date()
    rushed = (
        f.lines.lazy()
        .filter(day > pl.date(day.dt.year(), 12, 31) - pl.duration(days=days))
        .group_by("id", day.dt.year().alias("year"))
        .agg(pl.col("amount").sum())
        .join(cases.select("id", "person"), on="id")
        .group_by("person", "year")
        .agg(pl.col("amount").sum())
        .filter(pl.col("amount") >= floor)
        .select("person")
    )
    # An encounter without lines counts its total on its last day: its person is a suspect.
    lineless = cases.join(f.lines.lazy().select("id").unique(), on="id", how="anti")
    doctors = (
        _standing(f.lines.lazy())
        .filter(pl.col("code").is_in(t.high_value) & pl.col("doctor").is_not_null())
        .select("doctor")
        .unique()
    )
    people, medics = pl.collect_all(
        [pl.concat([overlapping, rushed, lineless.select("person")]).unique(), doctors]
    )
    return (
        set(people.get_column("person").drop_nulls().to_list()),
        set(medics.get_column("doctor").to_list()),
    )


def _summaries(f: Frames, t: _Tables, people: set[str], doctors: set[str]) -> list[CaseSummary]:
    """The batch rules' summaries of the suspects' encounters, aggregated in Polars; people
    and doctors who are not suspects are left out of them (``person=None``, no materials)."""
    ids = pl.concat(
        [
            f.lines.filter(pl.col("doctor").is_in(doctors)).get_column("id").unique(),
            f.cases.filter(pl.col("person").is_in(people)).get_column("id"),
        ]
    )
    cases = f.cases.filter(pl.col("id").is_in(ids.implode()))
    lines = f.lines.filter(pl.col("id").is_in(ids.implode())).with_columns(
        pl.col("time").dt.date().alias("day")
    )
    daily: dict[str, list[tuple[Any, Decimal]]] = {}
    for id_, day, cents in (
        lines.group_by("id", "day").agg(pl.col("amount").sum()).sort("id", "day").iter_rows()
    ):
        daily.setdefault(id_, []).append((day, Decimal(cents).scaleb(-2)))
    materials: dict[str, list[tuple[str, Decimal, tuple[str, ...]]]] = {}
    used = (
        _standing(lines.lazy())
        .filter(pl.col("code").is_in(t.high_value) & pl.col("doctor").is_in(doctors))
        .group_by("id", "doctor")
        .agg(pl.col("amount").sum(), pl.col("line_no"))
        .sort("id", "doctor")
        .collect()
    )
    for id_, doctor, cents, numbers in used.iter_rows():
        ordered = tuple(sorted(numbers, key=line_sort_key))
        materials.setdefault(id_, []).append((doctor, Decimal(cents).scaleb(-2), ordered))
    ordering = {
        id_: tuple(sorted(names))
        for id_, names in lines.filter(pl.col("doctor").is_in(doctors))
        .group_by("id")
        .agg(pl.col("doctor").unique())
        .iter_rows()
    }
    summaries = []
    for id_, person, institution, admission, discharge, end, total in cases.select(
        "id", "person", "institution", "admission", "discharge", "end", "total"
    ).iter_rows():
        amount = Decimal(total).scaleb(-2)
        spent = daily.get(id_, [])
        if not spent and end is not None and amount:
            spent = [(end, amount)]
        summaries.append(
            CaseSummary(
                id=id_,
                person=person if person in people else None,
                institution=institution,
                admission=admission.date() if admission else None,
                discharge=discharge.date() if discharge else None,
                total=amount,
                daily=tuple(spent),
                materials=tuple(materials.get(id_, ())),
                doctors=ordering.get(id_, ()),
                month=None if end is None else f"{end:%Y-%m}",
            )
        )
    return summaries


_SCREENED = frozenset(rule.id for rule in national_rules())
"""The rules the columnar screens know: every national rule."""


def audit_frames(f: Frames, engine: AuditEngine) -> list[Finding]:
    """Every post-stage finding on the batch: the same as :meth:`AuditEngine.check_batch`
    gives over the same encounters (per-encounter findings in input order, then the batch
    patterns'), with the screening done over columns.

    An encounter goes through the plain rules its screens flagged (they write the findings)
    and through every rule the screens do not know (a plugin's); the batch patterns read the
    summaries of the suspects' encounters — of every encounter when a plugin adds one."""
    t = _tables(engine.knowledge)
    params = {c.rule.id: c.params for c in engine.active}
    tolerance = (
        int(params["charge.amount-mismatch"].decimal("tolerance") * 10**10)
        if "charge.amount-mismatch" in params
        else 0
    )
    weights = params.get("qc.newborn-weight")
    low, high = (
        (weights.integer("min_grams"), weights.integer("max_grams")) if weights else (200, 20000)
    )
    screens = [*_line_suspects(f, t, tolerance), *_quality_suspects(f, t, low, high)]
    flagged: dict[str, set[str]] = {}
    for id_, rule in pl.concat(screens).unique().collect().iter_rows():
        flagged.setdefault(id_, set()).add(rule)
    unknown = {c.rule.id for c in engine.active} - _SCREENED
    found: list[Finding] = []
    for id_, encounter in f.encounters.items():
        rules = flagged.get(id_, set()) | unknown
        if rules:
            found += engine.check_rules(encounter, "post", rules)
    if engine.batch_rules:
        audit = engine.batch()
        if {rule.id for rule, _ in engine.batch_rules} <= _SCREENED:
            people, doctors = _pattern_suspects(f, t, params)
        else:
            people = set(f.cases.get_column("person").drop_nulls().to_list())
            doctors = set(f.lines.get_column("doctor").drop_nulls().to_list())
        for summary in _summaries(f, t, people, doctors):
            audit.add_summary(summary)
        found += audit.finish()
    return found
