"""Masking personal data (names, ID numbers, phone numbers) before it reaches logs or errors.

Models mark personal fields with ``pii`` metadata (and hide them from ``repr``); error
reports never quote input values; logs pass through :class:`PiiMaskingFilter`, which masks
ID-card and phone numbers in any message as a last line of defence.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import BaseModel

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)\d{4}(\d{3,4})(?!\d)")


def mask_name(name: str) -> str:
    """张三丰 → 张**: keep the family name, hide the rest."""
    return name[:1] + "*" * (len(name) - 1) if name else name


def mask_id_number(number: str) -> str:
    """110101199001011234 → 110101********1234: region and check digits stay readable."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(number: str) -> str:
    """13812345678 → 138****5678."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_address(address: str) -> str:
    """Keep the first six characters (province, city), hide the rest."""
    return address[:6] + "*" * max(len(address) - 6, 0)


_MASKERS = {
    "name": mask_name,
    "id_number": mask_id_number,
    "phone": mask_phone,
    "address": mask_address,
}


def mask_text(text: str) -> str:
    """Mask every ID-card and phone number that appears in free text."""
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    return _LANDLINE.sub(lambda m: m.group(1) + "****" + m.group(2), text)


def redacted(model: BaseModel) -> dict[str, Any]:
    """The model as JSON-ready data with every field marked ``pii`` masked, recursively.

    For debug output and support tickets: what a person may see of a record.
    """
    data: dict[str, Any] = model.model_dump(mode="json", exclude_none=True)
    _redact_into(model, data)
    return data


def _redact_into(model: BaseModel, data: dict[str, Any]) -> None:
    for name, field in type(model).model_fields.items():
        if name not in data:
            continue
        extra = field.json_schema_extra
        kind = extra.get("pii") if isinstance(extra, dict) else None
        value = getattr(model, name)
        if isinstance(kind, str) and isinstance(data[name], str):
            data[name] = _MASKERS[kind](data[name])
        elif isinstance(value, BaseModel):
            _redact_into(value, data[name])
        elif isinstance(value, list):
            for item, item_data in zip(value, data[name], strict=True):
                if isinstance(item, BaseModel):
                    _redact_into(item, item_data)


class PiiMaskingFilter(logging.Filter):
    """A logging filter that masks ID-card and phone numbers in every record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
