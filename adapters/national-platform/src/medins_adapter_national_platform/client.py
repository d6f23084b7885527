"""The national platform client: one ``requests.Session``, every transaction, and a ledger.

What it guarantees:

* every request is recorded in the ledger before it leaves, and every answer when it
  arrives (:meth:`Ledger.record_message`; settlements through :meth:`Ledger.begin` /
  :meth:`Ledger.record_settlement` / :meth:`Ledger.record_refund`, in seed 002's order);
* only transactions that change nothing are retried after a timeout or a broken connection
  (:data:`SAFE_TO_RETRY`), and then with the same msgid, so a bureau that did receive the
  first copy answers the second the same way;
* a settlement (2304) or cancellation (2305) whose answer is lost is never simply sent again:
  the client asks the bureau (5203, by the original msgid and the visit) and records what it
  finds — or, if the bureau holds nothing, fences the original msgid with a 冲正 (2601) so that
  a copy still on its way is refused, and reports :class:`SettlementNotCommitted`, after which
  settling again is safe. If even that fails, :class:`SettlementInDoubt`: the ledger keeps
  the request ``sent`` and ``Ledger.recover(resolve=client.resolve)`` finishes the job.

A client is used from one thread (as is its ledger); run one per terminal or worker.
"""

from __future__ import annotations

import base64
import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import requests

from medins_adapter_national_platform import transactions as tx
from medins_adapter_national_platform import wire_json
from medins_adapter_national_platform.envelope import (
    Answer,
    Institution,
    build_request,
    parse_answer,
)
from medins_adapter_national_platform.errors import (
    BureauError,
    PlatformError,
    SettlementInDoubt,
    SettlementNotCommitted,
    TransportError,
)
from medins_adapter_national_platform.masking import adapter_logger, masked
from medins_adapter_national_platform.msgid import MsgIdGenerator
from medins_adapter_national_platform.signer import NoSigner, Signer
from medins_adapter_national_platform.transport import Transport
from medins_sdk.models import ChargeBatch, FrontPage, Settlement, SettlementList
from medins_sdk.money import format_money
from medins_sdk.reconcile.ledger import Ledger, PendingRequest
from medins_sdk.reconcile.lines import RowKey, StatementLine
from medins_sdk.reconcile.statements import Result3202Reader, collect
from medins_sdk.reconcile.totals import BALANCED_CODES, ZERO, Amounts, request_3201

logger = adapter_logger()

SAFE_TO_RETRY = frozenset({"9001", "2303", "5203", "2601", "3201", "3202", "9102"})
"""Transactions resent (same msgid) after a timeout: queries, the pre-settlement, sign-in,
and 冲正 (idempotent by ``omsgid``). Uploads and settlements are not."""

LostAnswer = Literal["record", "reverse"]


@dataclass
class ClientStats:
    """What the client did beyond plain calls, for the day's summary."""

    calls: int = 0
    retries: int = 0
    recovered: int = 0
    """Lost answers found at the bureau and recorded."""
    reversed: int = 0
    """Recovered settlements cancelled (2305) under ``lost_answer="reverse"``."""
    fenced: int = 0
    """Lost messages the bureau did not hold, fenced by 冲正 (2601)."""
    in_doubt: int = 0
    """Lost answers left for :meth:`Ledger.recover`."""


class SettlementReversed(PlatformError):
    """A settlement whose answer was lost, found at the bureau and cancelled (2305) under
    ``lost_answer="reverse"``; the ledger holds both. ``refund`` is the cancellation."""

    def __init__(self, refund: Settlement, *, infno: str, msgid: str) -> None:
        super().__init__(
            f"answer lost; settlement {refund.info.original_setl_id or ''} found and reversed",
            infno=infno,
            msgid=msgid,
        )
        self.refund = refund


def detail_file(lines: Iterable[StatementLine]) -> bytes:
    """The 3202 detail file of ``lines``: tab-separated, in the order of the core's
    :data:`~medins_sdk.reconcile.statements.RESULT_3202_COLUMNS` (``setl_id …
    refd_setl_flag``)."""
    rows = [
        "\t".join(
            (
                line.setl_id,
                line.visit_id or "",
                line.person_no or "",
                format_money(line.total),
                format_money(line.fund_total),
                format_money(line.account_pay),
                "1" if line.is_refund else "0",
            )
        )
        for line in lines
    ]
    return ("\n".join(rows) + "\n").encode("utf-8")


