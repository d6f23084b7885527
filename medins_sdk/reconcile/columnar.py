"""Reconciliation on Polars frames: a city's month (millions of settlements) in seconds.

Needs the ``columnar`` extra (``pip install medins-sdk[columnar]``). Amounts are integer
cents (``Int64``) — never floats — and the result is the pure-Python path's, object for
object (a test checks this). How:

* every line gets ``_key``, a 64-bit hash of its row key, and ``_hash``, a hash of every
  field the comparison looks at (``setl_id``, the key, the three amounts, the refund flag):
  seeded column hashes combined by XOR, one pass per side, both sides in parallel;
* totals: a ``group_by`` on ``_key`` (one integer column instead of three text ones) with
  exact integer sums;
* detail: lines are spread over 256 buckets by their hash; a bucket whose line count and
  exact sums of the hashes' two 32-bit halves agree on both sides holds the same lines, so
  only the lines of disagreeing buckets are anti-joined by hash, and the few left over are
  classified by :func:`medins_sdk.reconcile.detail.compare_detail` itself.

What rests on hashing, honestly: two different row keys colliding among a period's few
hundred (~10⁻¹³), or a bucket whose differing lines leave its count and both sums unchanged
(~2⁻⁶⁴ per bucket), would go unseen; the pure-Python path uses no hashing. Each side must
list a ``setl_id`` once (the SDK's readers reject repeats); a repeat among the differing
lines is a :class:`FrameError`.

Frame columns (:func:`schema`): ``setl_id``, ``insutype``, ``setl_optins``, ``clr_type``,
``setl_time`` (text ``yyyy-MM-dd HH:mm:ss``, nullable), ``medfee_sumamt``,
``fund_pay_sumamt``, ``acct_pay`` (cents) and ``refd_setl_flag`` (0/1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from medins_sdk.codes.tables import Flag
from medins_sdk.reconcile.categories import Categories
from medins_sdk.reconcile.compare import Reconciliation
from medins_sdk.reconcile.detail import compare_detail
from medins_sdk.reconcile.lines import RowKey, StatementLine
from medins_sdk.reconcile.totals import Amounts, compare_totals

if TYPE_CHECKING:
    import polars as pl

KEY: Final = ("insutype", "setl_optins", "clr_type")
AMOUNTS: Final = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")
_SEED: Final = 20221115
_BUCKET_BITS: Final = 8


def available() -> bool:
    """Whether Polars is installed (the ``columnar`` extra)."""
    try:
        import polars  # noqa: F401
    except ImportError:
        return False
    return True


def schema() -> dict[str, Any]:
    """The frame schema both sides must have."""
    import polars as pl

    return {
        "setl_id": pl.String,
        "insutype": pl.String,
        "setl_optins": pl.String,
        "clr_type": pl.String,
        "setl_time": pl.String,
        "medfee_sumamt": pl.Int64,
        "fund_pay_sumamt": pl.Int64,
        "acct_pay": pl.Int64,
        "refd_setl_flag": pl.Int8,
    }


def frame_of(lines: Iterable[StatementLine]) -> pl.DataFrame:
    """Lines as a frame (amounts in cents), e.g. to hand a file read by the SDK to Polars."""
    import polars as pl

    columns: dict[str, list[Any]] = {name: [] for name in schema()}
    for line in lines:
        columns["setl_id"].append(line.setl_id)
        columns["insutype"].append(line.insurance_type)
        columns["setl_optins"].append(line.settlement_agency)
        columns["clr_type"].append(line.clearing_type)
        when = line.settlement_time
        columns["setl_time"].append(None if when is None else when.isoformat(sep=" "))
        columns["medfee_sumamt"].append(int(line.total.scaleb(2)))
        columns["fund_pay_sumamt"].append(int(line.fund_total.scaleb(2)))
        columns["acct_pay"].append(int(line.account_pay.scaleb(2)))
        columns["refd_setl_flag"].append(1 if line.is_refund else 0)
    return pl.DataFrame(columns, schema=schema())


def _lines_of(frame: pl.DataFrame) -> dict[str, StatementLine]:
    """The few lines of a small frame, back as models (amounts from cents, exactly)."""
    lines = {}
    for row in frame.iter_rows(named=True):
        when = row["setl_time"]
        lines[row["setl_id"]] = StatementLine(
            setl_id=row["setl_id"],
            insurance_type=row["insutype"],
            settlement_agency=row["setl_optins"],
            clearing_type=row["clr_type"],
            settlement_time=None if when is None else datetime.fromisoformat(when),
            total=Decimal(row["medfee_sumamt"]).scaleb(-2),
            fund_total=Decimal(row["fund_pay_sumamt"]).scaleb(-2),
            account_pay=Decimal(row["acct_pay"]).scaleb(-2),
            refund=Flag.YES if row["refd_setl_flag"] else Flag.NO,
        )
    return lines


class FrameError(ValueError):
    """A frame that does not have the schema, or lists a ``setl_id`` twice."""


def _checked(frame: pl.DataFrame, side: str) -> pl.DataFrame:
    """The frame's columns in schema order; FrameError for a wrong type or a missing id."""
    expected = schema()
    wrong = {
        name: str(frame.schema.get(name))
        for name, kind in expected.items()
        if frame.schema.get(name) != kind
    }
    if wrong:
        raise FrameError(f"{side} frame: columns {wrong} do not have the types of {expected}")
    if frame["setl_id"].null_count():
        raise FrameError(f"{side} frame: a setl_id is missing")
    return frame.select(list(expected))


