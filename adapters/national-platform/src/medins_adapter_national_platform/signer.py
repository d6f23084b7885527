"""Message signing: the envelope's ``signtype`` and ``cainfo``, behind one small interface.

What a deployment signs, with which key and which device (a CA token, an SM2 certificate
held by a signing server) differs from province to province, so the client takes any
:class:`Signer`. Shipped here:

* :class:`NoSigner` — ``signtype`` and ``cainfo`` left empty, for gateways that sign on the
  hospital's behalf (and for the simulator);
* :class:`HmacSm3Signer` — HMAC-SM3 with a shared key, through the SM3 of the OpenSSL that
  Python's ``hashlib`` is built with. It is **not** an SM2 signature: no well-kept Python
  library offers SM2 signing (``gmssl`` is pure Python, unreleased since 2023 and too slow
  for a per-message budget of a millisecond; ``cryptography`` has no SM2 signatures), and
  this project does not implement elliptic-curve cryptography itself. A deployment with SM2
  certificates plugs in a signer that calls its CA vendor's library.

What is signed is :func:`signing_payload`: the header fields that identify the message and
the exact bytes of ``input`` as sent.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Protocol, runtime_checkable


@runtime_checkable
class Signer(Protocol):
    """Signs a message's payload; the simulator uses :meth:`verify` to check it."""

    @property
    def signtype(self) -> str:
        """The envelope's ``signtype`` (``SM3``, ``SM2`` …; empty when unsigned)."""
        ...

    def sign(self, payload: bytes) -> str:
        """The envelope's ``cainfo`` for ``payload``."""
        ...

    def verify(self, payload: bytes, cainfo: str) -> bool:
        """Whether ``cainfo`` signs ``payload``."""
        ...


def signing_payload(
    infno: str, msgid: str, inf_time: str, fixmedins_code: str, body: bytes
) -> bytes:
    """What a signer signs: ``infno|msgid|inf_time|fixmedins_code|`` then ``input``'s bytes."""
    return f"{infno}|{msgid}|{inf_time}|{fixmedins_code}|".encode() + body


class NoSigner:
    """No signature: ``signtype`` and ``cainfo`` are empty."""

    signtype = ""

    def sign(self, payload: bytes) -> str:
        """Always empty."""
        return ""

    def verify(self, payload: bytes, cainfo: str) -> bool:
        """Accepts only an empty ``cainfo``."""
        return cainfo == ""


def sm3_available() -> bool:
    """Whether this Python's OpenSSL provides SM3."""
    return "sm3" in hashlib.algorithms_available


class HmacSm3Signer:
    """HMAC-SM3 over the payload with a key shared with the gateway, hex in ``cainfo``."""

    signtype = "SM3"

    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("an HMAC-SM3 key must not be empty")
        if not sm3_available():
            raise RuntimeError("this Python's OpenSSL has no SM3 (hashlib.new('sm3') fails)")
        self._key = key

    def sign(self, payload: bytes) -> str:
        """The HMAC-SM3 of ``payload``, lowercase hex."""
        return hmac.new(self._key, payload, "sm3").hexdigest()

    def verify(self, payload: bytes, cainfo: str) -> bool:
        """Constant-time comparison with the expected HMAC."""
        return hmac.compare_digest(self.sign(payload), cainfo)