class PlatformClient:
    """A client of the national platform at ``url`` for ``institution``.

    ``ledger`` records every message (None: nothing is recorded — tests and trials only);
    ``msgids`` issues the message ids (pass one with a state file in production);
    ``timeout`` is requests' ``(connect, read)`` in seconds; ``retries`` how often a safe
    transaction is resent; ``lost_answer`` what to do with a settlement found after its
    answer was lost: ``record`` it (the patient was served) or ``reverse`` it (2305);
    ``trust_env`` lets requests read proxy settings from the environment.
    """

    def __init__(
        self,
        url: str,
        institution: Institution,
        *,
        ledger: Ledger | None = None,
        signer: Signer | None = None,
        msgids: MsgIdGenerator | None = None,
        timeout: float | tuple[float, float] = (3.05, 30.0),
        retries: int = 2,
        backoff: float = 0.2,
        lost_answer: LostAnswer = "record",
        sign_in: bool = True,
        balanced_codes: tuple[str, ...] = BALANCED_CODES,
        session: requests.Session | None = None,
        trust_env: bool = False,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.institution = institution
        self.ledger = ledger
        self.signer = signer or NoSigner()
        self.msgids = msgids or MsgIdGenerator(institution.fixmedins_code)
        self.retries = retries
        self.backoff = backoff
        self.lost_answer = lost_answer
        self.balanced_codes = balanced_codes
        self.sign_no = ""
        self.stats = ClientStats()
        self._sign_in_first = sign_in
        self._clock = clock
        session = session or requests.Session()
        # The platform is reached over a dedicated line: no proxy or .netrc from the
        # environment unless asked for.
        session.trust_env = trust_env
        # No retries below us: a settlement must never be resent by the transport.
        session.mount("http://", requests.adapters.HTTPAdapter(max_retries=0))
        session.mount("https://", requests.adapters.HTTPAdapter(max_retries=0))
        self._transport = Transport(session, url, timeout)

    @property
    def url(self) -> str:
        """The platform's URL every message is posted to."""
        return self._transport.url

    def close(self) -> None:
        """Close the session's connections."""
        self._transport.close()

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the wire -------------------------------------------------------------------------

    def _post(self, body: bytes, infno: str, msgid: str) -> requests.Response:
        try:
            response = self._transport.post(body)
        except requests.Timeout as error:
            raise TransportError(f"timed out: {error}", infno=infno, msgid=msgid) from None
        except requests.RequestException as error:
            raise TransportError(f"no answer: {error}", infno=infno, msgid=msgid) from None
        if response.status_code != 200:
            raise TransportError(f"HTTP {response.status_code}", infno=infno, msgid=msgid)
        return response

    def _request(
        self,
        infno: str,
        data: Mapping[str, Any],
        insuplc_admdvs: str | None,
        pending: PendingRequest | None = None,
    ) -> tuple[str, bytes]:
        """A new msgid and the signed body, recorded in the ledger before it is sent — with
        ``pending``, the settling request it is, in the same transaction."""
        if self._sign_in_first and not self.sign_no and infno != "9001":
            self.sign_in()
        msgid = self.msgids()
        body = build_request(
            self.institution,
            infno=infno,
            msgid=msgid,
            inf_time=self._clock(),
            data=data,
            signer=self.signer,
            sign_no=self.sign_no,
            insuplc_admdvs=insuplc_admdvs,
        )
        if self.ledger is not None and pending is None:
            self.ledger.record_message(
                infno, body.decode("utf-8"), msgid=msgid, direction="request"
            )
        elif self.ledger is not None and pending is not None:
            self.ledger.begin(
                msgid,
                pending.visit_id,
                infno=infno,
                original_setl_id=pending.original_setl_id,
                body=body.decode("utf-8"),
            )
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s request %s", infno, msgid, wire_json.dumps(masked(data)))
        return msgid, body

    def _send(self, infno: str, msgid: str, body: bytes) -> requests.Response:
        """Post ``body``; resent as it is (same msgid) when ``infno`` is safe to retry."""
        self.stats.calls += 1
        attempts = 1 + (self.retries if infno in SAFE_TO_RETRY else 0)
        for attempt in range(attempts):
            start = time.perf_counter()
            try:
                response = self._post(body, infno, msgid)
            except TransportError as error:
                logger.warning("%s %s attempt %d: %s", infno, msgid, attempt + 1, error)
                if attempt + 1 == attempts:
                    raise
                self.stats.retries += 1
                time.sleep(self.backoff * (2**attempt))
                continue
            elapsed = (time.perf_counter() - start) * 1000
            logger.info("%s %s answered in %.1f ms", infno, msgid, elapsed)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _answer(self, infno: str, msgid: str, response: requests.Response) -> Answer:
        answer = parse_answer(response.content, infno=infno, msgid=msgid)
        if logger.isEnabledFor(logging.DEBUG):
            shown = wire_json.dumps(masked(answer.output))
            logger.debug("%s %s answer infcode=%s %s", infno, msgid, answer.infcode, shown)
        return answer

    def _record_answer(self, answer: Answer) -> None:
        if self.ledger is not None:
            self.ledger.record_message(
                answer.infno, answer.raw, msgid=f"{answer.msgid}:answer", direction="answer"
            )

    def call(
        self, infno: str, data: Mapping[str, Any], *, insuplc_admdvs: str | None = None
    ) -> Answer:
        """Send one message and return its successful answer (recorded in the ledger).

        Raises :class:`BureauError` for ``infcode ≠ 0``, :class:`TransportError` when no
        answer came (after the retries a safe transaction gets), :class:`AnswerError` for
        an answer that is not the interface's envelope. Settlements go through
        :meth:`settle` and :meth:`cancel`, never through here.
        """
        if infno in tx.SETTLING:
            raise ValueError(f"{infno} moves money: use settle() or cancel()")
        msgid, body = self._request(infno, data, insuplc_admdvs)
        answer = self._answer(infno, msgid, self._send(infno, msgid, body))
        self._record_answer(answer)
        if not answer.ok:
            raise BureauError(
                infno=infno, msgid=msgid, infcode=answer.infcode, err_msg=answer.err_msg
            )
        return answer

    # -- sign-in --------------------------------------------------------------------------

    def sign_in(self, opter_no: str | None = None, *, mac: str = "", ip: str = "") -> str:
        """9001: sign in and keep the ``sign_no`` every later message carries."""
        data = {"signIn": {"opter_no": opter_no or self.institution.opter, "mac": mac, "ip": ip}}
        answer = self.call("9001", data)
        self.sign_no = tx.required_text(
            answer.output, ("signinoutb", "sign_no"), infno="9001", msgid=answer.msgid
        )
        return self.sign_no

    # -- charges and settlement -----------------------------------------------------------

    def upload_charges(
        self, batch: ChargeBatch, *, insuplc_admdvs: str | None = None
    ) -> ChargeBatch:
        """2301: upload a visit's charge lines; returns them with the bureau's per-line
        answer (price ceiling, self-pay ratio, item level …)."""
        answer = self.call("2301", tx.charges_input(batch), insuplc_admdvs=insuplc_admdvs)
        return tx.charges_output(batch, answer.output, msgid=answer.msgid)

    def pre_settle(
        self, request: tx.SettlementRequest, *, insuplc_admdvs: str | None = None
    ) -> Settlement:
        """2303: what a settlement would give, without settling (safe to retry)."""
        answer = self.call("2303", tx.settlement_input(request), insuplc_admdvs=insuplc_admdvs)
        return tx.settlement_output(answer.output, infno="2303", msgid=answer.msgid)

    def settle(
        self, request: tx.SettlementRequest, *, insuplc_admdvs: str | None = None
    ) -> Settlement:
        """2304: settle the visit; the answer is persisted before this returns.

        After a lost answer: the settlement the bureau holds (recorded), or
        :class:`SettlementNotCommitted`, :class:`SettlementReversed`,
        :class:`SettlementInDoubt` (see the module docstring).
        """
        pending = PendingRequest("", "2304", request.visit_id, None)
        return self._settling(pending, tx.settlement_input(request), insuplc_admdvs)

    def cancel(self, settlement: Settlement, *, insuplc_admdvs: str | None = None) -> Settlement:
        """2305: cancel (退费) a settlement; returns the refund (negative amounts), persisted."""
        info = settlement.info
        pending = PendingRequest("", "2305", info.visit_id, info.setl_id)
        data = tx.cancel_input(info.person_no or "", info.visit_id, info.setl_id)
        return self._settling(pending, data, insuplc_admdvs)

    def _settling(
        self, pending: PendingRequest, data: Mapping[str, Any], insuplc_admdvs: str | None
    ) -> Settlement:
        infno = pending.infno
        msgid, body = self._request(infno, data, insuplc_admdvs, pending)
        pending = PendingRequest(msgid, infno, pending.visit_id, pending.original_setl_id)
        try:
            response = self._send(infno, msgid, body)
        except TransportError as lost:
            return self._recover(pending, lost)
        answer = self._answer(infno, msgid, response)
        if not answer.ok:
            if self.ledger is not None:
                self._record_answer(answer)
                self.ledger.abandon(msgid)
            raise BureauError(
                infno=infno, msgid=msgid, infcode=answer.infcode, err_msg=answer.err_msg
            )
        result = tx.settlement_output(answer.output, infno=infno, msgid=msgid)
        self._persist(pending, result, answer.raw)
        return result

    def _persist(self, pending: PendingRequest, result: Settlement, raw: str | None) -> None:
        if self.ledger is None:
            return
        if pending.original_setl_id is None:
            self.ledger.record_settlement(result, request_id=pending.request_id, raw=raw)
        else:
            self.ledger.record_refund(
                result, pending.original_setl_id, request_id=pending.request_id, raw=raw
            )

    def _recover(self, pending: PendingRequest, lost: TransportError) -> Settlement:
        """A lost answer: ask the bureau, then record, reverse or fence (never resend)."""
        msgid, infno = pending.request_id, pending.infno
        logger.warning("%s %s: answer lost (%s); asking the bureau", infno, msgid, lost)
        try:
            found = self.resolve(pending)
        except PlatformError as error:
            self.stats.in_doubt += 1
            raise SettlementInDoubt(
                f"answer lost and the bureau could not be asked ({error}); run ledger "
                "recovery before settling this visit again",
                infno=infno,
                msgid=msgid,
            ) from None
        if found is None:
            if self.ledger is not None:
                self.ledger.abandon(msgid)
            self.stats.fenced += 1
            raise SettlementNotCommitted(
                "answer lost; the bureau holds nothing and the message is reversed (冲正): "
                "settle again",
                infno=infno,
                msgid=msgid,
            )
        self._persist(pending, found, None)
        self.stats.recovered += 1
        if self.lost_answer == "reverse" and pending.original_setl_id is None:
            refund = self.cancel(found)
            self.stats.reversed += 1
            raise SettlementReversed(refund, infno=infno, msgid=msgid)
        return found

    def resolve(self, request: PendingRequest) -> Settlement | None:
        """What became of a settling message: the bureau's settlement (or refund), or None
        after fencing the message with 冲正. A :data:`~medins_sdk.reconcile.ledger.Resolver`
        for :meth:`Ledger.recover`; run recovery when no settlement is in flight."""
        found = self.query_settlement(request.visit_id, omsgid=request.request_id)
        if found is not None:
            return found
        self.reverse_message(request.request_id, request.infno)
        return None

    def query_settlement(
        self, visit_id: str, *, omsgid: str | None = None, setl_id: str | None = None
    ) -> Settlement | None:
        """5203: the visit's settlement made by message ``omsgid`` (or with ``setl_id``)."""
        answer = self.call("5203", tx.query_input(visit_id, omsgid=omsgid, setl_id=setl_id))
        if not answer.output.get("setlinfo"):
            return None
        return tx.settlement_output(answer.output, infno="5203", msgid=answer.msgid)

    def reverse_message(self, omsgid: str, oinfno: str) -> bool:
        """2601 冲正: undo message ``omsgid`` if the bureau acted on it, and refuse it should
        it still arrive. True when something was undone."""
        answer = self.call("2601", tx.reversal_input(omsgid, oinfno))
        return str(answer.output.get("rvs_rslt")) == "1"

    # -- reconciliation -------------------------------------------------------------------

    def reconcile_totals(
        self, key: RowKey, amounts: Amounts, start: date, end: date
    ) -> tx.TotalsAnswer:
        """3201: the hospital's totals of one row for ``[start, end]``; the bureau's verdict."""
        answer = self.call("3201", {"data": request_3201(key, amounts, start, end)})
        return tx.totals_output(answer.output, self.balanced_codes, msgid=answer.msgid)

    def upload_file(self, filename: str, content: bytes) -> tx.FileInfo:
        """9101: upload a file; returns its ``file_qury_no``."""
        data = {
            "fsUploadIn": {
                "in": base64.b64encode(content).decode("ascii"),
                "filename": filename,
                "fixmedins_code": self.institution.fixmedins_code,
            }
        }
        answer = self.call("9101", data)
        return tx.file_output(answer.output, "", infno="9101", msgid=answer.msgid)

    def download_file(self, file: tx.FileInfo) -> bytes:
        """9102: a file the bureau holds (the bytes themselves are the answer)."""
        data = {
            "fsDownloadIn": {
                "file_qury_no": file.file_qury_no,
                "filename": file.filename,
                "fixmedins_code": self.institution.fixmedins_code,
            }
        }
        msgid, body = self._request("9102", data, None)
        response = self._send("9102", msgid, body)
        if response.headers.get("Content-Type", "").startswith("application/json"):
            answer = self._answer("9102", msgid, response)
            self._record_answer(answer)
            raise BureauError(
                infno="9102", msgid=msgid, infcode=answer.infcode, err_msg=answer.err_msg
            )
        if self.ledger is not None:
            text = response.content.decode("utf-8", errors="replace")
            self.ledger.record_message("9102", text, msgid=f"{msgid}:answer", direction="answer")
        return response.content

    def reconcile_detail(
        self, lines: Iterable[StatementLine], start: date, end: date
    ) -> dict[str, StatementLine]:
        """3202 with its files: upload the hospital's detail (9101), ask for the comparison,
        download the bureau's result (9102). Returns the bureau's lines of the period by
        ``setl_id``, read with the core's 3202 reader, ready for
        :func:`medins_sdk.reconcile.compare.reconcile`."""
        ours = list(lines)
        upload = self.upload_file(f"detail-{start:%Y%m%d}-{end:%Y%m%d}.txt", detail_file(ours))
        total = sum((line.total for line in ours), ZERO)
        fund = sum((line.fund_total for line in ours), ZERO)
        account = sum((line.account_pay for line in ours), ZERO)
        data = {
            "file_qury_no": upload.file_qury_no,
            "stmt_begndate": start.isoformat(),
            "stmt_enddate": end.isoformat(),
            "medfee_sumamt": total,
            "fund_pay_sumamt": fund,
            "cash_payamt": total - fund - account,
            "fixmedins_setl_cnt": len(ours),
        }
        answer = self.call("3202", {"data": data})
        result = tx.file_output(answer.output, "fileinfo", infno="3202", msgid=answer.msgid)
        content = self.download_file(result)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "result.txt"
            path.write_bytes(content)
            side = collect("bureau", Result3202Reader().read(path), start, end)
        if side.rejected:
            first = side.rejected[0].to_json()
            raise PlatformError(
                f"the 3202 result file has {len(side.rejected)} unusable lines; first: "
                f"{first['source']} {first['path']}: {first['reason']}",
                infno="9102",
                msgid=answer.msgid,
            )
        return side.lines

    # -- documents ------------------------------------------------------------------------

    def upload_settlement_list(self, settlement_list: SettlementList) -> str:
        """4101: upload a settlement list (结算清单); returns the bureau's ``setl_list_id``."""
        answer = self.call("4101", tx.settlement_list_input(settlement_list))
        return tx.required_text(answer.output, ("setl_list_id",), infno="4101", msgid=answer.msgid)

    def upload_front_page(self, front_page: FrontPage) -> str:
        """4401: upload a front page (病案首页); returns the message's msgid as the receipt."""
        return self.call("4401", tx.front_page_input(front_page)).msgid
