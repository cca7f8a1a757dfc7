"""ReactPy's layout, with each browser event seeing the page its earlier events made.

ReactPy runs each event in its own task and looks its handler up in the handlers of the
last finished render. Type in a field and press its form's button at once (a person does
it with Enter, a test with fill and click): the keystroke sets the field's state and asks
for a render, and the submit, arriving before that render is done, runs the handler of the
render before, which closes over the field's old value. The admin's search looked for ""
and listed everyone.

`SettledLayout.deliver` first lets the handlers of the events already delivered run, then
waits (a few milliseconds, at most `SETTLE_LIMIT`) for the renders they asked for, so the
handler it finds closes over the state the earlier events set. Events are handed over in
the order they came; a slow handler (one awaiting the API) is not waited for, only renders.

`install()` makes ReactPy's ASGI middleware build its layouts from this class; it stops the
start, naming this file, if a ReactPy upgrade moved what it relies on.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from reactpy.core.layout import Layout
from reactpy.executors.asgi import middleware

SETTLE_LIMIT = 5.0  # seconds; a render that takes longer than this is not waited for
_YIELDS = 3  # turns of the loop for the earlier events' handlers to run and set state


class LayoutChanged(RuntimeError):
    pass


class SettledLayout(Layout):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ReactPy starts a task per event; the lock (first come, first served) keeps them
        # in the order they came while each waits for the renders of the one before.
        self._rec_in_order = asyncio.Lock()

    async def deliver(self, event: Any) -> None:
        async with self._rec_in_order:
            await settle(self)
            await super().deliver(event)


async def settle(layout: Layout) -> None:
    """Return once no render the earlier events asked for is still running."""
    for _ in range(_YIELDS):
        await asyncio.sleep(0)
    renders = getattr(layout, "_render_tasks_by_id", None) or {}
    pending = [task for task in renders.values() if not task.done()]
    if pending:
        await asyncio.wait(pending, timeout=SETTLE_LIMIT)


def install() -> None:
    """ReactPy's middleware makes a SettledLayout for each page it serves."""
    if middleware.Layout is SettledLayout:
        return
    serves_layout = "Layout(ConnectionContext(" in inspect.getsource(middleware)
    tracks_renders = "self._render_tasks_by_id" in inspect.getsource(Layout)
    if middleware.Layout is not Layout or not serves_layout or not tracks_renders:
        raise LayoutChanged(
            "ReactPy's ASGI middleware no longer builds its Layout the way "
            "server/reactpy_layout.py expects; update that file for this ReactPy version"
        )
    middleware.Layout = SettledLayout  # type: ignore[misc]