def _unique_ids(frame: pl.DataFrame, side: str) -> pl.DataFrame:
    if frame["setl_id"].is_duplicated().any():
        raise FrameError(f"{side} frame: a setl_id is listed twice")
    return frame


def _keyed_like(bureau: pl.DataFrame, hospital: pl.DataFrame) -> pl.DataFrame:
    """:func:`~medins_sdk.reconcile.compare.keyed_like` on frames: bureau lines missing a key
    part (a 3202 file) take the hospital line's, joined by ``setl_id``."""
    import polars as pl

    incomplete = pl.any_horizontal(pl.col(name).is_null() for name in (*KEY, "setl_time"))
    if not bureau.select(incomplete.any()).item():
        return bureau
    theirs = hospital.select("setl_id", *(pl.col(c).alias(f"_h_{c}") for c in (*KEY, "setl_time")))
    joined = bureau.join(theirs, on="setl_id", how="left")
    return joined.select(
        "setl_id",
        *(pl.coalesce(c, f"_h_{c}").alias(c) for c in (*KEY, "setl_time")),
        *AMOUNTS,
        "refd_setl_flag",
    )


def _prepared(frame: pl.DataFrame) -> pl.LazyFrame:
    """The frame with ``_key`` (a hash of the row key) and ``_hash`` (of every compared field:
    ``setl_id``, the key, the amounts, the refund flag), seeded column hashes XORed."""
    import polars as pl

    key = pl.col(KEY[0]).fill_null("").hash(_SEED)
    for offset, name in enumerate(KEY[1:], start=1):
        key = key ^ pl.col(name).fill_null("").hash(_SEED + offset)
    row = pl.col("setl_id").hash(_SEED + 10) ^ pl.col("_key").hash(_SEED + 11)
    for offset, name in enumerate((*AMOUNTS, "refd_setl_flag"), start=12):
        row = row ^ pl.col(name).hash(_SEED + offset)
    return frame.lazy().with_columns(key.alias("_key")).with_columns(row.alias("_hash"))


def _totals(frame: pl.DataFrame) -> pl.LazyFrame:
    """Sums per row key, grouped by the key's hash (one integer column: several times faster
    than three text columns; a collision among a period's few hundred keys is ~10⁻¹³)."""
    import polars as pl

    return (
        frame.lazy()
        .group_by("_key")
        .agg(
            *(pl.col(name).first().fill_null("") for name in KEY),
            *(pl.col(name).sum() for name in AMOUNTS),
            pl.len().alias("setl_cnt"),
        )
    )


def _sums(grouped: pl.DataFrame) -> dict[RowKey, Amounts]:
    return {
        RowKey(row[1], row[2], row[3]): Amounts(
            medfee_sumamt=Decimal(row[4]).scaleb(-2),
            fund_pay_sumamt=Decimal(row[5]).scaleb(-2),
            acct_pay=Decimal(row[6]).scaleb(-2),
            setl_cnt=row[7],
        )
        for row in grouped.iter_rows()
    }


