"""The key router's modifiers: a chord's modifier counts from its key-down to its key-up
callback, even when Dear PyGui already reports it released (a slow frame)."""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg
import pytest

from phygui.key_router import KeyRouter
from phygui.views import input_state


class _Line:
    active = False

    def snippet_active(self) -> bool:
        return False


@pytest.fixture
def router() -> Any:
    dpg.create_context()
    try:
        input_state.install()
        r = KeyRouter(lambda: [], _Line(), _Line(), tables=lambda: [], modal_open=lambda: False,
                      on_error=lambda a, e: None, on_run=lambda a, v: None, on_prompt=lambda a: None)
        seen: list[tuple[int, bool, bool, bool]] = []
        r.handle_key = lambda key, ctrl=False, alt=False, shift=False: seen.append((key, ctrl, alt, shift))
        yield r, seen
    finally:
        dpg.destroy_context()


def test_a_modifier_pressed_before_the_key_counts_until_its_release(router: Any) -> None:
    r, seen = router
    z = int(dpg.mvKey_Z)
    r.on_key(int(dpg.mvKey_LControl))
    r.on_key(z)  # no key is down for Dear PyGui here: only the event order says ctrl is held
    assert seen[-1] == (z, True, False, False)
    r.on_key(int(dpg.mvKey_RShift))
    r.on_key(z)
    assert seen[-1] == (z, True, False, True)
    input_state.forget_released()  # after the frame: keys that are not down any more are forgotten
    r.on_key(z)
    assert seen[-1] == (z, False, False, False)
