"""The house rules of ARCHITECTURE.md and STYLE.md, checked on every run."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from server.settings import PROJECT_ROOT

BIN = Path(sys.executable).parent
DOMAINS = ("accounts", "currencies", "directory", "ledger")


def _imports(folder: Path) -> list[tuple[str, str]]:
    found = []
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(PROJECT_ROOT)), a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.append((str(path.relative_to(PROJECT_ROOT)), node.module))
    return found


@pytest.mark.parametrize("domain", DOMAINS)
def test_domains_never_import_the_schema_or_the_uis(domain: str) -> None:
    bad = [
        (path, module)
        for path, module in _imports(PROJECT_ROOT / "server" / domain)
        if module.split(".")[0] in ("schema", "pwa", "admin_ui", "strawberry", "reactpy")
        or module.startswith(("starlette", "server.app"))
    ]
    assert bad == []


@pytest.mark.parametrize("ui", ["pwa", "admin_ui"])
def test_uis_only_speak_graphql(ui: str) -> None:
    bad = [
        (path, module)
        for path, module in _imports(PROJECT_ROOT / ui)
        if module.split(".")[0] in ("server", "tortoise", "beanie", "pymongo")
    ]
    assert bad == []


def test_storage_drivers_know_no_domain() -> None:
    bad = [
        (path, module)
        for path, module in _imports(PROJECT_ROOT / "server" / "stores")
        if module.startswith(tuple(f"server.{domain}" for domain in DOMAINS))
    ]
    assert bad == []


def test_ruff_finds_nothing() -> None:
    done = subprocess.run(
        [str(BIN / "ruff"), "check", "."], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing_in_server_and_schema() -> None:
    done = subprocess.run(
        [str(BIN / "mypy"), "server", "schema"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
