"""Every transaction against the simulator over real HTTP on loopback (no mocks)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from medins_adapter_national_platform import (
    AnswerError,
    BureauError,
    HmacSm3Signer,
    Institution,
    MsgIdGenerator,
    PlatformClient,
    SettlementRequest,
)
from medins_adapter_national_platform.simulator import Books, BureauSimulator

from medins_sdk import synthetic
from medins_sdk.codes.tables import ChargeLevel
from medins_sdk.models import ChargeBatch, Encounter
from medins_sdk.reconcile.compare import reconcile
from medins_sdk.reconcile.ledger import Ledger

Visit = Callable[..., tuple[Encounter, ChargeBatch, SettlementRequest]]
DAY = date(2026, 11, 23)


def test_sign_in_gives_the_sign_no_every_message_carries(
    institution: Institution, ledger: Ledger
) -> None:
    with (
        BureauSimulator(Books(require_sign_in=True)) as bureau,
        PlatformClient(bureau.url, institution, ledger=ledger, sign_in=False) as client,
    ):
        with pytest.raises(BureauError, match="sign_no") as refused:
            client.query_settlement("V1", setl_id="S1")
        assert refused.value.infcode == "-1"
        assert client.sign_in().startswith("SN")
        assert client.query_settlement("V1", setl_id="S1") is None


def test_charges_settle_cancel_query(client: PlatformClient, visits: Visit) -> None:
    _, batch, request = visits(lines=5)
    answered = client.upload_charges(batch)
    assert [line.line_no for line in answered.lines] == [line.line_no for line in batch.lines]
    assert all(line.charge_level is ChargeLevel.CLASS_A for line in answered.lines)
    preview = client.pre_settle(request)
    settlement = client.settle(request)
    info = settlement.info
    assert info.total == batch.total == preview.info.total
    assert info.fund_total + info.account_pay + info.cash_pay == info.total
    assert settlement.funds[0].amount == info.fund_total
    found = client.query_settlement(request.visit_id, setl_id=info.setl_id)
    assert found is not None
    assert found.info == info
    refund = client.cancel(settlement)
    assert refund.info.total == -info.total
    assert refund.info.is_refund
    lines = client.ledger.lines() if client.ledger else {}
    assert lines[refund.info.setl_id].original_setl_id == info.setl_id


def test_refusal_is_typed_with_err_msg_and_msgid(client: PlatformClient, visits: Visit) -> None:
    _, batch, request = visits()
    client.upload_charges(batch)
    wrong = request.model_copy(update={"total": request.total + Decimal("0.01")})
    with pytest.raises(BureauError) as refused:
        client.settle(wrong)
    error = refused.value
    assert error.infno == "2304"
    assert len(error.msgid) == 30
    assert error.msgid in str(error)
    assert "input.data.medfee_sumamt" in error.err_msg
    assert client.ledger is not None
    assert client.ledger.pending_requests() == []
    assert client.ledger.lines() == {}


def test_reversal_undoes_and_fences(
    client: PlatformClient, simulator: BureauSimulator, visits: Visit
) -> None:
    _, batch, request = visits()
    client.upload_charges(batch)
    client.settle(request)
    assert client.ledger is not None
    msgid = next(
        key
        for key, infno, kind in client.ledger.messages()
        if infno == "2304" and kind == "request"
    )
    assert client.reverse_message(msgid, "2304") is True
    assert simulator.books.lines() == {}
    assert client.reverse_message("H11010500001209901010000000001", "2304") is False


def test_reconciliation_totals_and_detail(
    client: PlatformClient, simulator: BureauSimulator, visits: Visit
) -> None:
    for _ in range(4):
        _, batch, request = visits()
        client.upload_charges(batch)
        client.settle(request)
    assert client.ledger is not None
    hospital = client.ledger.lines(DAY, DAY)
    for key, amounts in client.ledger.totals(DAY, DAY).items():
        assert client.reconcile_totals(key, amounts, DAY, DAY).balanced
        off = amounts.model_copy(update={"setl_cnt": amounts.setl_cnt + 1})
        verdict = client.reconcile_totals(key, off, DAY, DAY)
        assert not verdict.balanced
        assert verdict.stmt_rslt == "1"
    bureau = client.reconcile_detail(hospital.values(), DAY, DAY)
    assert bureau.keys() == hospital.keys()
    assert reconcile(hospital, bureau).balanced
    # A settlement the hospital lost shows as bureau-only.
    missing = dict(list(hospital.items())[1:])
    again = client.reconcile_detail(missing.values(), DAY, DAY)
    kinds = [d.kind for d in reconcile(missing, again).differences]
    assert kinds == ["bureau_only"]


def test_files_round_trip(client: PlatformClient) -> None:
    content = "第一行\tA\n".encode() * 100
    info = client.upload_file("x.txt", content)
    assert client.download_file(info) == content


def test_settlement_list_and_front_page(
    client: PlatformClient, simulator: BureauSimulator, visits: Visit
) -> None:
    encounter, batch, request = visits()
    client.upload_charges(batch)
    settlement = client.settle(request)
    info = encounter.settlement_list.info.model_copy(update={"setl_id": settlement.info.setl_id})
    listing = encounter.settlement_list.model_copy(update={"info": info})
    list_id = client.upload_settlement_list(listing)
    assert list_id == client.upload_settlement_list(listing)  # idempotent per settlement

    page = synthetic.front_page(random.Random(1), encounter.settlement_list)
    receipt = client.upload_front_page(page)
    assert len(receipt) == 30
    assert simulator.books.front_pages[request.visit_id]["baseinfo"]["mdtrt_id"] == request.visit_id
    unknown = listing.model_copy(update={"info": info.model_copy(update={"setl_id": "NOPE"})})
    with pytest.raises(BureauError, match=r"input\.setlinfo\.setl_id"):
        client.upload_settlement_list(unknown)


def test_every_message_and_answer_is_in_the_ledger(client: PlatformClient, visits: Visit) -> None:
    _, batch, request = visits()
    client.upload_charges(batch)
    client.settle(request)
    assert client.ledger is not None
    messages = list(client.ledger.messages())
    requests = {infno for _, infno, kind in messages if kind == "request"}
    answers = {infno for _, infno, kind in messages if kind == "answer"}
    assert requests == {"9001", "2301", "2304"}
    assert answers == {"9001", "2301", "2304"}


def test_signed_messages_verify_at_the_bureau(institution: Institution) -> None:
    key = b"gateway key"
    with BureauSimulator(signer=HmacSm3Signer(key)) as bureau:
        with PlatformClient(bureau.url, institution, signer=HmacSm3Signer(key)) as good:
            assert good.sign_in()
        with (
            PlatformClient(bureau.url, institution, signer=HmacSm3Signer(b"wrong")) as bad,
            pytest.raises(BureauError, match="cainfo"),
        ):
            bad.sign_in()


class _Garbage(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        info = {"setl_id": "S1", "mdtrt_id": "V1", "medfee_sumamt": 10}
        info |= {"fund_pay_sumamt": 1, "acct_pay": 0, "psn_cash_pay": 0}  # 1 ≠ 10
        body = json.dumps({"infcode": 0, "output": {"setlinfo": info}}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def garbage(serve: Callable[..., str]) -> str:
    return serve(_Garbage)


def test_an_unbalanced_answer_is_an_answer_error_with_its_path(
    garbage: str, institution: Institution, tmp_path: Path, visits: Visit
) -> None:
    _, _, request = visits()
    with (
        Ledger.open(tmp_path / "l.sqlite") as ledger,
        PlatformClient(garbage, institution, ledger=ledger, sign_in=False) as client,
    ):
        with pytest.raises(AnswerError) as bad:
            client.settle(request)
        assert bad.value.path == "output.setlinfo.medfee_sumamt"
        assert "≠" in bad.value.reason
        # The bureau may hold it: the request stays for recovery, never silently dropped.
        assert [p.request_id for p in ledger.pending_requests()] == [bad.value.msgid]


def test_settling_transactions_are_refused_by_call(client: PlatformClient) -> None:
    with pytest.raises(ValueError, match="settle"):
        client.call("2304", {})


def test_a_msgid_reused_by_another_message_is_refused(
    simulator: BureauSimulator, institution: Institution
) -> None:
    def frozen() -> datetime:
        return datetime(2026, 11, 23, 8, 0, 0)

    first = MsgIdGenerator(institution.fixmedins_code, clock=frozen)
    second = MsgIdGenerator(institution.fixmedins_code, clock=frozen)  # a separate state
    with (
        PlatformClient(simulator.url, institution, msgids=first, sign_in=False) as a,
        PlatformClient(simulator.url, institution, msgids=second, sign_in=False) as b,
    ):
        assert a.query_settlement("V1", setl_id="S1") is None
        with pytest.raises(BureauError, match="报文ID重复"):
            b.query_settlement("V2", setl_id="S2")
