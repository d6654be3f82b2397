from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest


class Gateway:
    """A local SMS gateway on 127.0.0.1 answering with the queued status codes (then 200)."""

    def __init__(self) -> None:
        self.codes: list[int] = []
        self.received: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                gateway.received.append(
                    {"json": json.loads(self.rfile.read(length)), "headers": dict(self.headers)}
                )
                code = gateway.codes.pop(0) if gateway.codes else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    gw = Gateway()
    settings.DOORSTEP_SMS_URL = gw.url
    settings.DOORSTEP_SMS_AUTH_HEADER = "Authorization: Bearer test-token"
    yield gw
    gw.close()


@pytest.fixture
def booked():
    """The context desks pass for an appointment."""
    return {
        "service": "高龄津贴申领",
        "desk": "二印小区服务台",
        "date": "2025-03-04",
        "time": "09:30",
        "code": "K7Q2",
    }


@pytest.fixture(autouse=True)
def _real_channels(settings):
    """Deliver through the real channels whatever a local .env says (make demo logs only)."""
    settings.DOORSTEP_NOTIFY_LOG_ONLY = False
