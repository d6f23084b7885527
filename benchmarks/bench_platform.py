"""Benchmarks of the national-platform adapter (issue 7).

(a) Client overhead per 2304 settlement: envelope, msgid, signing (HMAC-SM3), the answer's
    models, the ledger writes (``begin`` with the request, ``record_settlement``). Method:
    the simulator runs in its own process with no faults; the same kind of settlements are
    sent (i) by ``PlatformClient.settle``, (ii) as prebuilt signed bodies through the
    client's own ``requests`` transport (``Transport.post`` on a fresh ``Session``: the
    network, the server and ``requests`` cost exactly what they cost in (i), and nothing of
    the SDK's work) and (iii) as the same bodies over a bare keep-alive ``http.client``
    connection. Client overhead = (i) − (ii); ``requests``' own machinery = (ii) − (iii),
    shown apart. Per call, best of ``--repeat`` rounds, (i)–(iii) interleaved in each round.
    The parts are also timed alone, without the network.
(b) Simulator throughput: ``--workers`` client processes, each on its own keep-alive
    connection, post prebuilt 2304 settlements (charges uploaded before the clock starts)
    to one simulator process; settlements/s over the wall clock of the slowest worker.

Run: ``python benchmarks/bench_platform.py [--calls 400] [--settlements 6000] [--workers 3]``.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import random
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from harness import best_time
from medins_adapter_national_platform import (
    HmacSm3Signer,
    Institution,
    PlatformClient,
    SettlementRequest,
    wire_json,
)
from medins_adapter_national_platform import transactions as tx
from medins_adapter_national_platform.envelope import build_request, parse_answer
from medins_adapter_national_platform.msgid import MsgIdGenerator
from medins_adapter_national_platform.simulator import Books, BureauSimulator
from medins_adapter_national_platform.transport import Transport

from medins_sdk import synthetic
from medins_sdk.models import ChargeBatch
from medins_sdk.reconcile.ledger import Ledger

INSTITUTION = Institution("H11010500001", "示例医院", "110105", opter_name="收费员")
KEY = b"benchmark key"


def _serve(port: Any, ready: Any) -> None:
    """The simulator's process: serve on a free port until killed."""
    simulator = BureauSimulator(Books(), signer=HmacSm3Signer(KEY))
    port.value = int(simulator.url.split(":")[2].split("/")[0])
    ready.set()
    simulator.serve_forever()


def start_simulator() -> tuple[multiprocessing.Process, str]:
    """A simulator in its own process; its URL."""
    port = multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    process = multiprocessing.Process(target=_serve, args=(port, ready), daemon=True)
    process.start()
    ready.wait(30)
    return process, f"http://127.0.0.1:{port.value}/fsi/api/rsfComIfsService/callService"


def visits(client: PlatformClient, count: int, seed: int) -> list[SettlementRequest]:
    """``count`` visits whose charges are uploaded (not timed); their 2304 requests."""
    rng = random.Random(seed)
    wanted = []
    for index in range(count):
        encounter = synthetic.encounter(rng, index=seed * 1_000_000 + index, lines=4)
        batch = ChargeBatch(lines=encounter.charges)
        client.upload_charges(batch)
        info = encounter.settlement_list.info
        wanted.append(
            SettlementRequest(
                person_no=info.person_no or "P",
                total=batch.total,
                visit_id=info.visit_id,
                insurance_type=info.insurance_category or "310",
            )
        )
    return wanted


def raw_bodies(requests: list[SettlementRequest], msgids: Callable[[], str]) -> list[bytes]:
    """Prebuilt, signed 2304 bodies of ``requests``."""
    signer = HmacSm3Signer(KEY)
    return [
        build_request(
            INSTITUTION,
            infno="2304",
            msgid=msgids(),
            inf_time=datetime.now(),
            data=tx.settlement_input(request),
            signer=signer,
        )
        for request in requests
    ]


def post_all(url: str, bodies: list[bytes]) -> None:
    """Post every body over one keep-alive connection, reading each answer."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port)
    headers = {"Content-Type": "application/json; charset=utf-8"}
    for body in bodies:
        connection.request("POST", parts.path, body, headers)
        answer = connection.getresponse().read()
        assert b'"infcode":0' in answer, answer[:200]
    connection.close()


def transport_all(url: str, bodies: list[bytes]) -> None:
    """Post every body through the client's ``requests`` transport on a fresh session."""
    transport = Transport(requests.Session(), url, (3.05, 30.0))
    for body in bodies:
        assert b'"infcode":0' in transport.post(body).content
    transport.close()


