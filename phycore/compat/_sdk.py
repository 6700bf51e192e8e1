"""Small phy/phylib helpers that plugins import, written for phycore (private).

``from_sparse``, ``add_alpha``, ``save_metadata``, JSON helpers, the user
directory helpers and ``template_gui``: same names and calling conventions as phy's
``phy.utils`` / ``phylib``; the data they read and write are phycore's.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import pickle
from pathlib import Path
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.bunch import Bunch
from phycore.errors import DataFormatError, PluginError
from phycore.frontends import get_frontend

__all__ = ["from_sparse", "add_alpha", "save_metadata", "load_json", "save_json", "phy_config_dir",
           "ensure_dir_exists", "template_gui", "template_describe", "load_pickle", "save_pickle", "read_python",
           "read_text", "write_text", "read_tsv", "write_tsv", "read_array", "write_array", "load_metadata",
           "get_closest_channels", "linear_positions", "SKIP_SPIKE_ATTRS", "correlograms", "firing_rate",
           "select_traces", "colormaps", "RotatingProperty", "ProgressReporter", "busy_cursor", "is_high_dpi",
           "Selection", "StatusBarHandler", "Snippets"]


def from_sparse(data: npt.ArrayLike, cols: npt.ArrayLike, channel_ids: npt.ArrayLike) -> np.ndarray:
    """Dense ``(n, len(channel_ids), ...)`` array from per-row channel lists (phylib's ``from_sparse``).

    Parameters
    ----------
    data : array, shape (n, k, ...)
        Values of each row on its own ``k`` channels.
    cols : array of int, shape (n, k)
        The channel of each value (``-1`` or channels not in ``channel_ids`` are dropped).
    channel_ids : array of int
        Channels of the output, in that order; missing values are 0.

    Returns
    -------
    ndarray
    """
    data = np.asarray(data)
    cols = np.asarray(cols, dtype=np.int64)
    channel_ids = np.asarray(channel_ids, dtype=np.int64)
    if cols.shape != data.shape[:2]:
        raise DataFormatError(f"from_sparse: cols has shape {cols.shape}, expected {data.shape[:2]} "
                              "(the first two dimensions of data).", argument="cols")
    out = np.zeros((data.shape[0], channel_ids.size) + data.shape[2:], dtype=data.dtype)
    if channel_ids.size == 0:
        return out
    order = np.argsort(channel_ids, kind="stable")
    ordered = channel_ids[order]
    pos = np.clip(np.searchsorted(ordered, cols), 0, ordered.size - 1)
    rows, ks = np.nonzero(ordered[pos] == cols)
    out[rows, order[pos[rows, ks]]] = data[rows, ks]
    return out


def add_alpha(color: npt.ArrayLike, alpha: float = 1.0) -> np.ndarray:
    """RGB colour(s) with an alpha channel added (RGBA inputs are returned unchanged)."""
    c = np.asarray(color, dtype=np.float64)
    if c.shape[-1] == 3:
        c = np.concatenate([c, np.full(c.shape[:-1] + (1,), float(alpha))], axis=-1)
    return c


def save_metadata(filename: str | os.PathLike[str], field_name: str, metadata: Mapping[int, object]) -> None:
    """Write ``{cluster_id: value}`` as a ``cluster_<field>.tsv`` file (phy's format), atomically."""
    from phycore.paths import atomic_write_text
    from phycore.model.tables import write_cluster_tsv

    values = {int(k): (v.item() if isinstance(v, np.generic) else v) for k, v in metadata.items()}
    atomic_write_text(filename, write_cluster_tsv(field_name, values))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def load_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file (``{}`` when it does not exist, as phy)."""
    p = Path(path)
    if not p.exists():
        return {}
    return json.loads(p.read_text(encoding="utf-8"))


def save_json(path: str | os.PathLike[str], data: object) -> None:
    """Write JSON (numpy values converted), atomically."""
    from phycore.paths import atomic_write_text

    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, default=_json_default))


def phy_config_dir() -> Path:
    """The user directory (``$PHY_USER_DIR`` or ``~/.phy``)."""
    from phycore.paths import user_dir

    return user_dir()


def ensure_dir_exists(path: str | os.PathLike[str]) -> Path:
    """Create a folder (and its parents) if needed."""
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True)
    return p


def template_gui(params_path: str | os.PathLike[str], **kwargs: Any) -> Any:
    """Open phygui on a folder (phy's ``template_gui``); needs phygui installed."""
    return get_frontend().template_gui(params_path, **kwargs)


def template_describe(params_path: str | os.PathLike[str]) -> None:
    """Print a summary of a dataset (phy's ``template_describe``)."""
    from phycore.model import load_model

    model = load_model(Path(params_path))
    try:
        model.describe()
    finally:
        model.close()


def load_pickle(path: str | os.PathLike[str]) -> Any:
    """Read a pickle file (only files you trust: unpickling runs code)."""
    with open(path, "rb") as f:
        return pickle.load(f)


def save_pickle(path: str | os.PathLike[str], data: object) -> None:
    """Write ``data`` as a pickle, atomically."""
    from phycore.paths import atomic_write_bytes

    atomic_write_bytes(path, pickle.dumps(data))


def read_python(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The literal assignments of a Python file such as ``params.py`` (not executed)."""
    from phycore.model.params import read_params

    return read_params(Path(path))


def read_text(path: str | os.PathLike[str]) -> str:
    """A text file's contents (UTF-8)."""
    return Path(path).read_text(encoding="utf-8")


def write_text(path: str | os.PathLike[str], contents: str) -> None:
    """Write text (UTF-8), atomically; the folder is created if needed."""
    from phycore.paths import atomic_write_text

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, contents)


def read_tsv(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Rows of a tab-separated file as dicts (numbers converted), phylib's ``read_tsv``."""
    from phycore.model.tables import coerce_number

    p = Path(path)
    if not p.exists():
        return []
    with p.open(newline="", encoding="utf-8") as f:
        return [{k: coerce_number(v) for k, v in row.items()} for row in csv.DictReader(f, delimiter="\t")]


def write_tsv(path: str | os.PathLike[str], data: Sequence[Mapping[str, Any]], first_field: str | None = None,
              exclude_fields: Sequence[str] = (), n_significant_figures: int = 4) -> None:
    """Write dicts as a tab-separated file (``first_field`` first, floats rounded), atomically."""
    fields: list[str] = []
    for row in data:
        fields += [k for k in row if k not in fields and k not in exclude_fields]
    if first_field in fields:
        fields.remove(first_field)
        fields.insert(0, first_field)

    def fmt(v: Any) -> str:
        return f"{v:.{n_significant_figures}g}" if isinstance(v, (float, np.floating)) else str(v)

    lines = ["\t".join(fields)] + ["\t".join(fmt(row.get(k, "")) for k in fields) for row in data]
    write_text(path, "\n".join(lines) + "\n")


def read_array(path: str | os.PathLike[str], mmap_mode: Any = None) -> np.ndarray:
    """A ``.npy`` array (memory-mapped with ``mmap_mode='r'``)."""
    out: np.ndarray = np.load(path, mmap_mode=mmap_mode)
    return out


def write_array(name: str | os.PathLike[str], arr: npt.ArrayLike) -> None:
    """Save a ``.npy`` array."""
    np.save(name, np.asarray(arr))


def load_metadata(filename: str | os.PathLike[str]) -> dict[str, dict[int, Any]]:
    """``{field: {cluster_id: value}}`` of a ``cluster_<field>.tsv`` file."""
    from phycore.model.tables import read_cluster_tsv

    return read_cluster_tsv(Path(filename).read_text(encoding="utf-8"), path=str(filename))


def get_closest_channels(channel_positions: npt.ArrayLike, channel_index: int, n: int | None = None) -> np.ndarray:
    """The ``n`` channels closest to ``channel_index`` (itself first), by probe distance."""
    pos = np.asarray(channel_positions, dtype=np.float64)
    d = np.sum((pos - pos[int(channel_index)]) ** 2, axis=1)
    return np.argsort(d, kind="stable")[:n]


def linear_positions(n_channels: int) -> np.ndarray:
    """Positions of a single-column probe: ``(0, y)`` with ``y`` evenly spaced from 0 to 1."""
    out: np.ndarray = np.c_[np.zeros(int(n_channels)), np.linspace(0.0, 1.0, int(n_channels))]
    return out


#: Per-spike files phylib's model skips when it loads ``spike_*.npy`` attributes.
SKIP_SPIKE_ATTRS = ("clusters", "templates", "samples", "times", "times_reordered", "amplitudes")


def select_traces(traces: Any, interval: Sequence[float], sample_rate: float | None = None) -> np.ndarray:
    """The rows of ``traces`` in the time ``interval`` (seconds, or samples without a rate)."""
    start, end = interval
    if sample_rate is not None:
        start, end = start * sample_rate, end * sample_rate
    i, j = int(round(start)), int(round(end))
    return np.asarray(traces[max(i, 0):j])


def _colormaps() -> Bunch:
    from phycore.supervisor.colors import COLORMAPS, hex_to_rgba

    def rgb(colors: Any) -> np.ndarray:
        if len(colors) and isinstance(colors[0], str):
            return np.array([hex_to_rgba(c)[:3] for c in colors])
        return np.asarray(colors, dtype=np.float64)

    return Bunch({name: rgb(colors) for name, colors in COLORMAPS.items()})


_lazy: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    # ``colormaps``: phy's colour maps by name as ``(n, 3)`` RGB arrays in 0..1; built on first
    # use, so importing the compatibility layer does not import the supervisor.
    if name == "colormaps":
        if name not in _lazy:
            _lazy[name] = _colormaps()
        return _lazy[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class RotatingProperty:
    """Named values and a current one that ``next``/``previous`` rotate through (phy's
    ``RotatingProperty``, e.g. the raw data filters)."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._current: str | None = None

    def add(self, name: str, value: Any) -> None:
        """Add a value (the first one added becomes current)."""
        self._values[name] = value
        if self._current is None:
            self._current = name

    @property
    def current(self) -> str | None:
        """The current name."""
        return self._current

    def keys(self) -> list[str]:
        """The names, in order."""
        return list(self._values)

    def get(self, name: str | None = None) -> Any:
        """The value of ``name`` (the current one by default)."""
        key = self._current if name is None else name
        return self._values.get(key) if key is not None else None

    def set(self, name: str) -> Any:
        """Make ``name`` current and return its value."""
        if name not in self._values:
            raise PluginError(f"RotatingProperty: no value named {name!r}; known: {self.keys()}.", argument="name")
        self._current = name
        return self._values[name]

    def _step(self, delta: int) -> str | None:
        keys = self.keys()
        if keys and self._current is not None:
            self._current = keys[(keys.index(self._current) + delta) % len(keys)]
        return self._current

    def next(self) -> str | None:
        """Make the next name current (wrapping around) and return it."""
        return self._step(1)

    def previous(self) -> str | None:
        """Make the previous name current (wrapping around) and return it."""
        return self._step(-1)


class ProgressReporter:
    """phylib's ``ProgressReporter``: counts work done and logs its progress messages."""

    def __init__(self) -> None:
        self._logger = logging.getLogger("phycore.plugins")
        self._value = 0
        self._value_max = 0
        self._progress_message = "{progress:.1f}%"
        self._complete_message = ""

    def set_progress_message(self, message: str) -> None:
        """The message logged as the work goes on (``{progress}`` is replaced)."""
        self._progress_message = message

    def set_complete_message(self, message: str) -> None:
        """The message logged when the work is complete."""
        self._complete_message = message

    @property
    def value(self) -> int:
        """Work done."""
        return self._value

    @value.setter
    def value(self, value: int) -> None:
        self._value = int(value)
        if self._value_max:
            self._logger.info(self._progress_message.format(progress=self.progress))
        if self.is_complete() and self._complete_message:
            self._logger.info(self._complete_message)

    @property
    def value_max(self) -> int:
        """Total work."""
        return self._value_max

    @value_max.setter
    def value_max(self, value: int) -> None:
        self._value_max = int(value)

    @property
    def progress(self) -> float:
        """Percentage done."""
        return 100.0 * self._value / self._value_max if self._value_max else 0.0

    def increment(self, **kwargs: object) -> None:
        """One more unit of work done."""
        self.value = self._value + 1

    def is_complete(self) -> bool:
        """Whether all the work is done."""
        return bool(self._value_max) and self._value >= self._value_max

    def set_complete(self, **kwargs: object) -> None:
        """Mark the work done."""
        self.value = self._value_max

    def reset(self, value_max: int | None = None) -> None:
        """Start again (with a new total)."""
        self._value = 0
        if value_max is not None:
            self._value_max = int(value_max)


@contextlib.contextmanager
def busy_cursor(activate: bool = True) -> Iterator[None]:
    """Accepted for phy compatibility: phygui shows long work in its status bar instead."""
    yield


def is_high_dpi() -> bool:
    """Whether the screen is high-DPI (phygui scales its fonts itself: False)."""
    return False


class Selection:
    """phy's ``controller.selection``: the selected clusters, read from the supervisor."""

    def __init__(self, controller: Any) -> None:
        self.controller = controller

    @property
    def cluster_ids(self) -> list[int]:
        """The selected clusters (then the selected similar ones)."""
        return [int(c) for c in self.controller.supervisor.selected]


class StatusBarHandler(logging.Handler):
    """phy's log handler showing each record in the GUI's status bar (``gui.status_message``)."""

    def __init__(self, gui: Any) -> None:
        super().__init__()
        self.gui = gui

    def emit(self, record: logging.LogRecord) -> None:
        self.gui.status_message = self.format(record)


class Snippets:
    """phy's snippet bar, on the host GUI's command line (``gui.open_snippet``, ``gui.run_snippet``).

    Parameters
    ----------
    gui : GUI
        phygui's window (or any object with ``run_snippet(text)``).
    """

    #: The character phy draws as the text cursor of the snippet bar.
    cursor = "\u258c"

    def __init__(self, gui: Any) -> None:
        self.gui = gui
        self.actions = getattr(gui, "snippet_actions", None)
        self._command = ""
        self._mode = False

    @property
    def command(self) -> str:
        """The snippet being typed."""
        return self._command

    @command.setter
    def command(self, value: str) -> None:
        self._command = str(value)

    def is_mode_on(self) -> bool:
        """Whether the snippet bar is open."""
        return self._mode

    def mode_on(self) -> None:
        """Open the snippet bar (``:`` in the GUI)."""
        self._mode = True
        opener = getattr(self.gui, "open_snippet", None)
        if opener is not None:
            opener(self._command or ":")

    def mode_off(self) -> None:
        """Close the snippet bar and forget what was typed."""
        self._mode = False
        self._command = ""

    def run(self, snippet: str) -> Any:
        """Run a snippet such as ``':merge 3 7'`` (or ``'merge 3 7'``); returns the GUI's result."""
        text = snippet if snippet.startswith(":") else f":{snippet}"
        self.mode_off()
        return self.gui.run_snippet(text)
