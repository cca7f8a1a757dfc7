"""`make run` as a person runs it: start, use, Ctrl-C, start again, find everything."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from server.accounts import totp
from server.settings import PROJECT_ROOT
from server.stores.embedded import EmbeddedDocumentServer, free_port
from tests.conftest import run_rec
from tests.helpers.browser import PageWatch

pytestmark = pytest.mark.e2e
READY_LINE = "Press Ctrl-C to stop."


class PortTaken(AssertionError):
    """Another process (another test worker) took the free port before the platform bound it."""


class Platform:
    """One `make run` (or `rec run`) in its own process group, like a terminal's job."""

    def __init__(self, command: list[str], env: dict[str, str], output: Path) -> None:
        self.output = output
        with open(output, "w") as sink:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 180
        while READY_LINE not in self.text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                if "(Address already in use)" in self.text():
                    raise PortTaken(self.text())
                raise AssertionError(f"the platform did not start:\n{self.text()}")
            time.sleep(0.2)

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def document_server(self) -> tuple[str, int] | None:
        found = re.search(r"embedded, (mongodb://\S+) \(pid (\d+)\)", self.text())
        return (found.group(1), int(found.group(2))) if found else None

    def press_ctrl_c(self) -> int:
        os.killpg(self.process.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
        return self.process.wait(timeout=60)


def _start(
    command: list[str], data_dir: Path, output: Path, **extra: str
) -> tuple[Platform, int, dict[str, str]]:
    """Starts the platform on a free port, and on another if that one is taken meanwhile."""
    for _ in range(4):
        port = free_port()
        env = _env(data_dir, port, **extra)
        try:
            return Platform(command, env, output), port, env
        except PortTaken:
            continue
    raise AssertionError(f"no free port found for {command}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def _env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REC_") and k != "MAKEFLAGS"}
    env.update(REC_DATA_DIR=str(data_dir), REC_PORT=str(port), **extra)
    return env


def _count_wallets(mongodb_url: str) -> int:
    client: MongoClient = MongoClient(mongodb_url)
    try:
        return client["rec"]["wallets"].count_documents({})
    finally:
        client.close()


async def _renders(page: PageWatch, url: str, test_id: str, text: str) -> None:
    await page.page.goto(url)
    element = page.page.get_by_test_id(test_id)
    await element.wait_for(timeout=20000)
    assert text in await element.inner_text()


async def _sign_in_to_admin(page: PageWatch, base: str, output: str, step_offset: int) -> None:
    """Signs in with the superadmin's printed password and two-factor secret."""
    found = re.search(
        r"(superadmin@\S+)\s+(\S+)\s+\(superadmin\)\s+two-factor secret[^:]*: (\w+)", output
    )
    assert found, output
    email, password, secret = found.groups()
    await page.page.goto(base + "/admin/")
    await page.page.get_by_test_id("sign-in").wait_for(timeout=20000)
    await page.page.fill("input[name=email]", email)
    await page.page.fill("input[name=password]", password)
    await page.page.fill(
        "input[name=totp]", totp.code_at(secret, totp.current_step() + step_offset)
    )
    await page.page.click("button[type=submit]")


