"""The viewport geometry fits the screen (pure: no display)."""

from __future__ import annotations

import pytest

from phygui.screen import DEFAULT_SCREEN, fit_viewport, screen_size


def _inside(vp: dict[str, int], screen: tuple[int, int]) -> bool:
    return vp["x"] >= 0 and vp["y"] >= 0 and vp["x"] + vp["width"] <= screen[0] and vp["y"] + vp["height"] <= screen[1]


@pytest.mark.parametrize("screen", [(1280, 800), (1600, 1000), (1920, 1080), (3840, 2160), (1024, 600)])
def test_default_size_fits_and_is_centred(screen: tuple[int, int]) -> None:
    vp = fit_viewport((1600, 1000), {}, screen)
    assert _inside(vp, screen)
    assert vp["width"] <= 1600 and vp["height"] <= 1000
    assert abs(vp["x"] - (screen[0] - vp["x"] - vp["width"])) <= 1  # centred horizontally


def test_saved_geometry_is_kept_when_it_fits_and_clamped_when_not() -> None:
    assert fit_viewport((1600, 1000), {"width": 900, "height": 700, "x": 100, "y": 50}, (1920, 1080)) == \
        {"width": 900, "height": 700, "x": 100, "y": 50}
    vp = fit_viewport((1600, 1000), {"width": 3000, "height": 2000, "x": 2500, "y": -300}, (1280, 800))
    assert _inside(vp, (1280, 800)) and vp["width"] > 1000


def test_screen_size_override_and_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHYGUI_SCREEN_SIZE", "1366x768")
    assert screen_size() == (1366, 768)
    monkeypatch.delenv("PHYGUI_SCREEN_SIZE")
    monkeypatch.delenv("DISPLAY", raising=False)
    assert screen_size() == DEFAULT_SCREEN
