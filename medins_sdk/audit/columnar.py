"""The columnar 事后 path: a batch of settled encounters screened in Polars, then confirmed.

A batch is millions of charge lines, and almost every encounter is clean. Polars evaluates,
over whole columns, a necessary condition of every national per-encounter rule (a duplicate
key exists, a day's quantity exceeds its limit, a time lies past discharge, a code falls
outside the edition …); only the encounters some condition flags go through the plain rules,
which write the findings — so both paths give the same findings, byte for byte, by
construction (``tests/test_audit_columnar.py`` checks it). The batch patterns are screened by
the pattern rules' own decisions over sums made in Polars, and read summaries of the suspects
only. Money is Int64 in cents (quantities ×10⁴, prices ×10⁶): no float.

What keeps it fast: lines carry ``k``, their encounter's row in the cases frame, so encounter
columns are gathered by row rather than joined on string ids and groups are keyed by folded
integers; the checks against knowledge run over the few lines a table names (found by hashing
the codes first); a screen may over-flag (a hash collision) but never miss.

Needs the ``columnar`` extra (``pip install medins-sdk[columnar]``). :func:`frames` builds
the input frames from encounters — in production, read them from your warehouse or Parquet —
and :func:`audit_frames` is the timed, columnar step.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any

import polars as pl

from medins_sdk.audit.engine import AuditEngine
from medins_sdk.audit.knowledge import Knowledge
from medins_sdk.audit.params import Params
from medins_sdk.audit.rules import national_rules
from medins_sdk.audit.rules.batch import surges, year_end_baseline
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
    """One row per line; ``k`` is its encounter's row in ``cases``."""
    cases: pl.DataFrame
    """One row per encounter, row ``k`` holding ``k``."""
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
        lines["k"] += [len(cases["k"])] * len(case.lines)
        cases["k"].append(len(cases["k"]))
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
    "k": pl.UInt32,
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
    "k": pl.UInt32,
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
    known: list[str]
    """Every item code a line check's knowledge names."""


