"""The columnar 事后 path gives the plain path's findings, byte for byte, on the same batch."""

from __future__ import annotations

from datetime import datetime
from random import Random

import pytest

from medins_sdk import synthetic
from medins_sdk.codes.tables import DischargeWay
from medins_sdk.models import Encounter, Finding
from medins_sdk.testing.audit import add, clean, engine, info, line

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


def _moved(encounter: Encounter, admitted: datetime, person: str, doctor: str) -> Encounter:
    """``encounter`` admitted at ``admitted`` (its lines and discharge moved along), of
    ``person``, every line ordered by ``doctor``."""
    listing = encounter.settlement_list.info
    assert listing.admission_time is not None
    assert listing.discharge_time is not None
    shift = admitted - listing.admission_time
    moved = [
        line.model_copy(update={"time": line.time + shift, "doctor_code": doctor})
        for line in encounter.charges
    ]
    encounter = encounter.model_copy(update={"charges": moved})
    return info(
        encounter,
        person_no=person,
        admission_time=admitted,
        discharge_time=listing.discharge_time + shift,
    )


def _year_of_patterns(seed: int) -> list[Encounter]:
    """A year in which one person rushes in December and one doctor's stent use jumps in
    July, among ordinary stays, in a shuffled order."""
    rng = Random(seed)
    batch = []
    for month in range(1, 13):
        for n in range(4):
            stay = clean(seed * 1000 + month * 10 + n, lines=8)
            stay = _moved(stay, datetime(2024, month, 3 + n, 9), f"P{n}", "D-SURGE")
            count = "6" if month == 7 else "1"
            price = "700.00" if month == 7 else "100.00"
            stent = line(stay, "EX-MAT-STENT", stay.charges[0].time, price=price, quantity=count)
            batch.append(add(stay, stent))
        rushed = _moved(clean(seed + month, lines=4), datetime(2024, month, 5, 9), "P-RUSH", "D9")
        batch.append(rushed)
    december = _moved(clean(seed + 99, lines=4), datetime(2024, 12, 20, 9), "P-RUSH", "D9")
    big = line(december, "EX-MAT-LENS", december.charges[0].time, price="3000.00")
    batch.append(add(december, big))
    rng.shuffle(batch)
    return batch


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_columnar_pattern_screens_find_what_the_plain_patterns_find(seed: int) -> None:
    batch = _year_of_patterns(seed)
    audit = engine()
    plain = [f.model_dump_json() for f in audit.check_batch(batch)]
    frames = columnar.frames(batch, audit.knowledge)
    assert [f.model_dump_json() for f in columnar.audit_frames(frames, audit)] == plain
    rules = {Finding.model_validate_json(f).rule for f in plain}
    assert {"batch.year-end-rush", "batch.material-surge"} <= rules
