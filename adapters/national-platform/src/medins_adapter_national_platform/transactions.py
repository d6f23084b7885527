"""Each transaction's ``input`` built from the core models and its ``output`` read back into
them: pure functions, no network, shared by the client and the simulator's tests.

Inputs are written in the national naming with the core's record formats' rules (SDK-only
fields left out) but in Python mode, so amounts stay ``Decimal`` and reach the wire as exact
JSON numbers (:mod:`.wire_json`). Outputs are validated in the national naming with unknown
fields ignored (provinces add fields); a field that does not validate is an
:class:`~.errors.AnswerError` naming its path in the answer and the reason, never its value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from pydantic import ValidationError

from medins_adapter_national_platform.errors import AnswerError
from medins_sdk.codes import patterns
from medins_sdk.codes.tables import Flag, SettlementWay
from medins_sdk.io import formats
from medins_sdk.models import ChargeBatch, FrontPage, SdkModel, Settlement, SettlementList
from medins_sdk.models.base import wire
from medins_sdk.money import Money

M = TypeVar("M", bound=SdkModel)

_NATIONAL: dict[str, Any] = {
    "by_alias": True,
    "by_name": False,
    "extra": "ignore",
    "context": {"naming": "national"},
}

SETTLING = frozenset({"2304", "2305"})
"""Transactions that move money: never resent blindly after a lost answer."""

QUERY = "5203"
"""Settlement query (by ``mdtrt_id`` and the original ``omsgid``) used after a lost answer."""

REVERSAL = "2601"
"""冲正: cancels whatever the message ``omsgid`` did, and refuses it should it arrive later."""


class SettlementRequest(SdkModel):
    """The ``input.data`` of 2303 (pre-settlement) and 2304 (settlement)."""

    person_no: str = wire("psn_no", "人员编号", pattern=patterns.IDENTIFIER)
    certificate_type: str = wire("mdtrt_cert_type", "就诊凭证类型", "02")
    certificate_no: str | None = wire("mdtrt_cert_no", "就诊凭证编号", None, pii="id_number")
    total: Money = wire("medfee_sumamt", "医疗费总额")
    settlement_way: SettlementWay = wire("psn_setlway", "个人结算方式", SettlementWay.ITEMISED)
    visit_id: str = wire("mdtrt_id", "就诊ID", pattern=patterns.IDENTIFIER)
    account_used: Flag = wire("acct_used_flag", "个人账户使用标志", Flag.YES)
    insurance_type: str = wire("insutype", "险种类型", pattern=patterns.INSURANCE_TYPE)
    mid_settlement: Flag = wire("mid_setl_flag", "中途结算标志", Flag.NO)


@dataclass(frozen=True, slots=True)
class TotalsAnswer:
    """The bureau's verdict on one 3201 row (``stmtinfo``)."""

    setl_optins: str
    stmt_rslt: str
    stmt_rslt_dscr: str
    balanced: bool


@dataclass(frozen=True, slots=True)
class FileInfo:
    """A file held by the bureau: what 9102 needs to download it."""

    file_qury_no: str
    filename: str


@cache
def _exclusions(model: type[SdkModel]) -> dict[str, Any]:
    # The core's rule for national output, computed once per model.
    return formats.national_exclude(model)


def national(model: SdkModel) -> dict[str, Any]:
    """``model`` as national ``input`` data: aliases, no SDK extensions, Decimals kept."""
    return model.model_dump(
        by_alias=True, exclude_none=True, exclude=_exclusions(type(model)) or None
    )


def _path(error: ValidationError) -> tuple[str, str]:
    first = error.errors(include_url=False, include_input=False)[0]
    return ".".join(str(part) for part in first["loc"]), str(first["msg"])


def parse_output(model: type[M], data: Any, *, infno: str, msgid: str, at: str = "output") -> M:
    """``data`` validated as ``model`` in the national naming; :class:`AnswerError` if not."""
    if not isinstance(data, Mapping):
        raise AnswerError("missing or not an object", infno=infno, msgid=msgid, path=at)
    try:
        return model.model_validate(data, **_NATIONAL)
    except ValidationError as error:
        path, reason = _path(error)
        raise AnswerError(reason, infno=infno, msgid=msgid, path=f"{at}.{path}") from None


def charges_input(batch: ChargeBatch) -> dict[str, Any]:
    """2301 ``input``: ``feedetail``."""
    return national(batch)