def _tables(knowledge: Knowledge) -> _Tables:
    categories = sorted({code[:3] for code in icd10_insurance()})
    sexed = [(c, r.sex.value) for c in categories if (r := knowledge.sex_of_diagnosis(c)) and r.sex]
    aged = [
        (c, r.age_from_days, r.age_to_days)
        for c in categories
        if (r := knowledge.age_of_diagnosis(c))
    ]
    tagged = knowledge.tagged
    names = sorted(set(knowledge.stay_groups.values()))
    pairs = [(p.a, p.b, p.within) for p in knowledge.item_pairs.values()]
    known = {
        *knowledge.daily_limits,
        *knowledge.stay_groups,
        *knowledge.ceilings,
        *knowledge.sex_items,
        *knowledge.age_items,
        *(drug.code for drug in knowledge.restricted_drugs.values()),
        *tagged["restricted-antibiotic"],
        *tagged["culture-test"],
        *(code for a, b, _ in pairs for code in (a, b)),
    }
    return _Tables(
        limits=pl.DataFrame(
            {
                "code": list(knowledge.daily_limits),
                "limit": [int(v * _QTY) for v in knowledge.daily_limits.values()],
            },
            schema={"code": pl.String, "limit": pl.Int64},
        ),
        groups=pl.DataFrame(
            {
                "code": list(knowledge.stay_groups),
                "group_no": [names.index(g) for g in knowledge.stay_groups.values()],
            },
            schema={"code": pl.String, "group_no": pl.UInt32},
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
        pairs=pairs,
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
        known=sorted(known),
    )


def _standing(lines: pl.DataFrame) -> pl.DataFrame:
    """Lines that are not refunds and that no refund of the same encounter cancels. Refunds
    are rare: only the encounters holding one are joined, the others pass whole."""
    refunds = lines.filter(pl.col("original").is_not_null())
    if refunds.is_empty():
        return lines
    touched = pl.col("k").is_in(refunds.get_column("k").unique().implode())
    cancelled = refunds.select("k", pl.col("original").alias("line_no"))
    kept = lines.filter(touched & pl.col("original").is_null())
    return pl.concat(
        [lines.filter(~touched), kept.join(cancelled, on=["k", "line_no"], how="anti")]
    )


def _among(frame: pl.DataFrame, column: str, values: Collection[str]) -> pl.DataFrame:
    """The rows of ``frame`` whose ``column`` is one of ``values`` (a few codes). Hashing a
    million strings is cheap, looking each up in a string set is not: rows are first kept by
    hash, then the few left are checked exactly."""
    if not values:
        return frame.clear()
    hashes = pl.Series(list(values), dtype=pl.String).hash()
    return frame.filter(pl.col(column).hash().is_in(hashes.implode())).filter(
        pl.col(column).is_in(list(values))
    )


def _with_case(lines: pl.DataFrame, cases: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """``lines`` with their encounter's ``columns``, gathered by row (``k``), not joined."""
    rows = lines.get_column("k")
    return lines.with_columns(cases.get_column(name).gather(rows) for name in columns)


def _repeated(standing: pl.DataFrame) -> pl.DataFrame:
    """Lines that may share encounter, item and time with another. The three are folded into
    one 63-bit key (seconds, encounter row and a hash of the code, each reduced), sorted, and
    the keys seen twice kept: a fold's collision can only screen in an innocent encounter."""
    key = (
        (pl.col("time").dt.epoch("s") % 2**30) * 2**33
        + (pl.col("k").cast(pl.Int64) % 2**20) * 2**13
        + (pl.col("code").hash() % 2**13).cast(pl.Int64)
    )
    keys = standing.select(key).to_series()
    ordered = keys.sort()
    repeated = ordered.filter(ordered.diff() == 0)
    return standing.filter(keys.is_in(repeated.implode()))


def _folded(item: str, day: pl.Expr | int = 0) -> pl.Expr:
    """One Int64 group key for (encounter row ``k``, ``item`` index < 2¹⁶, ``day`` mod
    2¹⁶): exact for fewer than 2³¹ encounters, and cheaper to group by than three columns."""
    k, index = pl.col("k").cast(pl.Int64), pl.col(item).cast(pl.Int64)
    return (k * 2**32 + index * 2**16 + day).alias("key")


def _flag(rule: str, frame: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    """The (encounter, rule) pairs ``frame``'s rows flag: what the plain rule then confirms."""
    return frame.lazy().select("id", pl.lit(rule).alias("rule"))


def _unqualified(known: pl.LazyFrame, diagnoses: pl.LazyFrame, rules: pl.LazyFrame) -> pl.LazyFrame:
    """Encounters with a restricted drug and no diagnosis starting with one of its prefixes."""
    drugs = known.join(rules.select("code").unique(), on="code").select("id", "code").unique()
    qualified = (
        drugs.join(rules, on="code")
        .join(diagnoses.rename({"code": "dx"}), on="id")
        .filter(pl.col("dx").str.starts_with(pl.col("prefix")))
        .select("id", "code")
    )
    return drugs.join(qualified, on=["id", "code"], how="anti")


def _line_suspects(
    f: Frames, t: _Tables, standing: pl.DataFrame, tolerance: int
) -> list[pl.LazyFrame]:
    """(encounter, rule) pairs some charging or restricted-payment rule may fire on (a
    superset). The checks against knowledge run over ``known``, the few standing lines whose
    item some table names, with their encounter's columns beside them."""
    lines = f.lines
    known = (
        _with_case(_among(standing, "code", t.known), f.cases, *_KNOWN_CASE)
        .with_columns(pl.col("time").dt.date().alias("day"))
        .lazy()
    )
    refunds = lines.filter(pl.col("original").is_not_null())
    refunded = lines.filter(pl.col("k").is_in(refunds.get_column("k").unique().implode()))
    found = [
        _flag(
            "charge.amount-mismatch",
            lines.filter(
                pl.col("big")
                | ((pl.col("amount") * 10**8 - pl.col("qty") * pl.col("price")).abs() > tolerance)
            ),
        ),
        _flag("charge.duplicate", _repeated(standing)),
        _flag(
            "charge.daily-limit",
            known.join(t.limits.lazy().with_row_index("item"), on="code")
            .group_by(_folded("item", pl.col("time").dt.epoch("d") % 2**16))
            .agg(pl.col("qty").sum(), pl.col("limit").first(), pl.col("id").first())
            .filter(pl.col("qty") > pl.col("limit")),
        ),
        _flag(
            "charge.days-beyond-stay",
            known.join(t.groups.lazy(), on="code")
            .group_by(_folded("group_no"))
            .agg(pl.col("qty").sum(), pl.col("stay_days").first(), pl.col("id").first())
            .filter(pl.col("qty") > pl.col("stay_days") * _QTY),
        ),
        _flag(
            "charge.after-discharge",
            _sorted_by_encounter(lines)
            .group_by("k")
            .agg(pl.col("time").max())
            .join(f.cases.select("k", "id", "cutoff"), on="k")
            .filter(pl.col("time") > pl.col("cutoff")),
        ),
        _flag(
            "charge.orphan-refund",
            refunds.join(
                refunded.select("k", pl.col("line_no").alias("original")),
                on=["k", "original"],
                how="anti",
            ),
        ),
        _flag("charge.price-ceiling", standing.filter(pl.col("ceiling") < pl.col("price"))),
        _flag(
            "charge.price-ceiling",
            known.join(t.ceilings.lazy(), on="code").filter(
                pl.col("pack_ceiling") < pl.col("price")
            ),
        ),
        _flag(
            "charge.sex-restricted-item",
            known.join(t.sex_items.lazy(), on="code").filter(pl.col("sex") != pl.col("item_sex")),
        ),
        _flag(
            "charge.age-restricted-item",
            known.join(t.age_items.lazy(), on="code").filter(
                (pl.col("age_years") < pl.col("age_from"))
                | (pl.col("age_years") > pl.col("age_to"))
            ),
        ),
        _flag("pay.restricted-drug", _unqualified(known, f.diagnoses.lazy(), t.restricted.lazy())),
        _flag(
            "pay.antibiotic-culture",
            known.filter(pl.col("code").is_in(t.antibiotics)).join(
                known.filter(pl.col("code").is_in(t.cultures)), on="id", how="anti"
            ),
        ),
    ]
    for a, b, within in t.pairs:
        keys = ["id", "day"] if within == "day" else ["id"]
        left = known.filter(pl.col("code") == a).select(keys).unique()
        right = known.filter(pl.col("code") == b).select(keys).unique()
        found.append(_flag("charge.exclusive-items", left.join(right, on=keys)))
    return found


_KNOWN_CASE = ("sex", "age_years", "stay_days")
"""The encounter columns the knowledge checks read beside each line."""


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
    f: Frames, t: _Tables, standing: pl.DataFrame, params: dict[str, Params]
) -> tuple[set[str], set[str]]:
    """People and doctors a national batch pattern may fire on (supersets): people with stays
    at two institutions, people whose year-end spending the rush rule's own decision calls a
    rush, people with an encounter without lines (its total counts on its last day), and
    doctors whose material history the surge rule's own decision calls a jump. Each pattern
    is judged per person or per doctor, so the plain rules, given every encounter of the
    suspects, find what they would over the whole batch."""
    cases = f.cases
    overlapping = (
        cases.filter(pl.col("person").is_not_null() & pl.col("institution").is_not_null())
        .group_by("person")
        .agg(pl.col("institution").n_unique())
        .filter(pl.col("institution") > 1)
        .get_column("person")
    )
    lineless = cases.filter(~pl.col("k").is_in(f.lines.get_column("k").unique().implode()))
    people = {*overlapping.to_list(), *lineless.get_column("person").drop_nulls().to_list()}
    rush = params.get("batch.year-end-rush")
    if rush is not None:
        people |= _rushed(f, rush)
    surge = params.get("batch.material-surge")
    doctors = _surging(f, t, standing, surge) if surge is not None else set()
    return people, doctors


def _days_left(day: pl.Expr) -> pl.Expr:
    """Days from ``day`` to the 31st of December of its year (0 on that day)."""
    return 365 + day.dt.is_leap_year().cast(pl.Int64) - day.dt.ordinal_day().cast(pl.Int64)


def _rushed(f: Frames, params: Params) -> set[str]:
    """People whose spending in a year's last weeks :func:`year_end_baseline` calls a rush:
    every line counted on its day, as the rule's summaries count them. With a positive floor
    and ratio only people with an encounter whose lines reach into a year's window can be
    one: just their encounters are summed, per encounter and day under one integer key."""
    days = params.integer("window_days")
    ratio, floor = params.decimal("ratio"), params.decimal("min_amount")
    lines = f.lines
    if floor > 0 and ratio > 0:
        spans = (
            _sorted_by_encounter(lines)
            .group_by("k")
            .agg(
                pl.col("time").min().dt.date().alias("first"),
                pl.col("time").max().dt.date().alias("last"),
            )
        )
        reaching = spans.filter(
            (pl.col("first").dt.year() < pl.col("last").dt.year())
            | (_days_left(pl.col("last")) < days)
        ).get_column("k")
        people = f.cases.filter(pl.col("k").is_in(reaching.implode())).get_column("person")
        rows = f.cases.filter(pl.col("person").is_in(people.drop_nulls().implode()))
        lines = lines.filter(pl.col("k").is_in(rows.get_column("k").implode()))
    # Days counted from 1970 − 2¹⁹ days, so that the fold stays positive.
    key = pl.col("k").cast(pl.Int64) * 2**20 + pl.col("time").dt.epoch("d") + 2**19
    daily = lines.group_by(key.alias("key")).agg(pl.col("amount").sum())
    day = pl.from_epoch(pl.col("key") % 2**20 - 2**19, time_unit="d")
    sums = (
        daily.lazy()
        .select(
            (pl.col("key") // 2**20).cast(pl.UInt32).alias("k"),
            day.dt.year().alias("year"),
            pl.when(_days_left(day) < days).then(pl.col("amount")).otherwise(0).alias("rushed"),
            pl.when(_days_left(day) >= days).then(pl.col("amount")).otherwise(0).alias("earlier"),
        )
        .join(f.cases.lazy().select("k", "person"), on="k")
        .filter(pl.col("person").is_not_null())
        .group_by("person", "year")
        .agg(pl.col("rushed").sum(), pl.col("earlier").sum())
        .collect()
    )
    return {
        person
        for person, year, rushed, earlier in sums.iter_rows()
        if year_end_baseline(
            year, Decimal(rushed).scaleb(-2), Decimal(earlier).scaleb(-2), days, ratio, floor
        )
        is not None
    }


def _sorted_by_encounter(lines: pl.DataFrame) -> pl.DataFrame:
    """``lines`` marked sorted by ``k`` when they are (as :func:`frames` writes them): Polars
    then groups by encounter without hashing."""
    k = lines.get_column("k")
    return lines.with_columns(k.set_sorted()) if k.is_sorted() else lines


def _surging(f: Frames, t: _Tables, standing: pl.DataFrame, params: Params) -> set[str]:
    """Doctors whose monthly high-value material amount per case :func:`surges` calls a
    jump: cases are the encounters a doctor ordered any line of, by month of discharge."""
    used = _among(standing, "code", t.high_value).filter(pl.col("doctor").is_not_null())
    candidates = used.get_column("doctor").unique()
    if candidates.is_empty():
        return set()
    months = f.cases.select("k", pl.col("end").dt.strftime("%Y-%m").alias("month")).filter(
        pl.col("month").is_not_null()
    )
    # An encounter's lines mostly share their doctor: drop repeats of the line above first.
    pairs = f.lines.select("k", "doctor")
    counts = (
        pairs.filter(
            (pl.col("k") != pl.col("k").shift()).fill_null(True)
            | (pl.col("doctor") != pl.col("doctor").shift()).fill_null(True)
        )
        .filter(pl.col("doctor").is_in(candidates.implode()))
        .unique()
        .join(months, on="k")
        .group_by("doctor", "month")
        .len()
    )
    amounts = used.join(months, on="k").group_by("doctor", "month").agg(pl.col("amount").sum())
    history: dict[str, list[tuple[str, int, Decimal]]] = {}
    for doctor, month, count, cents in (
        counts.join(amounts, on=["doctor", "month"], how="left").sort("doctor", "month").iter_rows()
    ):
        history.setdefault(doctor, []).append((month, count, Decimal(cents or 0).scaleb(-2)))
    return {doctor for doctor, seen in history.items() if any(surges(seen, params))}


def _summaries(
    f: Frames, t: _Tables, standing: pl.DataFrame, people: set[str], doctors: set[str]
) -> list[CaseSummary]:
    """The batch rules' summaries of the suspects' encounters, aggregated in Polars; people
    and doctors who are not suspects are left out of them (``person=None``, no materials)."""
    rows = f.cases.filter(pl.col("person").is_in(list(people))).get_column("k")
    if doctors:
        ordering_rows = f.lines.filter(pl.col("doctor").is_in(list(doctors))).get_column("k")
        rows = pl.concat([rows, ordering_rows]).unique()
    chosen = pl.col("k").is_in(rows.implode())
    cases = f.cases.filter(chosen)
    lines = f.lines.filter(chosen).with_columns(pl.col("time").dt.date().alias("day"))
    daily: dict[str, list[tuple[Any, Decimal]]] = {}
    for id_, day, cents in (
        lines.group_by("id", "day").agg(pl.col("amount").sum()).sort("id", "day").iter_rows()
    ):
        daily.setdefault(id_, []).append((day, Decimal(cents).scaleb(-2)))
    materials: dict[str, list[tuple[str, Decimal, tuple[str, ...]]]] = {}
    used = (
        standing.filter(
            chosen & pl.col("code").is_in(t.high_value) & pl.col("doctor").is_in(list(doctors))
        )
        .group_by("id", "doctor")
        .agg(pl.col("amount").sum(), pl.col("line_no"))
        .sort("id", "doctor")
    )
    for id_, doctor, cents, numbers in used.iter_rows():
        ordered = tuple(sorted(numbers, key=line_sort_key))
        materials.setdefault(id_, []).append((doctor, Decimal(cents).scaleb(-2), ordered))
    ordering = {
        id_: tuple(sorted(names))
        for id_, names in lines.filter(pl.col("doctor").is_in(list(doctors)))
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
    standing = _standing(f.lines)
    screens = [*_line_suspects(f, t, standing, tolerance), *_quality_suspects(f, t, low, high)]
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
            people, doctors = _pattern_suspects(f, t, standing, params)
        else:
            people = set(f.cases.get_column("person").drop_nulls().to_list())
            doctors = set(f.lines.get_column("doctor").drop_nulls().to_list())
        for summary in _summaries(f, t, standing, people, doctors):
            audit.add_summary(summary)
        found += audit.finish()
    return found
