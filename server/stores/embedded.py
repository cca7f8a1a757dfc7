"""The embedded document server: SecantusDB's `secantusd-py`, run as a child process.

SecantusDB is GPL-licensed: it is never imported, only started as its own process and
spoken to over the MongoDB wire protocol, exactly like a real mongod.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

_PR_SET_PDEATHSIG = 1


class EmbeddedServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _executable() -> str:
    beside = Path(sys.executable).parent / "secantusd-py"
    if beside.exists():
        return str(beside)
    found = shutil.which("secantusd-py")
    if not found:
        raise EmbeddedServerError(
            "secantusd-py not found: install the project (make run does) or set REC_MONGODB_URL"
        )
    return found


def _die_with_parent() -> None:  # runs in the child between fork and exec
    os.setsid()  # Ctrl-C reaches us, not the child: we stop it in order, after the app.
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedDocumentServer:
    """Starts `secantusd-py` on a free loopback port with its data under `storage_path`."""

    def __init__(
        self,
        storage_path: Path | str,
        log_path: Path | None = None,
        *,
        test_commands: bool = False,
    ) -> None:
        self.storage_path = storage_path
        self.log_path = log_path
        self.test_commands = test_commands
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self, timeout_s: float = 60.0, port: int | None = None) -> str:
        """Starts the server and waits for it; `port` reuses a known port (restarts)."""
        if isinstance(self.storage_path, Path):
            self.storage_path.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        command = [
            _executable(),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--storage-path",
            str(self.storage_path),
            "--log-level",
            "WARNING",
        ]
        if self.test_commands:
            command.append("--enable-test-commands")
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - setsid and pdeathsig only
            )
        finally:
            if log is not subprocess.DEVNULL:
                log.close()  # type: ignore[union-attr]
        self._wait_until_ready(timeout_s)
        return self.url

    def _wait_until_ready(self, timeout_s: float) -> None:
        from pymongo import MongoClient
        from pymongo.errors import PyMongoError

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise EmbeddedServerError(
                    f"the document server exited with status {self.process.returncode} "
                    f"while starting; see {self._log_hint()}"
                )
            try:
                client: MongoClient = MongoClient(self.url, serverSelectionTimeoutMS=300)
                try:
                    client.admin.command("ping")
                    return
                finally:
                    client.close()
            except PyMongoError:
                time.sleep(0.1)
        self.stop()
        raise EmbeddedServerError(
            f"the document server did not answer within {timeout_s:.0f} s; see {self._log_hint()}"
        )

    def _log_hint(self) -> str:
        return str(self.log_path) if self.log_path else "its output"

    def stop(self, timeout_s: float = 15.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def __enter__(self) -> EmbeddedDocumentServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
