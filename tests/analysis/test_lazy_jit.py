"""The lazy ``njit`` of phycore.analysis.jit: importing kernels does not import numba; the
first kernel call makes every dispatcher, with numba's prange and kernels calling kernels."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np

from phycore.analysis import _jit, jit

_CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    import phycore, phygui
    import phycore.analysis, phycore.analysis._metric_kernels, phycore.analysis.isolation
    import phycore.controller
    import phygui.render.raster, phygui.render.traces, phygui.viewmodels.raster, phygui.viewmodels.scatter
    heavy = [m for m in ("numba", "llvmlite", "scipy", "joblib") if m in sys.modules]
    assert heavy == [], heavy
    from phycore.analysis import _jit, _hist_kernels, ccg
    assert not _jit.loaded() and isinstance(_hist_kernels._isi_hist, _jit.LazyKernel)
    import copy, inspect
    assert list(inspect.signature(_hist_kernels._isi_hist).parameters)[0] == "times"
    copy.copy(_hist_kernels._isi_hist)
    assert "numba" not in sys.modules  # introspection does not load numba

    # A parallel kernel (prange) whose body calls an inlined kernel, from the public function.
    from phycore.analysis import isi_histograms
    rng = np.random.default_rng(1)
    times, clusters = np.sort(rng.uniform(0, 10, 5000)), rng.integers(0, 4, 5000)
    edges = np.linspace(0, 0.05, 21)
    # Two threads make the first calls at once: one loads, the other waits for the loading.
    import threading
    from phycore.analysis import correlograms
    out = {}
    calls = {"isi": lambda: isi_histograms(times, [0, 1, 2, 3], bin_edges=edges, spike_clusters=clusters),
             "ccg": lambda: correlograms(times, clusters, [0, 1, 2, 3], 1000.0, 0.001, 0.02)}
    threads = [threading.Thread(target=lambda k=k: out.__setitem__(k, calls[k]())) for k in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = out["isi"]
    from tests.analysis.reference import ccg as ccg_reference
    np.testing.assert_array_equal(out["ccg"], ccg_reference(times, clusters, [0, 1, 2, 3], 1000.0, 0.001, 0.02))
    assert "numba" in sys.modules and _jit.loaded()
    import numba
    from numba.core.dispatcher import Dispatcher
    # The modules' globals now hold numba's own objects (what a compiled kernel sees).
    assert isinstance(_hist_kernels._isi_hist, Dispatcher) and isinstance(_hist_kernels._bin_of, Dispatcher)
    assert _hist_kernels.prange is numba.prange and ccg.prange is numba.prange
    assert _hist_kernels._isi_hist.targetoptions.get("parallel")
    from tests.analysis.reference import isi_hist
    np.testing.assert_array_equal(got, isi_hist(times, clusters, [0, 1, 2, 3], edges))
    print("OK")
""")


def test_kernels_load_on_first_call_in_a_fresh_interpreter() -> None:
    proc = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("OK"), proc.stdout + proc.stderr


def test_a_kernel_defined_after_loading_is_numba_s_dispatcher() -> None:
    _jit.load()
    from numba.core.dispatcher import Dispatcher

    @jit.njit(cache=False)
    def twice(x: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
        return 2 * x

    assert isinstance(twice, Dispatcher)
    np.testing.assert_array_equal(twice(np.arange(3)), [0, 2, 4])


def test_lazy_kernel_forwards_to_its_dispatcher() -> None:
    kernel = _jit.LazyKernel(lambda x: x + 1, {"cache": False})
    assert "not loaded" in repr(kernel) and kernel.__wrapped__ is kernel.py_func
    # Made here by hand, outside the registry: loading numba does not reach it.
    import numba

    kernel.dispatcher = numba.njit(cache=False)(kernel.py_func)
    assert kernel(1) == 2 and kernel.signatures  # an attribute of numba's dispatcher
    assert jit.prange(3) == range(3)  # from Python, before or after loading