def client_overhead(url: str, calls: int, repeat: int, folder: Path) -> dict[str, float]:
    """Per-call milliseconds: the client's settle, the bare exchanges, and the parts."""
    results: dict[str, float] = {}
    for synchronous in ("NORMAL", "FULL"):
        times: dict[str, list[float]] = {"settle": [], "requests": [], "http.client": []}
        for attempt in range(repeat):
            ledger = Ledger.open(
                folder / f"{synchronous}-{attempt}.sqlite", synchronous=synchronous
            )
            client = PlatformClient(
                url,
                INSTITUTION,
                ledger=ledger,
                signer=HmacSm3Signer(KEY),
                msgids=MsgIdGenerator(INSTITUTION.fixmedins_code, folder / "msgid.state"),
            )
            seed = attempt + (10 if synchronous == "FULL" else 0)
            mine = visits(client, calls, seed)
            through_requests = raw_bodies(visits(client, calls, seed + 100), client.msgids)
            bare = raw_bodies(visits(client, calls, seed + 200), client.msgids)
            start = time.perf_counter()
            for request in mine:
                client.settle(request)
            times["settle"].append((time.perf_counter() - start) / calls)
            start = time.perf_counter()
            transport_all(url, through_requests)
            times["requests"].append((time.perf_counter() - start) / calls)
            start = time.perf_counter()
            post_all(url, bare)
            times["http.client"].append((time.perf_counter() - start) / calls)
            client.close()
            ledger.close()
        results[f"settle ({synchronous})"] = min(times["settle"]) * 1000
        results[f"bare exchange, requests ({synchronous} run)"] = min(times["requests"]) * 1000
        results[f"bare exchange, http.client ({synchronous} run)"] = (
            min(times["http.client"]) * 1000
        )
    results.update(parts(calls))
    return results


def parts(calls: int) -> dict[str, float]:
    """The client's parts alone, without network: per-call milliseconds."""
    rng = random.Random(5)
    encounter = synthetic.encounter(rng, lines=4)
    info = encounter.settlement_list.info
    assert encounter.settlement is not None
    request = SettlementRequest(
        person_no=info.person_no or "P",
        total=encounter.settlement.info.total,
        visit_id=info.visit_id,
        insurance_type="310",
    )
    answer_body = (
        b'{"infcode":0,"output":'
        + wire_json.dumps(tx.national(encounter.settlement)).encode()
        + b"}"
    )
    signer = HmacSm3Signer(KEY)
    msgids = MsgIdGenerator(INSTITUTION.fixmedins_code)

    def envelope() -> None:
        for _ in range(calls):
            build_request(
                INSTITUTION,
                infno="2304",
                msgid=msgids(),
                inf_time=datetime.now(),
                data=tx.settlement_input(request),
                signer=signer,
            )

    def answer() -> None:
        for _ in range(calls):
            parsed = parse_answer(answer_body, infno="2304", msgid="M")
            tx.settlement_output(parsed.output, infno="2304", msgid="M")

    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger.open(Path(folder) / "l.sqlite", synchronous="NORMAL")
        settlement = encounter.settlement
        counter = iter(range(10**9))

        def ledger_writes() -> None:
            for _ in range(calls):
                n = next(counter)
                answer_n = settlement.model_copy(
                    update={"info": settlement.info.model_copy(update={"setl_id": f"S{n}"})}
                )
                ledger.begin(f"M{n}", info.visit_id, body="{}")
                ledger.record_settlement(answer_n, request_id=f"M{n}", raw="{}")

        timings = {
            "envelope + msgid + HMAC-SM3": best_time(envelope, 3) / calls * 1000,
            "answer → Settlement model": best_time(answer, 3) / calls * 1000,
            "ledger: 2 writes (NORMAL)": best_time(ledger_writes, 3) / calls * 1000,
        }
        ledger.close()
    return timings


def _worker(job: tuple[str, int, int, str, Any]) -> float:
    """One client process: upload its charges, wait for the others, post its settlements.
    The processes share one msgid state file, as a hospital's terminals would."""
    url, count, seed, state, barrier = job
    msgids = MsgIdGenerator(INSTITUTION.fixmedins_code, state)
    client = PlatformClient(url, INSTITUTION, signer=HmacSm3Signer(KEY), msgids=msgids)
    bodies = raw_bodies(visits(client, count, seed), client.msgids)
    client.close()
    barrier.wait()
    start = time.perf_counter()
    post_all(url, bodies)
    return time.perf_counter() - start


def throughput(url: str, settlements: int, workers: int, state: str) -> float:
    """Settlements/s of the simulator with ``workers`` keep-alive client processes."""
    each = settlements // workers
    with multiprocessing.Manager() as manager:
        barrier = manager.Barrier(workers)
        with multiprocessing.Pool(workers) as pool:
            jobs = [(url, each, 1000 + n, state, barrier) for n in range(workers)]
            times = pool.map(_worker, jobs)
    return each * workers / max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--settlements", type=int, default=6000)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    process, url = start_simulator()
    try:
        with tempfile.TemporaryDirectory() as folder:
            timings = client_overhead(url, args.calls, args.repeat, Path(folder))
            print(f"(a) per 2304 call, {args.calls} calls, best of {args.repeat}:")
            for name, value in timings.items():
                print(f"    {name:<40} {value:7.3f} ms")
            for mode in ("NORMAL", "FULL"):
                settle = timings[f"settle ({mode})"]
                over_requests = timings[f"bare exchange, requests ({mode} run)"]
                over_socket = timings[f"bare exchange, http.client ({mode} run)"]
                for name, value in (
                    (f"client overhead, ledger {mode}", settle - over_requests),
                    (f"requests' machinery ({mode} run)", over_requests - over_socket),
                ):
                    print(f"    {name:<40} {value:7.3f} ms")
            state = str(Path(folder) / "msgid.state")  # one state for the whole institution
            rate = throughput(url, args.settlements, args.workers, state)
        print(f"(b) simulator: {rate:,.0f} settlements/s ({args.workers} client processes)")
    finally:
        process.kill()
        process.join()


if __name__ == "__main__":
    threading.excepthook = lambda hook: None  # the killed server's threads stay quiet
    main()
