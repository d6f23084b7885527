"""Shapes of the codes the interface carries, as regular expressions.

A shape check catches a code in the wrong field (a procedure code as a diagnosis, a name
typed into a code field) before anything looks it up. Whether a code exists in an edition,
or is a grey code, is knowledge: audit rules check that against ``medins_sdk.codes.icd``.
The ICD patterns accept every code of the ICD-10 / ICD-9-CM-3 insurance 2.0 and national
clinical editions shipped in ``medins_sdk/codes/data`` (a test checks this).
"""

from __future__ import annotations

import re

ICD10 = (
    r"^[A-Z]\d{2}(\.[0-9x]\d{0,2}(x\d{3})?)?"
    r"(\+[A-Z]\d{2}(\.\d{1,3})?\*?|\*|[A-Z]\d{2}\.\d|M?\d{4,5}/\d)?$"
)
"""ICD-10 diagnosis code (医保版 / 国临版), e.g. ``I21.000``, ``A17.000+G01*``."""

ICD9CM3 = r"^\d{2}(\.(\d{1,5}|\d{1,2}x\d{2}|\d{3}[A-Z]\d))?(x\d{3,4})?$"
"""ICD-9-CM-3 procedure code, e.g. ``74.1x01``, ``00.0100``."""

TCM = r"^[A-Z][0-9A-Z]{1,5}(\.[0-9A-Z]{1,3}){0,4}\.?$"
"""TCM disease or syndrome code (GB/T 15657), e.g. ``A04.01.03.`` or ``BNG010``."""

ICD10_SHAPE = re.compile(ICD10)
ICD9CM3_SHAPE = re.compile(ICD9CM3)
TCM_SHAPE = re.compile(TCM)
"""The three code shapes compiled once, for checks run per code on hot paths (models'
validators, pack compilers); pydantic fields take the strings above."""

REGION = r"^\d{6}$"
"""Administrative division code ``admdvs`` (医保区划), e.g. ``110000`` for Beijing."""

INSURANCE_TYPE = r"^\d{3}$"
MEDICAL_TYPE = r"^\d{2,6}$"
CLEARING_TYPE = r"^[0-9A-Za-z]{1,10}$"
FUND_PAY_TYPE = r"^\d{6}$"
CATALOGUE = r"^[0-9A-Za-z][0-9A-Za-z._\-]{0,49}$"
"""National catalogue code (医保目录编码) or a hospital's own item code."""

DEPARTMENT = r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,29}$"
IDENTIFIER = r"^[^\s\x00-\x1f]{1,64}$"
"""An identifier: 1–64 characters, no whitespace or control characters."""

DURATION = r"^\d{1,4}/([01]?\d|2[0-3])/[0-5]?\d$"
"""A duration written days/hours/minutes, as in ``1/13/24``."""


def duration_minutes(value: str) -> int:
    """Minutes in a ``days/hours/minutes`` duration (``"1/13/24"`` → 2244)."""
    days, hours, minutes = (int(part) for part in value.split("/"))
    return (days * 24 + hours) * 60 + minutes
