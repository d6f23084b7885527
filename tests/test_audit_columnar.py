"""The columnar 事后 path gives the plain path's findings, byte for byte, on the same batch."""

from __future__ import annotations

from random import Random

import pytest

from medins_sdk import synthetic
from medins_sdk.codes.tables import DischargeWay
from medins_sdk.models import Encounter
from medins_sdk.testing.audit import engine, info

columnar = pytest.importorskip("medins_sdk.audit.columnar")


def _batch() -> list[Encounter]:
    rng = Random(5)
    kinds = [None, *synthetic.AUDIT_DEFECTS]
    batch = [
        synthetic.audit_encounter(rng, index=i, lines=40, defect=kinds[i % len(kinds)])
        for i in range(60)
    ]
    # A death with a late charge, and one person in two hospitals at once.
    batch[0] = info(batch[0], discharge_way=DischargeWay.DEATH)
    first = batch[1].settlement_list.info
    batch[2] = info(
        batch[2],
        person_no=first.person_no,
        institution_code="H99",
        admission_time=first.admission_time,
        discharge_time=first.discharge_time,
    )
    return batch


def test_the_columnar_batch_matches_the_plain_batch() -> None:
    batch = _batch()
    audit = engine()
    plain = [f.model_dump_json() for f in audit.check_batch(batch)]
    frames = columnar.frames(batch, audit.knowledge)
    fast = [f.model_dump_json() for f in columnar.audit_frames(frames, audit)]
    assert fast == plain
    assert len(set(plain)) > 20
