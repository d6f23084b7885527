"""The transport prepares its request once yet behaves as ``Session.post`` would."""

from __future__ import annotations

from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

import pytest
import requests
from medins_adapter_national_platform.transport import Transport


class _Echo(BaseHTTPRequestHandler):
    """Answers each POST with what it received; the first answer sets a cookie."""

    seen: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((dict(self.headers), body))
        self.send_response(200)
        if len(self.seen) == 1:
            self.send_header("Set-Cookie", "route=node-2; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def url(serve: Callable[..., str]) -> str:
    _Echo.seen = []
    return serve(_Echo, "/fsi/api/rsfComIfsService/callService")


def test_each_body_goes_with_its_own_length_and_the_session_settings(url: str) -> None:
    session = requests.Session()
    session.headers["X-Terminal"] = "T1"
    session.auth = ("user", "secret")
    transport = Transport(session, url, 5.0)
    answers = [transport.post(body).content for body in (b'{"a":1}', b'{"bb":22}')]
    transport.close()
    assert answers == [b'{"a":1}', b'{"bb":22}']
    second, body = _Echo.seen[1]
    assert body == b'{"bb":22}'
    assert second["Content-Length"] == "9"
    assert second["Content-Type"] == "application/json; charset=utf-8"
    assert second["X-Terminal"] == "T1"
    assert second["Authorization"].startswith("Basic ")


def test_a_cookie_the_platform_sets_goes_back_with_later_bodies(url: str) -> None:
    transport = Transport(requests.Session(), url, 5.0)
    for body in (b"{}", b"{}", b"{}"):
        transport.post(body)
    transport.close()
    cookies = [headers.get("Cookie") for headers, _ in _Echo.seen]
    assert cookies == [None, "route=node-2", "route=node-2"]
