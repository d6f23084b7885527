"""Personal data out of the adapter's logs: a masked copy of any message for debug logging.

Which national fields hold a name, an ID number, a phone or an address is read from the
core models' ``pii`` marks (every model a transaction carries), plus the envelope's
``opter_name`` and the certificate number ``mdtrt_cert_no``; every other string is passed
through :func:`~medins_sdk.privacy.mask_text`, which masks ID-card and phone numbers wherever
they appear. The adapter's logger also carries :class:`~medins_sdk.privacy.PiiMaskingFilter`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel

from medins_sdk.models import ChargeBatch, FrontPage, Settlement, SettlementList
from medins_sdk.privacy import (
    PiiMaskingFilter,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
)

_MASKERS: dict[str, Callable[[str], str]] = {
    "name": mask_name,
    "id_number": mask_id_number,
    "phone": mask_phone,
    "address": mask_address,
}
_ENVELOPE = {"opter_name": "name", "mdtrt_cert_no": "id_number"}

LOGGER_NAME = "medins_adapter_national_platform"


def _collect(model: type[BaseModel], found: dict[str, str]) -> None:
    for info in model.model_fields.values():
        extra = info.json_schema_extra
        kind = extra.get("pii") if isinstance(extra, dict) else None
        if isinstance(kind, str) and info.alias:
            found[info.alias] = kind
        for arg in (info.annotation, *getattr(info.annotation, "__args__", ())):
            inner = getattr(arg, "__args__", (arg,))
            for candidate in (arg, *inner):
                if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                    _collect(candidate, found)


@cache
def pii_fields() -> dict[str, str]:
    """National field name → kind of personal data, from the core models' marks."""
    found: dict[str, str] = dict(_ENVELOPE)
    for model in (ChargeBatch, FrontPage, Settlement, SettlementList):
        _collect(model, found)
    return found


def masked(data: Any) -> Any:
    """A copy of a decoded message with every personal value masked."""
    fields = pii_fields()
    if isinstance(data, Mapping):
        out: dict[str, Any] = {}
        for key, value in data.items():
            kind = fields.get(key)
            if kind is not None and isinstance(value, str):
                out[key] = _MASKERS[kind](value)
            else:
                out[key] = masked(value)
        return out
    if isinstance(data, list):
        return [masked(item) for item in data]
    if isinstance(data, str):
        return mask_text(data)
    return data


def adapter_logger() -> logging.Logger:
    """The adapter's logger, with the PII masking filter attached once."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(f, PiiMaskingFilter) for f in logger.filters):
        logger.addFilter(PiiMaskingFilter())
    return logger
