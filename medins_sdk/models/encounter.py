"""The encounter: the unit every later step (group, price, audit, reconcile) processes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from pydantic import model_validator

from medins_sdk.codes import patterns
from medins_sdk.models.base import Problem, SdkModel, raise_if, wire
from medins_sdk.models.charges import ChargeLine, line_problems, lines_total
from medins_sdk.models.front_page import FrontPage
from medins_sdk.models.settlement import Settlement
from medins_sdk.models.settlement_list import SettlementList


class Encounter(SdkModel):
    """One settled stay or visit: a settlement list, and optionally its charge lines,
    settlement answer and front page.

    Its total cost is the sum of the charge lines if present, else the settlement's
    ``medfee_sumamt``, else the sum of the settlement list's ``iteminfo.amt``. When two of
    these are present they must agree to the cent, or the encounter is invalid: a record
    whose parts disagree cannot be priced or reconciled honestly.
    """

    id: str = wire(None, "记录标识 (SDK): 结算ID or 就诊ID", pattern=patterns.IDENTIFIER)
    settlement_list: SettlementList = wire(None, "结算清单")
    charges: list[ChargeLine] = wire(None, "费用明细", default_factory=list)
    settlement: Settlement | None = wire(None, "结算信息", None)
    front_page: FrontPage | None = wire(None, "病案首页", None)
    medical_group: str | None = wire(None, "医疗组 (SDK 扩展, 来自 HIS)", None, max_length=64)

    @model_validator(mode="after")
    def _check_encounter(self) -> Encounter:
        raise_if("Encounter", self._problems())
        return self

    def _problems(self) -> Iterator[Problem]:
        yield from line_problems(self.charges, "canonical", ("charges",))
        list_info = self.settlement_list.info
        if {line.visit_id for line in self.charges} - {None, list_info.visit_id}:
            for index, line in enumerate(self.charges):
                if line.visit_id not in (None, list_info.visit_id):
                    yield Problem(
                        ("charges", index, "visit_id"),
                        "visit_mismatch",
                        "charge line belongs to another visit than the settlement list",
                    )
        if self.settlement is not None and self.settlement.info.setl_id != list_info.setl_id:
            yield Problem(
                ("settlement", "info", "setl_id"),
                "settlement_mismatch",
                "settlement answer is for another settlement than the settlement list",
            )
        sources = self.cost_sources()
        if sources:
            first_name, _first_path, first = sources[0]
            for name, path, value in sources[1:]:
                if value != first:
                    yield Problem(
                        path,
                        "total_mismatch",
                        f"{name} {value:.2f} ≠ {first_name} {first:.2f}",
                    )

    def cost_sources(self) -> list[tuple[str, tuple[str | int, ...], Decimal]]:
        """Every total this encounter carries, in order of precedence: (label, path, value)."""
        sources: list[tuple[str, tuple[str | int, ...], Decimal]] = []
        if self.charges:
            sources.append(("Σ charge lines", ("charges",), lines_total(self.charges)))
        if self.settlement is not None:
            sources.append(
                (
                    "settlement medfee_sumamt",
                    ("settlement", "info", "total"),
                    self.settlement.info.total,
                )
            )
        items_total = self.settlement_list.charge_items_total
        if items_total is not None:
            sources.append(("Σ iteminfo.amt", ("settlement_list", "charge_items"), items_total))
        return sources

    @property
    def total_cost(self) -> Decimal | None:
        """医疗费总额: the first available cost source, or None when the record has none.

        Same precedence as :meth:`cost_sources`, computing only the source it returns: pricing
        asks for it on every case.
        """
        if self.charges:
            return lines_total(self.charges)
        if self.settlement is not None:
            return self.settlement.info.total
        return self.settlement_list.charge_items_total

    @classmethod
    def from_settlement_list(cls, settlement_list: SettlementList) -> Encounter:
        """The encounter of a bare settlement list (a 4101 upload), keyed by its ``setl_id``."""
        return cls(id=settlement_list.info.setl_id, settlement_list=settlement_list)
