"""POSTing message bodies to the platform's one URL through a ``requests.Session``.

``Session.post`` works out the same things on every call — the URL parsed and checked, the
session's headers and auth merged, proxy, certificate and verification settings looked up —
although a client only ever posts JSON to one URL. On a slow core that is ~0.7 ms a call,
more than the client's own work. :class:`Transport` prepares the request once and sends a
copy carrying each body through ``Session.send``, so pooling, timeouts, cookies, hooks and
redirects behave as they do for ``Session.post``. The session's headers, auth, proxies and
verification settings are read when the transport is made; cookies on every call.
"""

from __future__ import annotations

import requests

JSON = "application/json; charset=utf-8"


class Transport:
    """Posts bodies to ``url`` over ``session`` with ``timeout`` (requests' ``(connect,
    read)`` seconds)."""

    def __init__(
        self, session: requests.Session, url: str, timeout: float | tuple[float, float]
    ) -> None:
        self.session = session
        self.url = url
        self.timeout = timeout
        self._template = session.prepare_request(
            requests.Request("POST", url, headers={"Content-Type": JSON})
        )
        self._template.headers.pop("Cookie", None)
        self._settings = session.merge_environment_settings(url, {}, None, None, None)

    def post(self, body: bytes) -> requests.Response:
        """The answer to ``body`` (requests' exceptions propagate)."""
        prepared = self._template.copy()
        prepared.prepare_body(body, None)
        if self.session.cookies:
            prepared.prepare_cookies(self.session.cookies)
        return self.session.send(prepared, timeout=self.timeout, **self._settings)

    def close(self) -> None:
        """Close the session's pooled connections."""
        self.session.close()
