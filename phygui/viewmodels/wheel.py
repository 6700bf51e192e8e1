"""Modified mouse-wheel gestures of the plot views (phy's ctrl/alt/shift+wheel commands).

A view model binds a modifier to commands in its ``wheel`` table; the plain wheel always
zooms the plot, so it is never bound.
"""

from __future__ import annotations

from typing import Any

__all__ = ["wheel_modifier", "wheel_command"]


def wheel_modifier(ctrl: bool = False, alt: bool = False, shift: bool = False) -> str:
    """The modifier of a wheel gesture: ``'ctrl'``, ``'alt'``, ``'shift'`` or ``''`` (none).

    Only a single held modifier counts; a combination (ctrl+shift...) is ``'+'``-joined
    (``'ctrl+shift'``), which no view binds, so such a wheel does nothing.
    """
    return "+".join(m for m, on in (("ctrl", ctrl), ("alt", alt), ("shift", shift)) if on)


def wheel_command(wheel: dict[str, Any], modifier: str, delta: float) -> tuple[str, tuple[Any, ...]] | None:
    """Which command a modified wheel step runs: ``(method name, args)`` or None.

    ``wheel`` maps a modifier to either a pair ``(up, down)`` of argument-less commands
    (``("increase", "decrease")``: phy's ctrl+wheel scaling) or the name of a command
    taking the wheel delta (``"change_marker_size"``). A zero delta or an unbound
    modifier (including no modifier: the plain wheel zooms the plot) gives None.
    """
    if not modifier or not delta:
        return None
    target = wheel.get(modifier)
    if target is None:
        return None
    if isinstance(target, tuple):
        return (target[0] if delta > 0 else target[1]), ()
    return str(target), (float(delta),)
