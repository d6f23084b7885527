"""What can go wrong in a call to the bureau, as types a HIS can act on.

Every error names the transaction (``infno``) and the message id (``msgid``) it concerns, so
that a support ticket can be matched with the bureau's logs. Messages never quote personal
data: the bureau's ``err_msg`` is passed through :func:`medins_sdk.privacy.mask_text`.
"""

from __future__ import annotations

from medins_sdk.privacy import mask_text


class PlatformError(Exception):
    """Base of every error of the national-platform adapter."""

    def __init__(self, message: str, *, infno: str, msgid: str) -> None:
        super().__init__(f"{infno} {msgid}: {message}")
        self.infno = infno
        self.msgid = msgid


class BureauError(PlatformError):
    """The bureau answered ``infcode ≠ 0``: a definitive refusal, nothing was committed."""

    def __init__(self, *, infno: str, msgid: str, infcode: str, err_msg: str) -> None:
        self.infcode = infcode
        self.err_msg = mask_text(err_msg)
        super().__init__(f"infcode {infcode}: {self.err_msg}", infno=infno, msgid=msgid)


class TransportError(PlatformError):
    """No answer: a timeout or a broken connection. Whether the bureau acted is unknown."""


class AnswerError(PlatformError):
    """An answer the adapter cannot use: not the interface's JSON, or a field that does not
    validate (``path`` names it the way the bureau spelt it)."""

    def __init__(self, reason: str, *, infno: str, msgid: str, path: str = "") -> None:
        self.path = path
        self.reason = reason
        where = f" at {path}" if path else ""
        super().__init__(f"unusable answer{where}: {reason}", infno=infno, msgid=msgid)


class SettlementNotCommitted(PlatformError):
    """A settlement whose answer was lost, and which the bureau confirmed it does not hold
    (the original message is fenced by a 冲正 2601): safe to settle again, with a new msgid."""


class SettlementInDoubt(PlatformError):
    """A settlement whose answer was lost and whose fate could not be established (the
    query failed too). The ledger keeps it ``sent``; :meth:`Ledger.recover` with
    :meth:`PlatformClient.resolve` settles the question later. Never settle the visit again
    before that."""
