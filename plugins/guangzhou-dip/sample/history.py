"""Write the synthetic regional history the sample catalogue is built from, as a history CSV.

Deterministic: seed 440100 (the region's code), 30,000 settled inpatient cases of 2021–2023
drawn by ``medins_sdk.synthetic.dip_history``. Synthetic: no case is a real patient's and no
cost is Guangzhou's. Usage: ``python sample/history.py OUT.csv``.
"""

from __future__ import annotations

import sys
from random import Random

from medins_sdk.grouping.dip_history import write_history_csv
from medins_sdk.synthetic import dip_history

SEED = 440100
CASES = 30_000
YEARS = (2021, 2022, 2023)


def main(out: str) -> None:
    with open(out, "w", encoding="utf-8", newline="") as stream:
        write_history_csv(dip_history(Random(SEED), CASES, YEARS), stream)


if __name__ == "__main__":
    main(sys.argv[1])
