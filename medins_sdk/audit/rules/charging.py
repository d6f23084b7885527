"""Charging rules (收费): duplicate, excessive, late, mis-priced and paired charges.

The risk points of fund supervision (seed 001, REFERENCE.md §7): 重复收费, 分解收费, 超标准收费,
虚记/多记, charges for the deceased. A line is *standing* when it is not a refund and no refund
cancels it; rules about what was billed look at standing lines only, so a charge put right by
its refund is not reported. Amounts at risk are to the cent, half up.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from operator import mul

from medins_sdk.audit.params import Parameter, Params
from medins_sdk.audit.rules.base import Rule
from medins_sdk.audit.view import AuditCase
from medins_sdk.models import Finding
from medins_sdk.money import to_cents

_SEED_001 = "seed 001 (fund-supervision risk points); REFERENCE.md §7"
_ZERO = Decimal(0)


class DuplicateChargeRule(Rule):
    """The same item at the same time in the same encounter, billed more than once."""

    id = "charge.duplicate"
    name = "重复收费（同一项目同一时间）"
    description = (
        "Two or more standing lines of the same catalogue item with the same charge time: "
        "every copy after the first is at risk."
    )
    source = _SEED_001

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        codes, times = case.codes, case.times
        if len(set(zip(codes, times, strict=True))) == len(codes):
            return
        repeated = {code for code, count in Counter(codes).items() if count > 1}
        groups: dict[tuple[str, datetime], list[int]] = defaultdict(list)
        for position, code in enumerate(codes):
            if code in repeated:
                groups[(code, times[position])].append(position)
        for (code, when), positions in sorted(groups.items()):
            standing = case.standing(positions)
            if len(standing) < 2:
                continue
            amounts = sorted(case.amounts[p] for p in standing)
            at_risk = sum(amounts[:-1], _ZERO)
            yield self.found(
                case,
                standing,
                at_risk,
                f"{case.label(code)} 在 {when:%Y-%m-%d %H:%M:%S} 收费 {len(standing)} 次：同一"
                f"项目同一时间重复收费，请核实后退费多收的 {len(standing) - 1} 条。",
                {"code": code, "time": f"{when:%Y-%m-%d %H:%M:%S}", "count": len(standing)},
            )


class DailyLimitRule(Rule):
    """More of an item on one day than its per-day limit (``items.max_per_day``)."""

    id = "charge.daily-limit"
    name = "超每日限量收费"
    description = (
        "The quantity of an item charged on one calendar day exceeds the pack's per-day "
        "limit (a bed, a nursing level, once a day); the excess at the lowest unit price "
        "billed that day is at risk."
    )
    source = _SEED_001 + "; limits: knowledge table items"
    knowledge = ("items",)

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        limits = case.knowledge.daily_limits
        times, quantities = case.times, case.quantities
        for code, positions in case.by_code(limits):
            limit = limits[code]
            days = list(map(datetime.date, case.pick(times, positions)))
            if len(set(days)) == len(days) and max(case.pick(quantities, positions)) <= limit:
                continue
            groups: dict[date, list[int]] = defaultdict(list)
            for day, position in zip(days, positions, strict=True):
                groups[day].append(position)
            for day, on_day in sorted(groups.items()):
                quantity = sum(case.pick(quantities, on_day), _ZERO)
                if quantity <= limit:
                    continue
                price = min(case.pick(case.prices, on_day))
                yield self.found(
                    case,
                    on_day,
                    to_cents((quantity - limit) * price),
                    f"{case.label(code)} {day:%Y-%m-%d} 收费数量 {quantity:f}，超过每日限量 "
                    f"{limit:f}：请核减多收的 {quantity - limit:f}。",
                    {"code": code, "day": f"{day:%Y-%m-%d}", "quantity": f"{quantity:f}"},
                )


class DaysBeyondStayRule(Rule):
    """More bed days (or nursing days …) billed than days in hospital."""

    id = "charge.days-beyond-stay"
    name = "计费天数超过住院天数"
    description = (
        "The quantity of a stay-day group (beds, nursing) exceeds the days of stay, counted "
        "with the admission day and without the discharge day (at least one)."
    )
    scope = "encounter"
    source = (
        _SEED_001 + "; days of stay: 住院病案首页部分项目填写说明 (实际住院天数: 入院日与出院日"
        "只计算1天); groups: knowledge table items"
    )
    knowledge = ("items",)

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        days = case.stay_days
        groups_of = case.knowledge.stay_groups
        if days is None:
            return
        groups: dict[str, list[int]] = defaultdict(list)
        for code, positions in case.by_code(groups_of):
            groups[groups_of[code]] += positions
        for group, positions in sorted(groups.items()):
            quantity = sum(case.pick(case.quantities, positions), _ZERO)
            if quantity <= days:
                continue
            price = min(case.pick(case.prices, positions))
            yield self.found(
                case,
                positions,
                to_cents((quantity - days) * price),
                f"{group}计费 {quantity:f} 天，住院 {days} 天（入院当日计、出院当日不计）：请核减"
                f"多计的 {quantity - days:f} 天。",
                {"group": group, "quantity": f"{quantity:f}", "stay_days": days},
            )


class AfterDischargeRule(Rule):
    """Charges dated after discharge, or after death."""

    id = "charge.after-discharge"
    name = "出院（死亡）后收费"
    description = (
        "Standing lines dated after the discharge day; for a patient who died, after the time "
        "of death (items tagged post-mortem, such as 尸体料理, excepted)."
    )
    source = _SEED_001 + " (死亡人员就医)"
    knowledge = ("items",)

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        discharged = case.discharge
        if discharged is None:
            return
        cutoff = discharged if case.died else datetime.combine(discharged.date(), time.max)
        if not case.times or max(case.times) <= cutoff:
            return
        exempt = case.knowledge.tagged["post-mortem"] if case.died else frozenset()
        late = [
            p
            for p, when in enumerate(case.times)
            if when > cutoff and case.codes[p] not in exempt and case.live(p)
        ]
        if not late:
            return
        event = "死亡" if case.died else "出院"
        yield self.found(
            case,
            late,
            case.sum(late),
            f"{len(late)} 条费用发生在{event}（{discharged:%Y-%m-%d %H:%M}）之后：{event}后不应再"
            "产生医保费用，请核实收费时间或退费。",
            {"discharge": f"{discharged:%Y-%m-%d %H:%M:%S}", "died": int(case.died)},
        )


class AmountMismatchRule(Rule):
    """Line amount ≠ quantity × unit price beyond a cent."""

    id = "charge.amount-mismatch"
    name = "金额与数量×单价不符"
    description = (
        "A line whose amount differs from quantity × unit price by more than the tolerance "
        "(a cent); the difference is at risk."
    )
    source = "REFERENCE.md §1 (2301 det_item_fee_sumamt = cnt × pric); " + _SEED_001 + " (多记)"
    parameters = (
        Parameter(
            "tolerance",
            "0.01",
            "largest accepted |amount − quantity × price|",
            "yuan",
            "issue 10 (beyond a cent)",
        ),
    )

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        products = list(map(mul, case.quantities, case.prices))
        amounts = case.amounts
        if products == amounts:
            return
        tolerance = params.decimal("tolerance")
        for position, (amount, product) in enumerate(zip(amounts, products, strict=True)):
            difference = amount - product
            if abs(difference) > tolerance:
                code = case.codes[position]
                yield self.found(
                    case,
                    (position,),
                    to_cents(abs(difference)),
                    f"{case.label(code)} 金额 {amount:.2f} ≠ 数量 {case.quantities[position]:f}"
                    f" × 单价 {case.prices[position]:f} = {to_cents(product):.2f}：请更正金额。",
                    {"code": code, "expected": f"{to_cents(product):.2f}"},
                )


class OrphanRefundRule(Rule):
    """A refund line whose original line is not in the encounter."""

    id = "charge.orphan-refund"
    name = "退费无原费用明细"
    description = (
        "A refund (negative) line naming an original line the encounter does not have: the "
        "refund cannot be matched, and reconciliation with the bureau will not balance."
    )
    severity = "warn"
    source = "REFERENCE.md §1 (2301 init_feedetl_sn); seed 002 (reconciliation)"

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        if not case.refunded:
            return
        missing = case.refunded - set(case.line_nos)
        if not missing:
            return
        for position, original in enumerate(case.originals):
            if original in missing:
                yield self.found(
                    case,
                    (position,),
                    None,
                    f"退费明细 {case.line_nos[position]} 对应的原费用明细 {original} 不在本次"
                    "就诊中：请补传原明细或更正原费用流水号。",
                    {"original": original},
                )


class PriceCeilingRule(Rule):
    """A unit price above its ceiling (the pack's, or the bureau's ``pric_uplmt_amt``)."""

    id = "charge.price-ceiling"
    name = "超最高限价收费"
    description = (
        "A standing line whose unit price exceeds the lower of the pack's price ceiling and "
        "the ceiling the bureau answered for the line; (price − ceiling) × quantity is at risk."
    )
    source = _SEED_001 + " (超物价标准收费); ceilings: knowledge table items, 2301 pric_uplmt_amt"
    knowledge = ("items",)

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        ceilings = case.knowledge.ceilings
        answered, prices = case.ceilings, case.prices
        index = case.index
        candidates = {
            p
            for code in index
            if code in ceilings
            for p in index[code]
            if prices[p] > ceilings[code]
        }
        if answered.count(None) != len(answered):
            candidates.update(p for p, c in enumerate(answered) if c is not None and prices[p] > c)
        for position in sorted(candidates):
            code = case.codes[position]
            limits = [c for c in (ceilings.get(code), answered[position]) if c is not None]
            ceiling = min(limits)
            price = prices[position]
            if price <= ceiling or not case.live(position):
                continue
            yield self.found(
                case,
                (position,),
                to_cents((price - ceiling) * case.quantities[position]),
                f"{case.label(code)} 单价 {price:f} 超过最高限价 {ceiling:f}：请按限价收费。",
                {"code": code, "price": f"{price:f}", "ceiling": f"{ceiling:f}"},
            )


class SexRestrictedItemRule(Rule):
    """An item restricted to one sex charged to a patient of the other."""

    id = "charge.sex-restricted-item"
    name = "性别限定项目与患者性别不符"
    description = "An item the pack restricts to one sex, charged to a patient of the other."
    source = _SEED_001 + " (虚记/串换项目); restrictions: knowledge table items"
    knowledge = ("items",)

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        sex = case.sex
        restricted = case.knowledge.sex_items
        if sex is None:
            return
        for code, positions in case.by_code(restricted):
            if restricted[code] is sex:
                continue
            yield self.found(
                case,
                positions,
                case.sum(positions),
                f"{case.label(code)} 限{restricted[code].label}性使用，患者性别为{sex.label}："
                "请核对项目或患者性别。",
                {"code": code, "sex": sex.value},
            )


class AgeRestrictedItemRule(Rule):
    """An item restricted to an age range charged to a patient outside it."""

    id = "charge.age-restricted-item"
    name = "年龄限定项目与患者年龄不符"
    description = "An item the pack restricts to an age range (years), charged outside it."
    severity = "warn"
    source = _SEED_001 + "; restrictions: knowledge table items"
    knowledge = ("items",)

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        age = case.age_years
        restricted = case.knowledge.age_items
        if age is None:
            return
        for code, positions in case.by_code(restricted):
            low, high = restricted[code]
            if (low is None or age >= low) and (high is None or age <= high):
                continue
            yield self.found(
                case,
                positions,
                case.sum(positions),
                f"{case.label(code)} 限 {low or 0}–{'' if high is None else high} 岁使用，患者"
                f" {age} 岁：请核对项目或出生日期。",
                {"code": code, "age": age},
            )


class ItemPairRule(Rule):
    """Items that exclude or include each other billed together (重复收费 / 分解收费)."""

    id = "charge.exclusive-items"
    name = "互斥或包含项目同时收费"
    description = (
        "Two items the pack pairs — exclusive (一级护理 and 二级护理 on one day) or one "
        "including the other (a panel and its component) — billed on the same day or in the "
        "same stay; the second item's lines are at risk."
    )
    source = _SEED_001 + " (重复收费, 分解收费); pairs: knowledge table item_pairs"
    knowledge = ("item_pairs",)

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        pairs = case.knowledge.pairs_by_code
        present = dict(case.by_code(pairs))
        seen = {pair for code in present for pair in pairs[code]}
        for pair in sorted(seen, key=lambda p: p.id):
            if pair.a not in present or pair.b not in present:
                continue
            a_lines, b_lines = present[pair.a], present[pair.b]
            if pair.within == "day":
                days = {case.day(p) for p in a_lines} & {case.day(p) for p in b_lines}
                a_lines = [p for p in a_lines if case.day(p) in days]
                b_lines = [p for p in b_lines if case.day(p) in days]
            if not b_lines:
                continue
            kind = "重复收费" if pair.relation == "exclusive" else "分解收费"
            relation = "不得同时收取" if pair.relation == "exclusive" else "已包含"
            within = "同一天" if pair.within == "day" else "同一次住院"
            yield self.found(
                case,
                [*a_lines, *b_lines],
                case.sum(b_lines),
                f"{case.label(pair.a)} 与 {case.label(pair.b)} {within}{relation}（{kind}"
                f"{'：' + pair.note if pair.note else ''}）：请退费 {case.label(pair.b)}。",
                {"pair": pair.id, "kind": kind, "codes": [pair.a, pair.b]},
            )


def charging_rules() -> list[Rule]:
    """The charging rules."""
    return [
        DuplicateChargeRule(),
        DailyLimitRule(),
        DaysBeyondStayRule(),
        AfterDischargeRule(),
        AmountMismatchRule(),
        OrphanRefundRule(),
        PriceCeilingRule(),
        SexRestrictedItemRule(),
        AgeRestrictedItemRule(),
        ItemPairRule(),
    ]
