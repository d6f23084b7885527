"""Make the adapter's source importable when it is not installed (``pytest`` from the repo
root), and the fixtures its tests share: an institution, a simulator, a ledger, a client.

Installed or not, the tests then exercise this checkout's source.
"""

import random
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "src"))

from medins_adapter_national_platform import (
    Institution,
    PlatformClient,
    SettlementRequest,
)
from medins_adapter_national_platform.simulator import BureauSimulator

from medins_sdk import synthetic
from medins_sdk.models import ChargeBatch, Encounter
from medins_sdk.reconcile.ledger import Ledger

INSTITUTION = Institution("H11010500001", "示例医院", "110105", opter="0001", opter_name="王收费")


@pytest.fixture
def institution() -> Institution:
    return INSTITUTION


@pytest.fixture
def simulator() -> Iterator[BureauSimulator]:
    """A fresh bureau (empty books, no faults) on a free loopback port."""
    with BureauSimulator() as bureau:
        yield bureau


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger.open(tmp_path / "ledger.sqlite", synchronous="NORMAL") as book:
        yield book


@pytest.fixture
def client(simulator: BureauSimulator, ledger: Ledger) -> Iterator[PlatformClient]:
    with PlatformClient(simulator.url, INSTITUTION, ledger=ledger, timeout=5.0) as platform:
        yield platform


class Visits:
    """Synthetic visits: a charge batch and the settlement request that goes with it."""

    def __init__(self) -> None:
        self._rng = random.Random(11)
        self._index = 0

    def __call__(self, lines: int = 4) -> tuple[Encounter, ChargeBatch, SettlementRequest]:
        self._index += 1
        encounter = synthetic.encounter(self._rng, index=self._index, lines=lines)
        info = encounter.settlement_list.info
        batch = ChargeBatch(lines=encounter.charges)
        request = SettlementRequest(
            person_no=info.person_no or "P1",
            total=batch.total,
            visit_id=info.visit_id,
            insurance_type=info.insurance_category or "310",
            certificate_no=info.cert_no,
        )
        return encounter, batch, request


@pytest.fixture
def visits() -> Visits:
    return Visits()


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """Starts loopback HTTP servers answering with a handler class, each until the test
    ends: ``serve(Handler, path="/")`` gives the URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(handler: type[BaseHTTPRequestHandler], path: str = "/") -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}{path}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
