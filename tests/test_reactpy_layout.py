"""Each browser event sees the page its earlier events made (server/reactpy_layout.py).

ReactPy's own Layout, driven as its websocket loop drives it: one task per event. A
keystroke and the form's submit sent back to back must reach the submit handler of the
render the keystroke caused, not the one before it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from reactpy import component, html, use_state
from reactpy.core.layout import Layout
from reactpy.executors.asgi import middleware

from server import reactpy_layout
from server.app import create_app
from server.reactpy_layout import SettledLayout
from server.settings import Settings


def _form(submitted: list[str]) -> Any:
    @component
    def Search():  # type: ignore[no-untyped-def]
        typed, set_typed = use_state("")

        def submit(_: Any) -> None:
            submitted.append(typed)

        return html.form(
            {"onSubmit": submit},
            html.input({"value": typed, "onChange": lambda e: set_typed(e["target"]["value"])}),
        )

    return Search()


def _targets(model: dict[str, Any], found: dict[str, str] | None = None) -> dict[str, str]:
    """Event name -> handler target id, anywhere in the rendered model."""
    found = {} if found is None else found
    for name, handler in model.get("eventHandlers", {}).items():
        found[name] = handler["target"]
    for child in model.get("children", []):
        if isinstance(child, dict):
            _targets(child, found)
    return found


async def _type_and_submit(layout_class: type[Layout], words: list[str]) -> list[str]:
    """Type each word and submit at once, the events arriving together as ReactPy's
    websocket loop hands them over: each in its own task."""
    submitted: list[str] = []
    async with layout_class(_form(submitted)) as layout:
        renders = asyncio.create_task(_drain(layout))
        await asyncio.sleep(0.05)  # the first render
        targets = _targets(_last_model[id(layout)])
        async with asyncio.TaskGroup() as events:
            for word in words:
                change = {"target": {"value": word}}
                events.create_task(layout.deliver(_event(targets["onChange"], change)))
                events.create_task(layout.deliver(_event(targets["onSubmit"], {})))
        for _ in range(100):
            if len(submitted) == len(words):
                break
            await asyncio.sleep(0.01)
        renders.cancel()
    return submitted


_last_model: dict[int, dict[str, Any]] = {}


async def _drain(layout: Layout) -> None:
    """What ReactPy's send loop does, without a socket: take each render as it comes."""
    while True:
        update = await layout.render()
        if update.get("path", "") == "":
            _last_model[id(layout)] = update["model"]


def _event(target: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "layout-event", "target": target, "data": [data]}


async def test_a_submit_sent_with_the_last_keystroke_sees_what_was_typed() -> None:
    words = ["navegador", "queralt", "gràcia"]
    assert await _type_and_submit(SettledLayout, words) == words


async def test_reactpy_alone_would_submit_the_value_before_the_keystroke() -> None:
    """Why the layout is needed: ReactPy's Layout runs the submit of the earlier render."""
    submitted = await _type_and_submit(Layout, ["navegador"])
    assert submitted == [""]


def test_the_app_serves_its_pages_with_the_settled_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(middleware, "Layout", Layout)
    create_app(Settings.from_env({"REC_DATA_DIR": str(tmp_path)}))
    assert middleware.Layout is SettledLayout
    reactpy_layout.install()  # twice is harmless
    assert middleware.Layout is SettledLayout


def test_a_reactpy_that_moved_its_layout_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    class Elsewhere(Layout):
        pass

    monkeypatch.setattr(middleware, "Layout", Elsewhere)
    with pytest.raises(reactpy_layout.LayoutChanged, match="server/reactpy_layout.py"):
        reactpy_layout.install()
