"""A real webhook receiver on 127.0.0.1: records what arrives and answers as told."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []  # status codes to answer, in turn; then 200
        self.port = 0
        # hold_first: the first request is recorded, then left unanswered until `release`
        # is set (a sender killed meanwhile never hears back); `first_arrived` says it came.
        self.hold_first = False
        self.first_arrived = threading.Event()
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"


@contextmanager
def receiving(receiver: Receiver | None = None, port: int = 0) -> Iterator[Receiver]:
    receiver = receiver or Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            if receiver.hold_first and not receiver.first_arrived.is_set():
                receiver.first_arrived.set()
                receiver.release.wait(timeout=60)
            status = receiver.answers.pop(0) if receiver.answers else 200
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()


def verifies(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Whether a received webhook carries a valid signature by that secret."""
    from server.webhooks import signing

    return signing.verify(
        secret,
        headers["webhook-id"],
        headers["webhook-timestamp"],
        headers["webhook-signature"],
        body,
    )