async def test_make_run_serves_everything_stops_cleanly_and_keeps_data(
    tmp_path: Path, page: PageWatch
) -> None:
    data_dir, make_run = tmp_path / "var", ["make", "--no-print-directory", "run"]
    first, port, env = _start(make_run, data_dir, tmp_path / "first.log")
    base = f"http://127.0.0.1:{port}"
    try:
        assert "Demo data loaded. Sign in with:" in first.text()
        assert "superadmin@demo.rec.example" in first.text()
        assert "treasurer@demo.rec.example" in first.text()
        assert f"Wallet      {base}/wallet/rec/  (REC)" in first.text()
        assert f"{base}/wallet/gra/  (GRA)" in first.text()  # branding/gra/, the second
        mongodb_url, documents_pid = first.document_server() or ("", 0)
        assert _alive(documents_pid)

        assert httpx.get(base + "/healthz").status_code == 200
        currencies = httpx.post(base + "/graphql", json={"query": "{ currencies { code name } }"})
        assert {(c["code"], c["name"]) for c in currencies.json()["data"]["currencies"]} == {
            ("REC", "REC"),
            ("GRA", "Gra"),
        }
        await _renders(page, base + "/wallet/", "currency-name", "REC")
        await _renders(page, base + "/wallet/gra/", "currency-name", "Gra")
        await _sign_in_to_admin(page, base, first.text(), step_offset=0)
        await page.page.get_by_test_id("admin-home").wait_for(timeout=20000)
        await page.page.goto(base + "/admin/settings")
        await page.page.get_by_test_id("currency-REC").wait_for(timeout=20000)
        assert (
            "REC, moneda ciutadana" in await page.page.get_by_test_id("currency-REC").inner_text()
        )

        # Something new, written while it runs, must still be there after a restart.
        admin_env = {
            **env,
            "REC_DATABASE_URL": f"sqlite://{data_dir / 'rec.sqlite3'}",
            "REC_MONGODB_URL": mongodb_url,
        }
        args = (
            "admin",
            "create",
            "--email",
            "keeper@example.org",
            "--password",
            "a long enough passphrase",
            "--role",
            "support",
        )
        assert "role support granted" in run_rec(*args, env=admin_env).stdout
        wallets = _count_wallets(mongodb_url)
        assert wallets >= 10
    finally:
        status = first.press_ctrl_c()
    # make reports a Ctrl-C by ending on SIGINT itself, as every make does; what matters is
    # that `rec run` stopped everything in order (its own exit status is checked below).
    assert status in (0, -signal.SIGINT), first.text()
    assert "Document server stopped." in first.text()
    assert not _alive(documents_pid)
    assert not _group_alive(first.process.pid)
    assert "Traceback" not in first.text()

    second = Platform(make_run, env, tmp_path / "second.log")
    try:
        assert "Demo data already loaded" in second.text()
        first_sign_ins = first.text().split("Sign in with:")[1].split(READY_LINE)[0].strip()
        assert first_sign_ins in second.text()
        mongodb_url, documents_pid = second.document_server() or ("", 0)
        assert _count_wallets(mongodb_url) == wallets
        admin_env["REC_MONGODB_URL"] = mongodb_url
        assert "already held" in run_rec(*args, env=admin_env).stdout
        await _renders(page, base + "/wallet/", "currency-name", "REC")
        await page.page.context.clear_cookies()
        await _sign_in_to_admin(page, base, second.text(), step_offset=1)
        await page.page.get_by_test_id("admin-home").wait_for(timeout=20000)
        await page.page.goto(base + "/admin/settings")
        await page.page.get_by_test_id("currency-REC").wait_for(timeout=20000)
    finally:
        status = second.press_ctrl_c()
    assert status in (0, -signal.SIGINT)
    assert "Document server stopped." in second.text() and "Traceback" not in second.text()
    assert not _alive(documents_pid) and not _group_alive(second.process.pid)


def test_run_uses_given_store_urls_and_embeds_nothing_for_them(
    tmp_path: Path, document_server: EmbeddedDocumentServer
) -> None:
    platform, port, _ = _start(
        [str(Path(os.sys.executable).parent / "rec"), "run"],
        tmp_path / "var",
        tmp_path / "run.log",
        REC_MONGODB_URL=document_server.url,
        REC_MONGODB_DATABASE="rec_given_url",
        REC_DATABASE_URL=f"sqlite://{tmp_path / 'given.sqlite3'}",
    )
    try:
        assert platform.document_server() is None
        assert "Documents   REC_MONGODB_URL" in platform.text()
        assert "Relational  REC_DATABASE_URL" in platform.text()
        assert not (tmp_path / "var" / "documents").exists()
        assert (tmp_path / "given.sqlite3").exists()
        body = httpx.post(
            f"http://127.0.0.1:{port}/graphql", json={"query": "{ currencies { code } }"}
        ).json()
        assert "errors" not in body
        assert sorted(c["code"] for c in body["data"]["currencies"]) == ["GRA", "REC"]
    finally:
        assert platform.press_ctrl_c() == 0
    client: MongoClient = MongoClient(document_server.url)
    client.drop_database("rec_given_url")
    client.close()


def test_a_busy_port_is_reported_and_nothing_is_left_running(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(Path(os.sys.executable).parent / "rec"), "run"],
            cwd=PROJECT_ROOT,
            env=_env(tmp_path / "var", port),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2
    assert f"cannot serve on 127.0.0.1:{port}" in done.stderr and "REC_PORT" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "var" / "documents").exists()  # nothing was started