def charges_output(batch: ChargeBatch, output: Mapping[str, Any], *, msgid: str) -> ChargeBatch:
    """The uploaded lines with the bureau's per-line answer (``output.result``) merged in."""
    result = output.get("result")
    if not isinstance(result, list):
        raise AnswerError("missing or not a list", infno="2301", msgid=msgid, path="output.result")
    answers = {str(item.get("feedetl_sn")): item for item in result if isinstance(item, Mapping)}
    merged = []
    for line in national(batch)["feedetail"]:
        answer = answers.get(str(line["feedetl_sn"]), {})
        merged.append({**line, **answer})
    return parse_output(
        ChargeBatch, {"feedetail": merged}, infno="2301", msgid=msgid, at="output.result"
    )


def settlement_input(request: SettlementRequest) -> dict[str, Any]:
    """2303 / 2304 ``input``: ``data``."""
    return {"data": national(request)}


def settlement_output(output: Mapping[str, Any], *, infno: str, msgid: str) -> Settlement:
    """A 2303 / 2304 / 2305 / 5203 answer (``setlinfo``, ``setldetail``) as a Settlement."""
    return parse_output(Settlement, output, infno=infno, msgid=msgid)


def cancel_input(person_no: str, visit_id: str, setl_id: str) -> dict[str, Any]:
    """2305 ``input``: the settlement to cancel."""
    return {"data": {"psn_no": person_no, "mdtrt_id": visit_id, "setl_id": setl_id}}


def query_input(visit_id: str, *, omsgid: str | None, setl_id: str | None) -> dict[str, Any]:
    """5203 ``input``: a settlement of the visit, by the message that made it or by id."""
    data = {"mdtrt_id": visit_id, "omsgid": omsgid, "setl_id": setl_id}
    return {"data": {key: value for key, value in data.items() if value is not None}}


def reversal_input(omsgid: str, oinfno: str) -> dict[str, Any]:
    """2601 ``input``: the message to reverse (冲正)."""
    return {"data": {"omsgid": omsgid, "oinfno": oinfno}}


def totals_output(output: Mapping[str, Any], codes: tuple[str, ...], *, msgid: str) -> TotalsAnswer:
    """A 3201 answer; ``codes`` are the ``stmt_rslt`` values that mean balanced."""
    info = output.get("stmtinfo")
    if not isinstance(info, Mapping) or "stmt_rslt" not in info:
        raise AnswerError("no stmt_rslt", infno="3201", msgid=msgid, path="output.stmtinfo")
    result = str(info["stmt_rslt"])
    return TotalsAnswer(
        setl_optins=str(info.get("setl_optins") or ""),
        stmt_rslt=result,
        stmt_rslt_dscr=str(info.get("stmt_rslt_dscr") or ""),
        balanced=result in codes,
    )


def file_output(output: Mapping[str, Any], key: str, *, infno: str, msgid: str) -> FileInfo:
    """The file named by a 9101 answer (``key`` = "") or a 3202 answer (``fileinfo``)."""
    info = output.get(key) if key else output
    at = f"output.{key}" if key else "output"
    if not isinstance(info, Mapping) or not info.get("file_qury_no"):
        raise AnswerError("no file_qury_no", infno=infno, msgid=msgid, path=at)
    return FileInfo(str(info["file_qury_no"]), str(info.get("filename") or ""))


def settlement_list_input(settlement_list: SettlementList) -> dict[str, Any]:
    """4101 ``input``: ``setlinfo``, ``payinfo``, ``diseinfo``, ``iteminfo`` …"""
    return national(settlement_list)


def front_page_input(front_page: FrontPage) -> dict[str, Any]:
    """4401 ``input``: ``baseinfo``, ``diseinfo``, ``oprninfo``, ``icuinfo``."""
    return national(front_page)


def required_text(
    output: Mapping[str, Any], path: tuple[str, ...], *, infno: str, msgid: str
) -> str:
    """The text at ``path`` of ``output`` (``setl_list_id``, ``signinoutb.sign_no`` …)."""
    value: Any = output
    for part in path:
        value = value.get(part) if isinstance(value, Mapping) else None
    if value in (None, ""):
        raise AnswerError("missing", infno=infno, msgid=msgid, path=".".join(("output", *path)))
    return str(value)
