"""The view models import no GUI toolkit (import-linter checks it too)."""

from __future__ import annotations

import subprocess
import sys


def test_viewmodels_do_not_import_dearpygui() -> None:
    code = ("import sys; import phygui.viewmodels.waveform, phygui.viewmodels.feature, phygui.viewmodels.amplitude, "
            "phygui.viewmodels.correlogram, phygui.viewmodels.histogram, phygui.viewmodels.template, "
            "phygui.viewmodels.panzoom; assert 'dearpygui' not in sys.modules, 'dearpygui imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
