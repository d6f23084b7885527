"""The simulated bureau as a real HTTP server on loopback (``http.server``, one thread per
connection, HTTP/1.1 keep-alive).

Every POST is one envelope, whatever the path (the national platform's
``/fsi/api/rsfComIfsService/callService`` and its file endpoints alike); 9102 answers with
the file's bytes, every other transaction with the answer envelope. Faults are applied
between reading the message and answering it (:mod:`.faults`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import socket
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from medins_adapter_national_platform import wire_json
from medins_adapter_national_platform.envelope import build_answer, split_request
from medins_adapter_national_platform.signer import Signer
from medins_adapter_national_platform.simulator.books import Books
from medins_adapter_national_platform.simulator.faults import FaultInjector, FaultPlan

logger = logging.getLogger("medins_adapter_national_platform.simulator")

MAX_BODY = 64 * 1024 * 1024
"""Largest request body accepted (a month's 3202 detail file fits many times over)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 60  # an idle keep-alive connection is closed after a minute
    # Headers and body leave in two writes: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK hold every answer back by ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)

    def _refuse(self, reason: str) -> None:
        """An error answer to a body that is no message at all (no msgid to refer to)."""
        self._send(
            build_answer(infcode=-1, output=None, refmsgid="", now=datetime.now(), err_msg=reason)
        )

    def do_POST(self) -> None:
        """One message: decide its faults, act, answer (or not)."""
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            self._refuse("body: missing or too large")
            return
        raw = self.rfile.read(length)
        bureau = self.server.bureau
        try:
            request = split_request(raw)
        except wire_json.WireJsonError as error:
            self._refuse(f"body: {error}")
            return
        decision = bureau.faults.decide(request.infno, request.data)
        if decision.delay:
            time.sleep(decision.delay)
        if decision.action == "drop-before":
            self._drop()
            return
        answer: tuple[int, dict[str, Any], str]
        if decision.action == "error":
            answer = (-1, {}, "simulated failure (fault injection)")
        elif bureau.signer is not None and not bureau.signer.verify(
            request.payload(), str(request.header.get("cainfo", ""))
        ):
            answer = (-1, {}, "cainfo: signature does not verify")
        else:
            sign_no = str(request.header.get("sign_no", ""))
            fingerprint = hashlib.sha256(request.raw_input).digest()
            deliveries = 2 if decision.action == "duplicate" else 1
            for _ in range(deliveries):
                answer = bureau.books.handle(
                    request.infno, request.msgid, request.data, sign_no, fingerprint
                )
        if decision.action == "drop-after":
            self._drop()
            return
        infcode, output, err_msg = answer
        if infcode == 0 and request.infno == "9102":
            self._send(output["content"], "application/octet-stream")
            return
        self._send(
            build_answer(
                infcode=infcode,
                output=output,
                refmsgid=request.msgid,
                now=datetime.now(),
                err_msg=err_msg,
            )
        )

    def _send(self, body: bytes, content_type: str = "application/json; charset=utf-8") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drop(self) -> None:
        """Close the connection without a word, as a failing network does."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], bureau: BureauSimulator) -> None:
        super().__init__(address, _Handler)
        self.bureau = bureau


class BureauSimulator:
    """A simulated bureau serving on ``host:port`` (port 0: any free port) in a background
    thread; a context manager. ``signer`` makes it verify every message's ``cainfo``."""

    def __init__(
        self,
        books: Books | None = None,
        *,
        faults: FaultPlan | str = "",
        host: str = "127.0.0.1",
        port: int = 0,
        signer: Signer | None = None,
    ) -> None:
        self.books = books or Books()
        plan = FaultPlan.parse(faults) if isinstance(faults, str) else faults
        self.faults = FaultInjector(plan)
        self.signer = signer
        self._server = _Server((host, port), self)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The endpoint clients post to."""
        host, port = self._server.socket.getsockname()[:2]
        return f"http://{host}:{port}/fsi/api/rsfComIfsService/callService"

    def start(self) -> Self:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="bureau-simulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (``medins simulate-bureau``)."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
