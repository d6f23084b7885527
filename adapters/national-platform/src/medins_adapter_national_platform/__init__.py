"""medins-sdk adapter for the national medical insurance platform (国家医疗保障信息平台).

* :class:`PlatformClient` — every transaction over one ``requests.Session``, each message
  recorded in the ledger, settlements recovered (never resent) after a lost answer;
* :class:`Institution`, :class:`MsgIdGenerator`, :class:`Signer` — the envelope's parts;
* :mod:`.simulator` — a loopback bureau with books and fault injection;
* :func:`run_day` — a hospital day against the simulator (``medins platform day``).

See README.md and ``docs/national-platform.md``.
"""

from medins_adapter_national_platform.client import ClientStats, PlatformClient, SettlementReversed
from medins_adapter_national_platform.envelope import Answer, Institution
from medins_adapter_national_platform.errors import (
    AnswerError,
    BureauError,
    PlatformError,
    SettlementInDoubt,
    SettlementNotCommitted,
    TransportError,
)
from medins_adapter_national_platform.msgid import MsgIdGenerator
from medins_adapter_national_platform.signer import HmacSm3Signer, NoSigner, Signer
from medins_adapter_national_platform.transactions import SettlementRequest, TotalsAnswer

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "AnswerError",
    "BureauError",
    "ClientStats",
    "HmacSm3Signer",
    "Institution",
    "MsgIdGenerator",
    "NoSigner",
    "PlatformClient",
    "PlatformError",
    "SettlementInDoubt",
    "SettlementNotCommitted",
    "SettlementRequest",
    "SettlementReversed",
    "Signer",
    "TotalsAnswer",
    "TransportError",
    "__version__",
]
