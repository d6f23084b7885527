"""The interface's envelope (REFERENCE §1): one request shape and one answer shape for every
transaction.

Request: ``infno``, ``msgid``, ``mdtrtarea_admvs`` (no underscore between ``mdtrt`` and
``area``), ``insuplc_admdvs``, ``recer_sys_code``, ``dev_no``, ``dev_safe_info``, ``cainfo``,
``signtype``, ``infver``, ``opter_type``, ``opter``, ``opter_name``, ``inf_time``,
``fixmedins_code``, ``fixmedins_name``, ``sign_no``, ``input``. Answer: ``infcode`` (0 =
success), ``inf_refmsgid``, ``refmsg_time``, ``respond_time``, ``err_msg``, ``warn_msg``,
``output``.

``input`` is serialised once and written last, so its bytes — what the signer signs — can
be found again in the body without re-serialising (:func:`split_request`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from medins_adapter_national_platform import wire_json
from medins_adapter_national_platform.errors import AnswerError
from medins_adapter_national_platform.signer import Signer, signing_payload

INF_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_INPUT = b',"input":'


@dataclass(frozen=True)
class Institution:
    """Who sends: the header fields that are the same for every message of a terminal.

    ``insuplc_admdvs`` (the insured's region) defaults to ``mdtrtarea_admvs`` and may be
    given per call for insured persons from elsewhere (异地就医).
    """

    fixmedins_code: str
    fixmedins_name: str
    mdtrtarea_admvs: str
    insuplc_admdvs: str = ""
    recer_sys_code: str = "MEDINS"
    dev_no: str = ""
    dev_safe_info: str = ""
    opter: str = "0001"
    opter_name: str = ""
    opter_type: str = "1"
    infver: str = "V1.0"

    def __post_init__(self) -> None:
        if len(self.fixmedins_code) != 12:
            raise ValueError(f"fixmedins_code must have 12 characters: {self.fixmedins_code!r}")
        if len(self.mdtrtarea_admvs) != 6 or not self.mdtrtarea_admvs.isdigit():
            raise ValueError(f"mdtrtarea_admvs must be 6 digits: {self.mdtrtarea_admvs!r}")
        if self.opter_type not in ("1", "2", "3"):
            raise ValueError("opter_type is 1 (staff), 2 (kiosk) or 3 (mobile)")


def build_request(
    institution: Institution,
    *,
    infno: str,
    msgid: str,
    inf_time: datetime,
    data: Mapping[str, Any],
    signer: Signer,
    sign_no: str = "",
    insuplc_admdvs: str | None = None,
) -> bytes:
    """The request body: the header, signed, then ``input`` (``data``) last."""
    body = wire_json.dumps(data).encode("utf-8")
    time_text = inf_time.strftime(INF_TIME_FORMAT)
    payload = signing_payload(infno, msgid, time_text, institution.fixmedins_code, body)
    header = {
        "infno": infno,
        "msgid": msgid,
        "mdtrtarea_admvs": institution.mdtrtarea_admvs,
        "insuplc_admdvs": insuplc_admdvs
        or institution.insuplc_admdvs
        or institution.mdtrtarea_admvs,
        "recer_sys_code": institution.recer_sys_code,
        "dev_no": institution.dev_no,
        "dev_safe_info": institution.dev_safe_info,
        "cainfo": signer.sign(payload),
        "signtype": signer.signtype,
        "infver": institution.infver,
        "opter_type": institution.opter_type,
        "opter": institution.opter,
        "opter_name": institution.opter_name,
        "inf_time": time_text,
        "fixmedins_code": institution.fixmedins_code,
        "fixmedins_name": institution.fixmedins_name,
        "sign_no": sign_no,
    }
    head = wire_json.dumps(header).encode("utf-8")
    return head[:-1] + _INPUT + body + b"}"


@dataclass(frozen=True)
class ParsedRequest:
    """A request as the bureau reads it: the header, ``input`` and ``input``'s raw bytes."""

    header: dict[str, Any]
    data: dict[str, Any]
    raw_input: bytes

    @property
    def infno(self) -> str:
        """The transaction code."""
        return str(self.header.get("infno", ""))

    @property
    def msgid(self) -> str:
        """The message id."""
        return str(self.header.get("msgid", ""))

    def payload(self) -> bytes:
        """What the sender signed (see :func:`signing_payload`)."""
        h = self.header
        return signing_payload(
            self.infno,
            self.msgid,
            str(h.get("inf_time", "")),
            str(h.get("fixmedins_code", "")),
            self.raw_input,
        )


def split_request(raw: bytes) -> ParsedRequest:
    """Parse a request body; ``input``'s bytes are those after the header's last field.

    The header holds only strings (a quote inside one is escaped), so the first
    ``,"input":`` is the envelope's own. Raises :class:`wire_json.WireJsonError`.
    """
    message = wire_json.loads(raw)
    data = message.pop("input", None)
    if not isinstance(data, Mapping):
        raise wire_json.WireJsonError("the envelope has no input object")
    at = raw.find(_INPUT)
    raw_input = raw[at + len(_INPUT) : raw.rstrip().rfind(b"}")] if at >= 0 else b""
    return ParsedRequest(message, dict(data), raw_input)


@dataclass(frozen=True)
class Answer:
    """The bureau's answer to one message."""

    infno: str
    msgid: str
    infcode: str
    output: dict[str, Any]
    raw: str
    err_msg: str = ""
    warn_msg: str = ""
    inf_refmsgid: str = ""

    @property
    def ok(self) -> bool:
        """``infcode`` 0: success."""
        return self.infcode == "0"


def parse_answer(raw: bytes, *, infno: str, msgid: str) -> Answer:
    """The answer envelope of ``raw``; :class:`AnswerError` when it is not one."""
    try:
        message = wire_json.loads(raw)
    except wire_json.WireJsonError as error:
        raise AnswerError(str(error), infno=infno, msgid=msgid) from None
    if "infcode" not in message:
        raise AnswerError("no infcode", infno=infno, msgid=msgid, path="infcode")
    output = message.get("output")
    if output is None:
        output = {}
    if not isinstance(output, Mapping):
        raise AnswerError("output is not an object", infno=infno, msgid=msgid, path="output")
    return Answer(
        infno=infno,
        msgid=msgid,
        infcode=str(message["infcode"]),
        output=dict(output),
        raw=raw.decode("utf-8"),
        err_msg=str(message.get("err_msg") or ""),
        warn_msg=str(message.get("warn_msg") or ""),
        inf_refmsgid=str(message.get("inf_refmsgid") or ""),
    )


def build_answer(
    *,
    infcode: int,
    output: Mapping[str, Any] | None,
    refmsgid: str,
    now: datetime,
    err_msg: str = "",
    warn_msg: str = "",
) -> bytes:
    """An answer body, as the bureau (the simulator) writes it."""
    stamp = now.strftime("%Y%m%d%H%M%S%f")[:17]
    return wire_json.dumps(
        {
            "infcode": infcode,
            "inf_refmsgid": refmsgid,
            "refmsg_time": stamp,
            "respond_time": stamp,
            "err_msg": err_msg or None,
            "warn_msg": warn_msg or None,
            "output": dict(output) if output is not None else None,
        }
    ).encode("utf-8")
