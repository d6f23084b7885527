"""The simulated bureau's books and what each transaction does to them.

State: the charges uploaded per visit (2301), the settlements and refunds (2304 / 2305, and
what 冲正 2601 took out), each person's account balance, the files exchanged (9101 / 9102),
the settlement lists (4101) and front pages (4401), and the answer given to every msgid — a
message delivered twice is answered twice the same way and acts once.

Everything is deterministic: ids are counters, and the books' clock is the business day
``day`` at 08:00 plus one second per settlement or refund, so the same messages in the same
order give the same books. One lock serialises the transactions (the HTTP server runs one
thread per connection).

A refusal is ``infcode`` -1 with an ``err_msg`` naming the field (``input.data.mdtrt_id``)
and the reason, as the bureau's messages do.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from medins_adapter_national_platform.simulator.rules import ZERO, SplitRules
from medins_sdk.codes.tables import Flag
from medins_sdk.reconcile.lines import StatementLine
from medins_sdk.reconcile.statements import RESULT_3202_COLUMNS

Output = dict[str, Any]


class Refusal(Exception):
    """A transaction the bureau refuses (infcode -1, ``err_msg``)."""


@dataclass(frozen=True)
class Entry:
    """One settlement or refund in the books."""

    setl_id: str
    msgid: str
    visit_id: str
    person_no: str
    insutype: str
    setl_time: datetime
    total: Decimal
    fund: Decimal
    account: Decimal
    cash: Decimal
    balance: Decimal
    clr_optins: str
    original_setl_id: str | None = None
    refunded_by: str | None = None

    @property
    def is_refund(self) -> bool:
        """A 2305 cancellation (negative amounts)."""
        return self.original_setl_id is not None

    def line(self) -> StatementLine:
        """The entry as reconciliation sees it."""
        return StatementLine(
            setl_id=self.setl_id,
            visit_id=self.visit_id,
            person_no=self.person_no,
            insurance_type=self.insutype,
            settlement_agency=self.clr_optins,
            clearing_type="21",
            settlement_time=self.setl_time,
            total=self.total,
            fund_total=self.fund,
            account_pay=self.account,
            refund=Flag.YES if self.is_refund else Flag.NO,
            original_setl_id=self.original_setl_id,
        )

    def output(self, rules: SplitRules) -> Output:
        """The ``setlinfo`` / ``setldetail`` of a 2304, 2305 or 5203 answer."""
        info = {
            "setl_id": self.setl_id,
            "mdtrt_id": self.visit_id,
            "psn_no": self.person_no,
            "insutype": self.insutype,
            "med_type": "21",
            "setl_time": self.setl_time,
            "medfee_sumamt": self.total,
            "fulamt_ownpay_amt": ZERO,
            "overlmt_selfpay": ZERO,
            "preselfpay_amt": ZERO,
            "inscp_scp_amt": self.total,
            "hifp_pay": self.fund,
            "fund_pay_sumamt": self.fund,
            "psn_part_amt": self.account + self.cash,
            "acct_pay": self.account,
            "psn_cash_pay": self.cash,
            "balc": self.balance,
            "clr_optins": self.clr_optins,
            "clr_way": "1",
            "clr_type": "21",
            "refd_setl_flag": "1" if self.is_refund else "0",
        }
        detail = {
            "fund_pay_type": rules.fund_pay_type(self.insutype),
            "inscp_scp_amt": self.total,
            "fund_payamt": self.fund,
        }
        return {"setlinfo": info, "setldetail": [detail]}


def _field(data: Mapping[str, Any], key: str, at: str = "input.data") -> Any:
    value = data.get(key)
    if value is None or value == "":
        raise Refusal(f"{at}.{key}: missing")
    return value


def _amount(data: Mapping[str, Any], key: str, at: str = "input.data") -> Decimal:
    value = _field(data, key, at)
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise Refusal(f"{at}.{key}: not an amount")
    try:
        return Decimal(value)
    except ArithmeticError:
        raise Refusal(f"{at}.{key}: not an amount") from None


def _data(message: Mapping[str, Any], key: str = "data") -> Mapping[str, Any]:
    data = message.get(key)
    if not isinstance(data, Mapping):
        raise Refusal(f"input.{key}: missing or not an object")
    return data


def _day(text: Any, key: str) -> date:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        raise Refusal(f"input.data.{key}: not a date (yyyy-MM-dd)") from None


class Books:
    """The bureau's books (see the module docstring). ``optins`` is its own code
    (结算经办机构); ``require_sign_in`` refuses business messages without a 9001 ``sign_no``.
    """

    def __init__(
        self,
        *,
        day: date = date(2026, 11, 23),
        rules: SplitRules | None = None,
        optins: str = "110199",
        require_sign_in: bool = False,
    ) -> None:
        self.rules = rules or SplitRules()
        self.optins = optins
        self.require_sign_in = require_sign_in
        self._start = datetime.combine(day, time(8, 0))
        self._lock = threading.Lock()
        self._ticks = 0
        self._counters: dict[str, int] = {}
        self.charges: dict[str, dict[str, Mapping[str, Any]]] = {}
        self.entries: dict[str, Entry] = {}
        self.reversed: dict[str, Entry] = {}
        self._by_msgid: dict[str, str] = {}
        self._answers: dict[str, tuple[tuple[str, bytes], tuple[int, Output, str]]] = {}
        self._fenced: set[str] = set()
        self._balances: dict[str, Decimal] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.settlement_lists: dict[str, str] = {}
        self.front_pages: dict[str, Mapping[str, Any]] = {}
        self._sign_nos: set[str] = set()
        self._handlers: dict[str, Callable[[Mapping[str, Any], str], Output]] = {
            "9001": self._sign_in,
            "2301": self._upload_charges,
            "2303": self._pre_settle,
            "2304": self._settle,
            "2305": self._cancel,
            "5203": self._query,
            "2601": self._reverse,
            "3201": self._totals,
            "3202": self._detail,
            "9101": self._upload_file,
            "9102": self._download_file,
            "4101": self._settlement_list,
            "4401": self._front_page,
        }

    @property
    def transactions(self) -> tuple[str, ...]:
        """The ``infno`` codes the books answer."""
        return tuple(self._handlers)

    # -- the entry point ------------------------------------------------------------------

    def handle(
        self,
        infno: str,
        msgid: str,
        message: Mapping[str, Any],
        sign_no: str = "",
        fingerprint: bytes = b"",
    ) -> tuple[int, Output, str]:
        """``(infcode, output, err_msg)`` of one message; the same message seen again
        (same msgid and ``fingerprint``, the hash of its ``input``) is answered as it was
        the first time — duplicate delivery acts once — and a msgid reused by another
        message is refused."""
        with self._lock:
            known = self._answers.get(msgid)
            if known is not None:
                first, answer = known
                if first == (infno, fingerprint):
                    return answer
                return -1, {}, f"msgid {msgid}: already used by another message (报文ID重复)"
            answer = self._answer(infno, msgid, message, sign_no)
            if msgid:
                self._answers[msgid] = ((infno, fingerprint), answer)
            return answer

    def _answer(
        self, infno: str, msgid: str, message: Mapping[str, Any], sign_no: str
    ) -> tuple[int, Output, str]:
        handler = self._handlers.get(infno)
        if handler is None:
            return -1, {}, f"infno: unknown transaction {infno!r}"
        if not msgid:
            return -1, {}, "msgid: missing"
        if msgid in self._fenced:
            return -1, {}, f"msgid {msgid}: reversed (冲正) before it arrived"
        if self.require_sign_in and infno != "9001" and sign_no not in self._sign_nos:
            return -1, {}, "sign_no: not signed in (9001)"
        try:
            return 0, handler(message, msgid), ""
        except Refusal as refusal:
            return -1, {}, str(refusal)

    def _next(self, kind: str) -> int:
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return self._counters[kind]

    def _tick(self) -> datetime:
        self._ticks += 1
        return self._start + timedelta(seconds=self._ticks)

    # -- transactions ---------------------------------------------------------------------

    def _sign_in(self, message: Mapping[str, Any], msgid: str) -> Output:
        _field(_data(message, "signIn"), "opter_no", "input.signIn")
        sign_no = f"SN{self._next('sign'):010d}"
        self._sign_nos.add(sign_no)
        return {"signinoutb": {"sign_time": self._start, "sign_no": sign_no}}

    def _upload_charges(self, message: Mapping[str, Any], msgid: str) -> Output:
        lines = message.get("feedetail")
        if not isinstance(lines, list) or not lines:
            raise Refusal("input.feedetail: missing or empty")
        checked = []
        for index, line in enumerate(lines):
            at = f"input.feedetail[{index}]"
            if not isinstance(line, Mapping):
                raise Refusal(f"{at}: not an object")
            visit, number = _field(line, "mdtrt_id", at), str(_field(line, "feedetl_sn", at))
            amount = _amount(line, "det_item_fee_sumamt", at)
            known = self.charges.get(visit, {}).get(number)
            if known is not None and Decimal(known["det_item_fee_sumamt"]) != amount:
                raise Refusal(f"{at}.feedetl_sn: {number} already uploaded with another amount")
            checked.append((visit, number, line, amount))
        result = []
        for visit, number, line, amount in checked:
            self.charges.setdefault(visit, {})[number] = line
            result.append(
                {
                    "feedetl_sn": number,
                    "det_item_fee_sumamt": amount,
                    "cnt": line.get("cnt"),
                    "pric": line.get("pric"),
                    "pric_uplmt_amt": line.get("pric"),
                    "selfpay_prop": 0,
                    "fulamt_ownpay_amt": ZERO,
                    "overlmt_amt": ZERO,
                    "preselfpay_amt": ZERO,
                    "inscp_scp_amt": amount,
                    "chrgitm_lv": "01",
                    "med_chrgitm_type": line.get("med_chrgitm_type"),
                    "lmt_used_flag": "0",
                }
            )
        return {"result": result}

    def _priced(self, data: Mapping[str, Any], msgid: str, setl_id: str, when: datetime) -> Entry:
        """The entry a 2303 / 2304 of ``data`` makes (not yet booked)."""
        visit, person = _field(data, "mdtrt_id"), str(_field(data, "psn_no"))
        insutype, total = str(_field(data, "insutype")), _amount(data, "medfee_sumamt")
        charges = self.charges.get(visit)
        if not charges:
            raise Refusal(f"input.data.mdtrt_id: no charges uploaded for visit {visit}")
        uploaded = sum((Decimal(line["det_item_fee_sumamt"]) for line in charges.values()), ZERO)
        if total != uploaded:
            raise Refusal(
                f"input.data.medfee_sumamt: {total} differs from the charges uploaded, {uploaded}"
            )
        balance = self._balances.get(person, self.rules.opening_balance)
        use_account = str(data.get("acct_used_flag", "1")) == "1"
        fund, account, cash = self.rules.split(
            insutype, total, balance=balance, use_account=use_account
        )
        return Entry(
            setl_id,
            msgid,
            visit,
            person,
            insutype,
            when,
            total,
            fund,
            account,
            cash,
            balance - account,
            self.optins,
        )

    def _pre_settle(self, message: Mapping[str, Any], msgid: str) -> Output:
        data = _data(message)
        entry = self._priced(data, msgid, f"PRE{_field(data, 'mdtrt_id')}"[:64], self._start)
        return entry.output(self.rules)

    def _book(self, entry: Entry) -> None:
        self.entries[entry.setl_id] = entry
        self._by_msgid[entry.msgid] = entry.setl_id
        self._balances[entry.person_no] = entry.balance

    def _settle(self, message: Mapping[str, Any], msgid: str) -> Output:
        setl_id = f"ST{self._next('setl'):012d}"
        entry = self._priced(_data(message), msgid, setl_id, self._tick())
        self._book(entry)
        return entry.output(self.rules)

    def _cancel(self, message: Mapping[str, Any], msgid: str) -> Output:
        data = _data(message)
        setl_id = str(_field(data, "setl_id"))
        original = self.entries.get(setl_id)
        if original is None or original.is_refund:
            raise Refusal(f"input.data.setl_id: no settlement {setl_id}")
        if original.visit_id != data.get("mdtrt_id"):
            raise Refusal(f"input.data.mdtrt_id: settlement {setl_id} is of another visit")
        if original.refunded_by is not None:
            raise Refusal(f"input.data.setl_id: {setl_id} already cancelled")
        balance = self._balances.get(original.person_no, original.balance) + original.account
        refund = Entry(
            f"ST{self._next('setl'):012d}",
            msgid,
            original.visit_id,
            original.person_no,
            original.insutype,
            self._tick(),
            -original.total,
            -original.fund,
            -original.account,
            -original.cash,
            balance,
            original.clr_optins,
            original_setl_id=setl_id,
        )
        self._book(refund)
        self.entries[setl_id] = replace(original, refunded_by=refund.setl_id)
        return refund.output(self.rules)

    def _query(self, message: Mapping[str, Any], msgid: str) -> Output:
        data = _data(message)
        visit = _field(data, "mdtrt_id")
        setl_id = self._by_msgid.get(str(data.get("omsgid"))) or data.get("setl_id")
        entry = self.entries.get(str(setl_id)) if setl_id else None
        if entry is None or entry.visit_id != visit:
            return {}
        return entry.output(self.rules)

    def _reverse(self, message: Mapping[str, Any], msgid: str) -> Output:
        """冲正: undo what ``omsgid`` did and fence it against a late arrival."""
        omsgid = str(_field(_data(message), "omsgid"))
        self._fenced.add(omsgid)
        setl_id = self._by_msgid.get(omsgid)
        entry = self.entries.get(setl_id) if setl_id else None
        if entry is None:
            return {"omsgid": omsgid, "rvs_rslt": "0"}
        if entry.refunded_by is not None:
            raise Refusal(f"input.data.omsgid: {entry.setl_id} is cancelled; reverse that first")
        del self.entries[entry.setl_id]
        self.reversed[entry.setl_id] = entry
        self._balances[entry.person_no] = self._balances[entry.person_no] + entry.account
        if entry.original_setl_id is not None:
            original = self.entries[entry.original_setl_id]
            self.entries[original.setl_id] = replace(original, refunded_by=None)
        return {"omsgid": omsgid, "rvs_rslt": "1"}

    def _period(self, data: Mapping[str, Any]) -> Iterator[Entry]:
        start = _day(_field(data, "stmt_begndate"), "stmt_begndate")
        end = _day(_field(data, "stmt_enddate"), "stmt_enddate")
        return (e for e in self.entries.values() if start <= e.setl_time.date() <= end)

    def _totals(self, message: Mapping[str, Any], msgid: str) -> Output:
        data = _data(message)
        key = (str(data.get("insutype", "")), str(data.get("setl_optins", "")))
        clr_type = str(data.get("clr_type", ""))
        mine = [
            e for e in self._period(data) if (e.insutype, e.clr_optins) == key and clr_type == "21"
        ]
        ours = (
            sum((e.total for e in mine), ZERO),
            sum((e.fund for e in mine), ZERO),
            sum((e.account for e in mine), ZERO),
            len(mine),
        )
        theirs = (
            _amount(data, "medfee_sumamt"),
            _amount(data, "fund_pay_sumamt"),
            _amount(data, "acct_pay"),
            int(_field(data, "fixmedins_setl_cnt")),
        )
        balanced = ours == theirs
        description = "平" if balanced else f"不平: 医保 {ours[0]} / {ours[3]} 笔"
        return {
            "stmtinfo": {
                "setl_optins": key[1],
                "stmt_rslt": "0" if balanced else "1",
                "stmt_rslt_dscr": description,
            }
        }

    def _detail(self, message: Mapping[str, Any], msgid: str) -> Output:
        data = _data(message)
        number = str(_field(data, "file_qury_no"))
        if number not in self.files:
            raise Refusal(f"input.data.file_qury_no: no file {number}")
        hospital = {}
        for row in self.files[number][1].decode("utf-8").splitlines():
            cells = row.split("\t")
            if cells and cells[0]:
                hospital[cells[0]] = cells
        rows = []
        for entry in sorted(self._period(data), key=lambda e: e.setl_id):
            line = entry.line()
            cells = [
                line.setl_id,
                line.visit_id or "",
                line.person_no or "",
                f"{line.total:.2f}",
                f"{line.fund_total:.2f}",
                f"{line.account_pay:.2f}",
                "1" if entry.is_refund else "0",
            ]
            same = hospital.get(entry.setl_id, [])[: len(RESULT_3202_COLUMNS)] == cells
            rows.append("\t".join([*cells, "0" if same else "1"]))
        result = f"R{self._next('file'):09d}"
        self.files[result] = ("result.txt", ("\n".join(rows) + "\n").encode("utf-8"))
        return {"fileinfo": {"file_qury_no": result, "filename": "result.txt"}}

    def _upload_file(self, message: Mapping[str, Any], msgid: str) -> Output:
        data = _data(message, "fsUploadIn")
        try:
            content = base64.b64decode(str(_field(data, "in", "input.fsUploadIn")), validate=True)
        except binascii.Error:
            raise Refusal("input.fsUploadIn.in: not base64") from None
        name = str(_field(data, "filename", "input.fsUploadIn"))
        number = f"F{self._next('file'):09d}"
        self.files[number] = (name, content)
        return {"file_qury_no": number, "filename": name}

    def _download_file(self, message: Mapping[str, Any], msgid: str) -> Output:
        data = _data(message, "fsDownloadIn")
        number = str(_field(data, "file_qury_no", "input.fsDownloadIn"))
        if number not in self.files:
            raise Refusal(f"input.fsDownloadIn.file_qury_no: no file {number}")
        name, content = self.files[number]
        return {"filename": name, "content": content}

    def _settlement_list(self, message: Mapping[str, Any], msgid: str) -> Output:
        setl_id = str(_field(_data(message, "setlinfo"), "setl_id", "input.setlinfo"))
        entry = self.entries.get(setl_id)
        if entry is None or entry.is_refund or entry.refunded_by is not None:
            raise Refusal(f"input.setlinfo.setl_id: no standing settlement {setl_id}")
        if setl_id not in self.settlement_lists:
            self.settlement_lists[setl_id] = f"SL{self._next('list'):010d}"
        return {"setl_list_id": self.settlement_lists[setl_id]}

    def _front_page(self, message: Mapping[str, Any], msgid: str) -> Output:
        visit = str(_field(_data(message, "baseinfo"), "mdtrt_id", "input.baseinfo"))
        self.front_pages[visit] = message
        return {}

    # -- reading the books ----------------------------------------------------------------

    def lines(self) -> dict[str, StatementLine]:
        """Every standing settlement and refund, by ``setl_id``."""
        with self._lock:
            return {setl_id: entry.line() for setl_id, entry in sorted(self.entries.items())}

    def double_settlements(self) -> list[str]:
        """Visits holding more than one settlement that is not cancelled (must be none)."""
        with self._lock:
            counts: dict[str, int] = {}
            for entry in self.entries.values():
                if not entry.is_refund and entry.refunded_by is None:
                    counts[entry.visit_id] = counts.get(entry.visit_id, 0) + 1
        return sorted(visit for visit, count in counts.items() if count > 1)
