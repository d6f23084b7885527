"""Names, ID numbers and phone numbers never reach the adapter's logs, even at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from medins_adapter_national_platform import PlatformClient, SettlementRequest
from medins_adapter_national_platform.masking import masked, pii_fields

from medins_sdk.models import ChargeBatch, Encounter

Visit = Callable[..., tuple[Encounter, ChargeBatch, SettlementRequest]]
NAME, ID_NUMBER, PHONE = "欧阳春花", "110101199003071234", "13912345678"


def test_the_personal_fields_come_from_the_models() -> None:
    fields = pii_fields()
    assert fields["psn_name"] == "name"
    assert fields["certno"] == "id_number"
    assert fields["opter_name"] == "name"
    assert fields["mdtrt_cert_no"] == "id_number"
    assert masked({"memo": f"call {PHONE}", "psn_name": NAME}) == {
        "memo": "call 139****5678",
        "psn_name": "欧***",
    }


def test_logs_mask_personal_data(
    client: PlatformClient, visits: Visit, caplog: pytest.LogCaptureFixture
) -> None:
    encounter, batch, request = visits()
    request = request.model_copy(update={"certificate_no": ID_NUMBER})
    info = encounter.settlement_list.info
    with caplog.at_level(logging.DEBUG, logger="medins_adapter_national_platform"):
        client.upload_charges(batch)
        settlement = client.settle(request)
        personal = info.model_copy(
            update={
                "setl_id": settlement.info.setl_id,
                "person_name": NAME,
                "cert_no": ID_NUMBER,
                "contact_phone": PHONE,
            }
        )
        listing = encounter.settlement_list.model_copy(update={"info": personal})
        client.upload_settlement_list(listing)
    text = caplog.text
    assert "4101" in text
    assert "psn_name" in text
    for secret in (NAME, ID_NUMBER, PHONE, "王收费"):  # … masked
        assert secret not in text
