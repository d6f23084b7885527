"""The envelope and the wire JSON: field names and order, exact amounts, signing, answers."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from medins_adapter_national_platform import (
    AnswerError,
    HmacSm3Signer,
    Institution,
    NoSigner,
    wire_json,
)
from medins_adapter_national_platform.envelope import (
    build_answer,
    build_request,
    parse_answer,
    split_request,
)

HEADER = [
    "infno",
    "msgid",
    "mdtrtarea_admvs",
    "insuplc_admdvs",
    "recer_sys_code",
    "dev_no",
    "dev_safe_info",
    "cainfo",
    "signtype",
    "infver",
    "opter_type",
    "opter",
    "opter_name",
    "inf_time",
    "fixmedins_code",
    "fixmedins_name",
    "sign_no",
    "input",
]
MSGID = "H11010500001202611230800000001"


def test_request_has_every_field_of_the_reference_in_order(institution: Institution) -> None:
    body = build_request(
        institution,
        infno="2304",
        msgid=MSGID,
        inf_time=datetime(2026, 11, 23, 8, 0, 5),
        data={"data": {"medfee_sumamt": Decimal("12.30")}},
        signer=NoSigner(),
        sign_no="SN1",
    )
    message = json.loads(body)
    assert list(message) == HEADER
    assert message["mdtrtarea_admvs"] == "110105"  # no underscore between mdtrt and area
    assert message["insuplc_admdvs"] == "110105"  # defaults to the region of treatment
    assert message["inf_time"] == "2026-11-23 08:00:05"
    assert message["infver"] == "V1.0"
    assert b'"medfee_sumamt":12.30' in body  # a JSON number, exactly as given


def test_insured_region_per_call(institution: Institution) -> None:
    body = build_request(
        institution,
        infno="2304",
        msgid=MSGID,
        inf_time=datetime(2026, 11, 23),
        data={},
        signer=NoSigner(),
        insuplc_admdvs="320100",
    )
    assert json.loads(body)["insuplc_admdvs"] == "320100"


def test_institution_is_checked() -> None:
    with pytest.raises(ValueError, match="fixmedins_code"):
        Institution("H1", "x", "110105")
    with pytest.raises(ValueError, match="mdtrtarea_admvs"):
        Institution("H11010500001", "x", "1101")


@given(
    st.decimals(min_value=-(10**13), max_value=10**13, places=2, allow_nan=False),
    st.text(max_size=20),
)
def test_amounts_round_trip_exactly(amount: Decimal, text: str) -> None:
    data = {"amount": amount, "nested": [{"amount": amount, "text": text}]}
    back = wire_json.loads(wire_json.dumps(data))
    assert back["nested"][0] == {"amount": amount, "text": text}
    assert str(back["amount"]) == str(amount) or back["amount"] == amount


def test_hmac_sm3_signature_covers_input(institution: Institution) -> None:
    signer = HmacSm3Signer(b"shared key")
    body = build_request(
        institution,
        infno="2301",
        msgid=MSGID,
        inf_time=datetime(2026, 11, 23),
        data={"feedetail": [{"det_item_fee_sumamt": Decimal("1.50")}]},
        signer=signer,
    )
    request = split_request(body)
    assert request.header["signtype"] == "SM3"
    assert signer.verify(request.payload(), request.header["cainfo"])
    tampered = split_request(body.replace(b"1.50", b"9.50"))
    assert not signer.verify(tampered.payload(), tampered.header["cainfo"])
    assert not HmacSm3Signer(b"other").verify(request.payload(), request.header["cainfo"])


def test_answer_parses_and_refuses_what_is_not_an_envelope() -> None:
    raw = build_answer(
        infcode=0, output={"setl_list_id": "L1"}, refmsgid=MSGID, now=datetime(2026, 11, 23)
    )
    answer = parse_answer(raw, infno="4101", msgid=MSGID)
    assert answer.ok
    assert answer.output == {"setl_list_id": "L1"}
    assert answer.inf_refmsgid == MSGID
    with pytest.raises(AnswerError, match=MSGID) as error:
        parse_answer(b"<html>bad gateway</html>", infno="4101", msgid=MSGID)
    assert error.value.msgid == MSGID
    with pytest.raises(AnswerError, match="infcode") as missing:
        parse_answer(b'{"output": {}}', infno="4101", msgid=MSGID)
    assert missing.value.path == "infcode"
