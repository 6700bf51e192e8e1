"""GUI state files: global ``~/.phy/<GUIName>/state.json`` and local ``<data>/.phy/state.json``.

A :class:`GUIState` is a dict of presentation settings (view states keyed by view
name, ``view_count``, budgets...). At load, values come from the ``defaults``, then
the global file, then the local one (each overriding the previous one key by key,
recursively). Local keys (``"ViewName.attr"`` strings) are written only to the local
file and stripped from the global one, as in phy; keys starting with ``_`` are never
written.

Files are read and written as phy does (indented JSON, sorted keys, integer keys as
strings, phy's ``{"__ndarray__": ...}`` arrays understood), and written atomically.
A missing file is recreated; a corrupt one is moved aside to
``state.json.corrupt-<timestamp>``, reported in the log and replaced by the defaults.
With a ``schema`` (the value types a GUI reads, see :data:`StateSchema`), a value of the
wrong type is dropped at load, so the default is used, with one warning per file naming
the keys; unknown keys are kept. Loading and saving never raise for a bad or unwritable file.

.. versionadded:: 0.1
"""

from __future__ import annotations

import copy
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Union

from phycore.paths import phy_dir, user_dir
from phycore._statefile import read_state_file, write_state_file
from phycore.errors import StateFileError

__all__ = ["GUIState", "StateSchema", "load_state", "read_state_file", "write_state_file"]

logger = logging.getLogger(__name__)

#: The value types a GUI reads from its state: ``{key: spec}``, where a spec is a type or a
#: tuple of types (``isinstance``; ``True`` is not an ``int`` unless ``bool`` is listed), a
#: nested schema (the value must be an object, checked key by key) or a predicate
#: ``f(value) -> bool`` (its ``__name__`` says what it expects). ``"View (2)"`` keys follow
#: the schema of ``"View"``. Keys absent from the schema are not checked.
StateSchema = Mapping[str, Union[type, tuple[type, ...], "StateSchema", Callable[[Any], bool]]]

_NUMBERED = re.compile(r"^(.*) \(\d+\)$")  # the second WaveformView is "WaveformView (1)"


def _deep_update(d: dict[Any, Any], u: Mapping[Any, Any]) -> dict[Any, Any]:
    for k, v in u.items():
        if isinstance(v, Mapping) and isinstance(d.get(k), dict):
            _deep_update(d[k], v)
        else:
            d[k] = copy.deepcopy(dict(v) if isinstance(v, Mapping) else v)
    return d


def _without_private(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_private(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("_"))}
    return value


def _split_key(key: str) -> list[str]:
    return key.split(".")


def _local_data(d: Mapping[str, Any], local_keys: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in local_keys:
        *parents, leaf = _split_key(key)
        node: Any = d
        for p in parents:
            node = node.get(p) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping) or node.get(leaf) is None:
            continue
        target = out
        for p in parents:
            target = target.setdefault(p, {})
        target[leaf] = copy.deepcopy(node[leaf])
    return out


