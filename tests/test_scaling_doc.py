"""docs/scaling.md keeps up with the code: every collection the app registers, and every
index it declares, is written there; no index is written there that the code lacks.

No database is needed: the models are read as classes, the way Beanie reads them when a
process starts (`Settings.name`, `Settings.indexes`, fields typed with `Indexed`). The list
is the one the app hands to Beanie (`server.registry.DOCUMENT_MODELS`), so a model added
without its section fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from beanie import Document

from server.registry import DOCUMENT_MODELS
from server.settings import PROJECT_ROOT
from server.stores.documents import collection_of, declared_indexes

DOC = Path(PROJECT_ROOT) / "docs" / "scaling.md"
SERVER = Path(PROJECT_ROOT) / "server"
STATS = SERVER / "reports" / "stats.py"
HEADING = re.compile(r"^(#+)\s")
SPEC = re.compile(r"`(\{[^`]*\})`")
INDEX_TABLE = "| index today"
ALWAYS = "{_id: 1}"  # every collection has it; the doc may list it


def spec_of(index: dict[str, Any]) -> str:
    """How the doc writes an index's keys: `{legs.account_id: 1, currency: 1, _id: -1}`."""
    parts = []
    for field, direction in index["key"].items():
        value = f'"{direction}"' if isinstance(direction, str) else str(int(direction))
        parts.append(f"{field}: {value}")
    return "{" + ", ".join(parts) + "}"


def options_of(index: dict[str, Any]) -> list[str]:
    """What must stand on the index's line: `unique`, `sparse`, `expireAfterSeconds: N`..."""
    words = []
    for option, value in index.items():
        if option in ("key", "name"):
            continue
        words.append(option if value is True else f"{option}: {value}")
    return words


def doc_lines() -> list[str]:
    assert DOC.is_file(), "docs/scaling.md is missing"
    return DOC.read_text(encoding="utf-8").splitlines()


def section_of(name: str, lines: list[str]) -> list[str]:
    """The lines that document a collection: from the heading naming it in backticks to the
    next heading of its level or above; else the table rows whose first cell names it."""
    tag = f"`{name}`"
    for start, line in enumerate(lines):
        match = HEADING.match(line)
        if match and tag in line:
            level = len(match.group(1))
            end = start + 1
            while end < len(lines):
                following = HEADING.match(lines[end])
                if following and len(following.group(1)) <= level:
                    break
                end += 1
            return lines[start:end]
    return [
        line
        for line in lines
        if line.startswith("|") and tag in line.split("|")[1]  # the row's first cell
    ]


def indexes_written(section: list[str]) -> list[str]:
    """The index specs in the first cell of each row of the section's index tables."""
    written: list[str] = []
    in_table = False
    for line in section:
        if line.startswith(INDEX_TABLE):
            in_table = True
            continue
        if not line.startswith("|"):
            in_table = False
            continue
        if in_table and not line.startswith("| ---"):
            written.extend(SPEC.findall(line.split("|")[1]))
    return written


@pytest.mark.parametrize("model", DOCUMENT_MODELS, ids=collection_of)
def test_every_registered_collection_is_documented(model: type[Document]) -> None:
    name = collection_of(model)
    section = section_of(name, doc_lines())
    assert section, f"docs/scaling.md names no collection `{name}` ({model.__name__})"
    text = "\n".join(section)
    assert "shard key" in text.lower(), (
        f"docs/scaling.md does not say the shard key of `{name}` (or that it stays unsharded)"
    )


@pytest.mark.parametrize("model", DOCUMENT_MODELS, ids=collection_of)
def test_every_declared_index_is_documented_next_to_its_collection(
    model: type[Document],
) -> None:
    name = collection_of(model)
    section = section_of(name, doc_lines())
    missing = []
    for index in declared_indexes(model):
        spec = f"`{spec_of(index)}`"
        rows = [line for line in section if spec in line]
        if not rows:
            missing.append(f"index {spec}: not written in the section of `{name}`")
            continue
        for word in options_of(index):
            if not any(word in row for row in rows):
                missing.append(f"index {spec} of `{name}`: its option `{word}` is not on its line")
    assert not missing, "docs/scaling.md is behind the code:\n" + "\n".join(missing)


@pytest.mark.parametrize("model", DOCUMENT_MODELS, ids=collection_of)
def test_no_index_is_documented_that_the_code_lacks(model: type[Document]) -> None:
    name = collection_of(model)
    declared = {spec_of(index) for index in declared_indexes(model)} | {ALWAYS}
    extra = [
        spec for spec in indexes_written(section_of(name, doc_lines())) if spec not in declared
    ]
    assert not extra, (
        f"docs/scaling.md lists indexes of `{name}` that {model.__name__} does not declare: "
        + ", ".join(extra)
    )


def _stats_collections() -> set[str]:
    """The collection names written as strings in server/reports/stats.py."""
    tree = ast.parse(STATS.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"stats_[a-z0-9_]+", node.value)
    }


def test_the_dashboards_collections_are_documented() -> None:
    names = _stats_collections()
    assert names, "found no stats_* collection name in server/reports/stats.py"
    lines = doc_lines()
    missing = sorted(name for name in names if not section_of(name, lines))
    assert not missing, "docs/scaling.md names none of these collections: " + ", ".join(
        f"`{name}`" for name in missing
    )


def _named(node: ast.expr, names: tuple[str, ...]) -> bool:
    """`name` or `anything.name`, for one of the names."""
    return (isinstance(node, ast.Name) and node.id in names) or (
        isinstance(node, ast.Attribute) and node.attr in names
    )


def _names_reached_without_a_model() -> dict[str, str]:
    """Collections the server reaches by name through PyMongo rather than through a model:
    `database["name"]`, `db["name"]`, `client[...]["name"]`, `get_collection("name")`."""
    found: dict[str, str] = {}
    for path in sorted(SERVER.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        where = str(path.relative_to(PROJECT_ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = None
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                holder = node.value
                if _named(holder, ("database", "db")) or (
                    isinstance(holder, ast.Subscript) and _named(holder.value, ("client",))
                ):
                    name = node.slice.value
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("get_collection", "create_collection")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                name = node.args[0].value
            if isinstance(name, str):
                found[name] = f"{where}:{node.lineno}"
    return found


def test_collections_reached_without_a_model_are_documented() -> None:
    lines = doc_lines()
    missing = [
        f"`{name}` ({where})"
        for name, where in sorted(_names_reached_without_a_model().items())
        if not section_of(name, lines)
    ]
    assert not missing, "docs/scaling.md names none of these collections: " + ", ".join(missing)
