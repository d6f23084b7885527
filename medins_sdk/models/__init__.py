"""Data models: settlement list, front page, charge lines, settlements, encounters, results.

Every model validates the national interface's JSON by alias (``medfee_sumamt``) and the
SDK's canonical JSON by English name (``total``); see ``medins_sdk.models.base``.
"""

from medins_sdk.models.base import SdkModel, WireDate, WireDateTime
from medins_sdk.models.charges import ChargeBatch, ChargeLine
from medins_sdk.models.encounter import Encounter
from medins_sdk.models.front_page import (
    FrontPage,
    FrontPageBase,
    FrontPageDiagnosis,
    FrontPageIcuStay,
    FrontPageOperation,
)
from medins_sdk.models.results import (
    EvidenceValue,
    Finding,
    GroupResult,
    GroupStatus,
    Outlier,
    PriceResult,
    Severity,
    Stage,
    TraceStep,
    Weight,
)
from medins_sdk.models.settlement import FundDetail, Settlement, SettlementInfo
from medins_sdk.models.settlement_list import (
    ChargeItemSummary,
    Diagnosis,
    FundPayment,
    IcuStay,
    Operation,
    OutpatientDiagnosis,
    SettlementList,
    SettlementListInfo,
    Transfusion,
)

__all__ = [
    "ChargeBatch",
    "ChargeItemSummary",
    "ChargeLine",
    "Diagnosis",
    "Encounter",
    "EvidenceValue",
    "Finding",
    "FrontPage",
    "FrontPageBase",
    "FrontPageDiagnosis",
    "FrontPageIcuStay",
    "FrontPageOperation",
    "FundDetail",
    "FundPayment",
    "GroupResult",
    "GroupStatus",
    "IcuStay",
    "Operation",
    "Outlier",
    "OutpatientDiagnosis",
    "PriceResult",
    "SdkModel",
    "Settlement",
    "SettlementInfo",
    "SettlementList",
    "SettlementListInfo",
    "Severity",
    "Stage",
    "TraceStep",
    "Transfusion",
    "Weight",
    "WireDate",
    "WireDateTime",
]