def _global_data(d: Mapping[str, Any], local_keys: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = copy.deepcopy(_without_private(d))
    for key in local_keys:
        *parents, leaf = _split_key(key)
        node: Any = out
        for p in parents:
            node = node.get(p) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(leaf, None)
    return out


def _move_aside(path: Path, error: Exception) -> None:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    try:
        os.replace(path, target)
        logger.warning("%s The file was moved to %s and default values are used.", error, target)
    except OSError as exc:
        logger.warning("%s It could not be moved aside (%s); default values are used.", error, exc)


def _spec_name(spec: Any) -> str:
    if isinstance(spec, tuple):
        return " or ".join(_spec_name(t) for t in spec)
    if isinstance(spec, Mapping):
        return "an object"
    return str(getattr(spec, "__name__", spec))


def _matches(spec: Any, value: Any) -> bool:
    if isinstance(spec, (type, tuple)):
        types = spec if isinstance(spec, tuple) else (spec,)
        return isinstance(value, types) and (bool in types or not isinstance(value, bool))
    return bool(spec(value))


def _checked(data: Mapping[Any, Any], schema: StateSchema, where: str, bad: list[str]) -> dict[Any, Any]:
    """``data`` without the values ``schema`` rejects (described in ``bad``); unknown keys kept."""
    out: dict[Any, Any] = {}
    for key, value in data.items():
        spec = schema.get(key) if isinstance(key, str) else None
        if spec is None and isinstance(key, str) and (numbered := _NUMBERED.match(key)):
            spec = schema.get(numbered.group(1))
        name = f"{where}{key}"
        if spec is None:
            out[key] = value
        elif isinstance(spec, Mapping) and isinstance(value, Mapping):
            out[key] = _checked(value, spec, f"{name}.", bad)
        elif not isinstance(spec, Mapping) and _matches(spec, value):
            out[key] = value
        else:
            text = repr(value)
            bad.append(f"{name} = {text[:40] + '...' if len(text) > 43 else text} (expected {_spec_name(spec)})")
    return out


def _read_or_recover(path: Path | None, move_aside: bool = True) -> tuple[dict[str, Any], bool]:
    """Return (content, needs_rewrite); a corrupt file is moved aside (or only reported)."""
    if path is None:
        return {}, False
    if not path.exists():
        return {}, True
    try:
        return read_state_file(path), False
    except StateFileError as exc:
        if not move_aside:
            logger.warning("%s Default values are used.", exc)
            return {}, False
        _move_aside(path, exc)
        return {}, True
    except OSError as exc:
        logger.warning("Cannot read the GUI state file %s: %s. Default values are used.", path, exc)
        return {}, False




class GUIState(dict[str, Any]):
    """Presentation state of a GUI: a dict, saved to a global and a local JSON file.

    Parameters
    ----------
    path : str or os.PathLike, optional
        Global state file (``~/.phy/<GUIName>/state.json``). None: not saved.
    local_path : str or os.PathLike, optional
        Local state file (``<data>/.phy/state.json``). None: not saved.
    local_keys : iterable of str, optional
        ``"ViewName.attr"`` keys (any depth, dot-separated) kept only in the local file.
    defaults : Mapping, optional
        Values used when the files lack them (deep-copied).
    schema : StateSchema, optional
        The types of the values the GUI reads: a value of another type in a file is
        dropped at load (the default is used) and named in one warning per file.
    local_read_only : bool
        Read the local file but never write it (a read-only session writes nothing in
        its data folder); the global file is still saved.
    load : bool
        Read the files now (default), recreating missing ones.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        local_path: str | os.PathLike[str] | None = None,
        local_keys: Iterable[str] | None = None,
        defaults: Mapping[str, Any] | None = None,
        *,
        schema: StateSchema | None = None,
        local_read_only: bool = False,
        load: bool = True,
    ) -> None:
        super().__init__()
        self.path = Path(path) if path is not None else None
        self.local_path = Path(local_path) if local_path is not None else None
        self.local_keys: list[str] = []
        self.add_local_keys(local_keys or ())
        self.defaults: dict[str, Any] = copy.deepcopy(dict(defaults or {}))
        self.schema: StateSchema = schema or {}
        self.local_read_only = local_read_only
        if load:
            self.load()

    def add_local_keys(self, keys: Iterable[str]) -> None:
        """Register more ``"ViewName.attr"`` keys that belong to the local file only.

        Parameters
        ----------
        keys : iterable of str
            Keys to add (duplicates ignored).
        """
        self.local_keys.extend(k for k in keys if k not in self.local_keys)

    def load(self) -> None:
        """Reset to the defaults, then apply the global file, then the local one.

        Missing files are created (with the values just loaded); a corrupt file is
        moved aside and recreated; values of the wrong type (see ``schema``) are dropped.
        Never raises for a bad file.
        """
        self.clear()
        _deep_update(self, self.defaults)
        global_data, rewrite_global = self._read(self.path)
        local_data, rewrite_local = self._read(self.local_path, writable=not self.local_read_only)
        _deep_update(self, global_data)
        _deep_update(self, local_data)
        if rewrite_global:
            self._write(self.path, _global_data(self, self.local_keys))
        if rewrite_local and not self.local_read_only:
            self._write(self.local_path, _local_data(self, self.local_keys))

    def _read(self, path: Path | None, writable: bool = True) -> tuple[dict[str, Any], bool]:
        data, rewrite = _read_or_recover(path, move_aside=writable)
        bad: list[str] = []
        data = _checked(data, self.schema, "", bad)
        if bad:
            # Once here, instead of a view failing on every frame; the next save rewrites the file.
            logger.warning("The GUI state file %s has values of the wrong type, ignored (defaults are used): %s.",
                           path, "; ".join(bad))
        return data, rewrite

    def _write(self, path: Path | None, data: dict[str, Any]) -> bool:
        if path is None:
            return False
        try:
            dropped = write_state_file(path, data, strict=False)
        except OSError as exc:
            logger.error("Cannot save the GUI state file %s: %s", path, exc)
            return False
        if dropped:
            logger.warning("Values JSON cannot hold were left out of %s: %s", path, ", ".join(dropped))
        logger.debug("Saved the GUI state file %s.", path)
        return True

    def save(self) -> list[Path]:
        """Write the global file (without local and private keys) and the local file.

        Errors are logged, not raised: closing the GUI must not fail because of its
        state. A value JSON cannot hold is left out (and named in the log); an
        unwritable file is skipped, and so is the local file when ``local_read_only``.

        Returns
        -------
        list of Path
            The files written.
        """
        written = []
        if self._write(self.path, _global_data(self, self.local_keys)):
            written.append(self.path)
        if not self.local_read_only and self._write(self.local_path, _local_data(self, self.local_keys)):
            written.append(self.local_path)
        return [p for p in written if p is not None]

    @staticmethod
    def _view_name(view: object) -> str:
        return view if isinstance(view, str) else str(getattr(view, "name", type(view).__name__))

    def get_view_state(self, view: object) -> dict[str, Any]:
        """Return the state of a view (a dict; empty if none was stored).

        Parameters
        ----------
        view : str or object
            View name (``"WaveformView"``, ``"WaveformView (1)"``) or an object with a
            ``name`` attribute.

        Returns
        -------
        dict
        """
        value = self.get(self._view_name(view))
        return value if isinstance(value, dict) else {}

    def update_view_state(self, view: object, state: Mapping[str, Any]) -> None:
        """Merge ``state`` into the stored state of ``view``.

        Parameters
        ----------
        view : str or object
            View name or an object with a ``name`` attribute.
        state : Mapping
            New values.
        """
        name = self._view_name(view)
        if not isinstance(self.get(name), dict):
            self[name] = {}
        self[name].update(copy.deepcopy(dict(state)))

    def __repr__(self) -> str:
        return f"GUIState(path={self.path}, local_path={self.local_path}, keys={sorted(map(str, self))})"


def load_state(
    gui_name: str = "TemplateGUI",
    data_dir: str | os.PathLike[str] | None = None,
    local_keys: Iterable[str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    *,
    config_dir: str | os.PathLike[str] | None = None,
    schema: StateSchema | None = None,
    read_only: bool = False,
) -> GUIState:
    """Load the state of a GUI from ``<user dir>/<gui_name>/state.json`` and ``<data>/.phy/state.json``.

    Parameters
    ----------
    gui_name : str
        GUI name, the folder of the global file (``TemplateGUI`` as phy).
    data_dir : str or os.PathLike, optional
        Dataset folder. None: no local file. A read-only dataset folder keeps its
        local state in the fallback folder of :func:`phycore.paths.phy_dir`.
    local_keys : iterable of str, optional
        ``"ViewName.attr"`` keys kept only in the local file.
    defaults : Mapping, optional
        Values used when the files lack them.
    config_dir : str or os.PathLike, optional
        User directory; default :func:`phycore.paths.user_dir` (``$PHY_USER_DIR`` or ``~/.phy``).
    schema : StateSchema, optional
        The value types the GUI reads (see :class:`GUIState`).
    read_only : bool
        A read-only session: ``<data>/.phy/state.json`` is read (when it exists) but
        never written, and ``<data>/.phy`` is not created.

    Returns
    -------
    GUIState
    """
    base = Path(config_dir) if config_dir is not None else user_dir()
    local_path = None
    if data_dir is not None:
        # phy_dir() would create <data>/.phy and probe it with a file: not in a read-only session.
        folder = Path(data_dir).expanduser().absolute() / ".phy" if read_only else phy_dir(data_dir)
        local_path = folder / "state.json"
    return GUIState(base / gui_name / "state.json", local_path, local_keys=local_keys, defaults=defaults,
                    schema=schema, local_read_only=read_only)