def _bucket() -> pl.Expr:
    """A line's bucket: the top :data:`_BUCKET_BITS` bits of its hash."""
    import polars as pl

    bucket: pl.Expr = (pl.col("_hash") // 2 ** (64 - _BUCKET_BITS)).alias("_bucket")
    return bucket


def _buckets(frame: pl.DataFrame) -> pl.LazyFrame:
    """Per bucket (the hash's top :data:`_BUCKET_BITS` bits): rows and the exact sums of the
    hashes' two 32-bit halves — equal on both sides when the bucket's rows are the same."""
    import polars as pl

    return (
        frame.lazy()
        .group_by(_bucket())
        .agg(
            pl.len().alias("_rows"),
            (pl.col("_hash") % 2**32).sum().alias("_low"),
            (pl.col("_hash") // 2**32).sum().alias("_high"),
        )
    )


def _candidates(
    ours: pl.DataFrame, theirs: pl.DataFrame, sums: Sequence[pl.DataFrame]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows of the buckets whose sums differ (every row when most buckets differ)."""
    import polars as pl

    joined = sums[0].join(sums[1], on="_bucket", how="full", coalesce=True, suffix="_b")
    differ = joined.filter(
        pl.any_horizontal(
            pl.col(c).ne_missing(pl.col(f"{c}_b")) for c in ("_rows", "_low", "_high")
        )
    )["_bucket"]
    if len(differ) > 2**_BUCKET_BITS // 4:
        return ours, theirs
    inside = _bucket().is_in(differ.implode())
    return ours.filter(inside), theirs.filter(inside)


def _unmatched(ours: pl.DataFrame, theirs: pl.DataFrame) -> pl.DataFrame:
    """Rows of ``ours`` whose hash ``theirs`` lacks."""
    return ours.join(theirs.select("_hash"), on="_hash", how="anti").drop("_hash")


def reconcile_frames(
    hospital: pl.DataFrame,
    bureau: pl.DataFrame,
    categories: Categories | None = None,
    *,
    detail: bool = True,
) -> Reconciliation:
    """:func:`medins_sdk.reconcile.compare.reconcile` on frames of :func:`schema`."""
    import polars as pl

    hospital = _checked(hospital, "hospital")
    bureau = _keyed_like(_checked(bureau, "bureau"), hospital)
    ours_hashed, theirs_hashed = pl.collect_all([_prepared(hospital), _prepared(bureau)])
    plans = [_totals(ours_hashed), _totals(theirs_hashed)]
    if detail:
        plans += [_buckets(ours_hashed), _buckets(theirs_hashed)]
    results = pl.collect_all(plans)
    ours, theirs = _sums(results[0]), _sums(results[1])
    names = categories or Categories(())
    labels = {key: n for key in set(ours) | set(theirs) if (n := names.name(key)) is not None}
    rows = compare_totals(ours, theirs, labels)
    if not detail:
        return Reconciliation(rows, [])
    ours_left, theirs_left = _candidates(ours_hashed, theirs_hashed, results[2:])
    left = _unmatched(ours_left, theirs_left).drop("_key")
    right = _unmatched(theirs_left, ours_left).drop("_key")
    # A line that differs is usually on the other side too, under its id, with other figures.
    left_ids, right_ids = left["setl_id"].implode(), right["setl_id"].implode()
    left = pl.concat([left, hospital.filter(pl.col("setl_id").is_in(right_ids))]).unique()
    right = pl.concat([right, bureau.filter(pl.col("setl_id").is_in(left_ids))]).unique()
    differences = compare_detail(
        _lines_of(_unique_ids(left, "hospital")), _lines_of(_unique_ids(right, "bureau"))
    )
    return Reconciliation(rows, differences)


def reconcile_lines(
    hospital: Mapping[str, StatementLine],
    bureau: Mapping[str, StatementLine],
    categories: Categories | None = None,
    *,
    detail: bool = True,
) -> Reconciliation:
    """The columnar path on lines already read (what ``medins reconcile --engine columnar``
    runs): the same result as the pure-Python path."""
    return reconcile_frames(
        frame_of(hospital.values()), frame_of(bureau.values()), categories, detail=detail
    )
