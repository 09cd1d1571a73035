"""fetch keeps its time budget while reading: a slow-drip or stalled server on 127.0.0.1 is cut off.

The assertions are on what was read, not on clocks: a reader that ignored the budget would read
the whole drip (or wait out the stall's long socket timeout and read the late bytes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3
from rag.errors import FetchTimeout

from shared import http_fetch

DRIP_BYTES = 400
DRIP_INTERVAL = 0.02  # the whole drip would take 8 s
STALL_SECONDS = 8


class _Server(BaseHTTPRequestHandler):
    sent: list[int]

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(DRIP_BYTES))
        self.end_headers()
        try:
            if self.path == "/stall":
                time.sleep(STALL_SECONDS)
                self.wfile.write(b"x" * DRIP_BYTES)
                type(self).sent.append(DRIP_BYTES)
                return
            for _ in range(DRIP_BYTES):
                self.wfile.write(b"x")
                self.wfile.flush()
                type(self).sent.append(1)
                time.sleep(DRIP_INTERVAL)
        except OSError:  # the client hung up: what the test expects
            return

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[tuple[str, list[int]]]:
    handler = type("Handler", (_Server,), {"sent": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler.sent
    httpd.shutdown()
    httpd.server_close()


def _get(url: str) -> tuple[object, float]:
    pool = urllib3.PoolManager(retries=False)
    response = pool.request(
        "GET", url, preload_content=False, redirect=False, retries=False, timeout=urllib3.Timeout(read=60)
    )
    return response, time.monotonic() + 0.3


def test_a_slow_drip_is_cut_off_at_the_budget(server):
    base, sent = server
    response, deadline = _get(base + "/drip")
    with pytest.raises(FetchTimeout):  # at the loop's check or in a read cut to the budget
        http_fetch._read(response, base, ("text/plain",), 10_000, deadline)
    response.release_conn()
    assert sum(sent) < DRIP_BYTES


def test_a_stalled_body_times_out_at_the_budget_not_the_socket_timeout(server):
    base, sent = server
    response, deadline = _get(base + "/stall")
    with pytest.raises(FetchTimeout):
        http_fetch._read(response, base, ("text/plain",), 10_000, deadline)
    response.release_conn()
    assert sent == []  # raised before the server's late bytes existed
