"""Read ``params.py`` as data: a module of literal assignments, never executed.

phy runs ``exec()`` on ``params.py``. We parse it with :mod:`ast` and accept only
assignments of literal values (numbers, strings, ``True``/``False``/``None``, lists,
tuples, dicts, sets, unary minus), so a data file can never run code. Keys are
lower-cased like phy does. Files over :data:`MAX_PARAMS_BYTES` are refused unread: a
real ``params.py`` is a few lines, and parsing a huge one could exhaust memory.

.. versionadded:: 0.1
"""

from __future__ import annotations

import ast
import math
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from phycore.errors import MissingFileError, ParamsError
from phycore.model.acquisition import apply_acquisition

__all__ = ["read_params", "get_template_params", "clean_dat_path", "REQUIRED_KEYS", "MAX_PARAMS_BYTES"]

#: Keys ``load_model`` requires. phylib falls back to 1 Hz without ``sample_rate``, which
#: only fails later (correlogram bins, time axes) far from the cause.
REQUIRED_KEYS: tuple[str, ...] = ("sample_rate",)

#: Largest ``params.py`` read, in bytes.
MAX_PARAMS_BYTES = 1_000_000

#: Spellings of booleans accepted (with a warning) for flag keys, lower-cased.
_BOOL_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _literal(node: ast.expr, path: Path, name: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as e:
        line = getattr(node, "lineno", "?")
        raise ParamsError(
            f"{path}, line {line}: the value of {name!r} is not a literal "
            f"(only numbers, strings, booleans, None, lists, tuples and dicts are allowed; "
            f"params.py is never executed): {e}",
            path=path,
        ) from None


def read_params(path: str | Path) -> dict[str, Any]:
    """Parse a ``params.py`` file into a dict without executing it.

    Parameters
    ----------
    path : str or Path
        Path to ``params.py``.

    Returns
    -------
    dict
        Lower-cased variable names mapped to their literal values, in file order.

    Raises
    ------
    MissingFileError
        If the file does not exist.
    ParamsError
        If the file has a syntax error, contains anything but literal assignments, is
        larger than :data:`MAX_PARAMS_BYTES` or too deeply nested to parse.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"params file {path} does not exist.", path=path)
    try:
        size = path.stat().st_size
        if size > MAX_PARAMS_BYTES:
            raise ParamsError(
                f"{path} is {size:,} bytes; a params.py is a few lines of settings, so files "
                f"over {MAX_PARAMS_BYTES:,} bytes are refused. Check that this is the right file.",
                path=path,
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ParamsError(f"{path}: cannot read params file: {e}", path=path) from None
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as e:
        raise ParamsError(
            f"{path}, line {e.lineno}: syntax error in params file: {e.msg}", path=path
        ) from None
    except (MemoryError, RecursionError, ValueError) as e:
        # Pathological nesting (e.g. 100,000 unary minus signs) exhausts the parser.
        raise ParamsError(
            f"{path}: params file too deeply nested or complex to parse "
            f"({type(e).__name__}); params.py must be plain `key = value` lines.",
            path=path,
        ) from None
    out: dict[str, Any] = {}
    for stmt in tree.body:
        line = stmt.lineno
        # A docstring or bare constant expression is harmless.
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
            value_node = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets = [stmt.target]
            value_node = stmt.value
        else:
            raise ParamsError(
                f"{path}, line {line}: only assignments of literal values are allowed in "
                f"params.py (found {type(stmt).__name__}; the file is never executed).",
                path=path,
            )
        names = []
        for t in targets:
            if not isinstance(t, ast.Name):
                raise ParamsError(
                    f"{path}, line {line}: the assignment target must be a plain name.",
                    path=path,
                )
            names.append(t.id)
        value = _literal(value_node, path, names[0])
        for n in names:
            out[n.lower()] = value
    return out


def clean_dat_path(dat_path: Any) -> list[str]:
    """Normalize a ``dat_path`` value into a list of non-blank path strings.

    Parameters
    ----------
    dat_path : str, Path, list, tuple or None
        The ``dat_path`` value of ``params.py``.

    Returns
    -------
    list of str
        Empty when there is no raw data.
    """
    if dat_path is None:
        return []
    if isinstance(dat_path, (str, Path)):
        dat_path = [dat_path]
    if not isinstance(dat_path, (list, tuple)):
        raise ParamsError(
            f"dat_path must be a string or a list of strings, got {type(dat_path).__name__}.",
            argument="dat_path",
        )
    out = []
    for p in dat_path:
        if not isinstance(p, (str, Path)):
            raise ParamsError(
                f"dat_path entries must be strings, got {p!r}.", argument="dat_path"
            )
        if str(p).strip():
            out.append(str(p))
    return out


def get_template_params(params_path: str | Path, *, required: Sequence[str] = ()) -> dict[str, Any]:
    """Read ``params.py`` and normalize the values a :class:`TemplateModel` needs.

    Parameters
    ----------
    params_path : str or Path
        Path to ``params.py``.
    required : sequence of str
        Keys that must be set (``load_model`` passes :data:`REQUIRED_KEYS`).

    Returns
    -------
    dict
        All keys of the file, with ``dir_path`` (Path, defaults to the file's folder),
        ``dat_path`` (list of absolute Paths, relative entries resolved against
        ``dir_path``), ``dtype`` (:class:`numpy.dtype`, default int16), ``offset`` (int),
        ``n_channels_dat`` (int > 0 or None), ``sample_rate`` (finite float > 0 or
        None), ``hp_filtered`` and ``show_mapped_channels`` (bool) checked and
        normalized. Flags written as strings (``'no'``, ``'true'``, ``'1'``...) are read
        with a :class:`UserWarning`. Keys left out are taken from the acquisition
        metadata beside the first raw file, which also sets ``uv_per_bit``,
        ``sync_channel`` and ``acquisition`` (see :mod:`phycore.model.acquisition`).

    Raises
    ------
    ParamsError
        If a value has the wrong type or range, or a ``required`` key is missing.
    MissingFileError
        If ``params.py`` or ``dir_path`` does not exist.
    """
    params_path = Path(params_path)
    params = read_params(params_path)
    where = str(params_path)
    empty = not params
    dtype_given = params.get("dtype") is not None
    dir_path = params.get("dir_path")
    if dir_path and not isinstance(dir_path, (str, Path)):
        raise ParamsError(f"{where}: dir_path must be a string.", path=params_path)
    # A relative dir_path in params.py is relative to the folder of params.py.
    dir_path = params_path.parent / dir_path if dir_path else params_path.parent
    if not dir_path.is_dir():
        raise MissingFileError(f"{where}: dir_path {dir_path} is not a folder.", path=dir_path)
    params["dir_path"] = dir_path.resolve()
    try:
        dat_paths = clean_dat_path(params.get("dat_path"))
    except ParamsError as e:
        raise ParamsError(f"{where}: {e}", path=params_path) from None
    params["dat_path"] = [
        p if p.is_absolute() else params["dir_path"] / p for p in map(Path, dat_paths)
    ]
    try:
        params["dtype"] = np.dtype(params.get("dtype") or "int16")
    except (TypeError, ValueError):
        raise ParamsError(
            f"{where}: dtype {params.get('dtype')!r} is not a numpy dtype.", path=params_path
        ) from None
    for key, kind in (("offset", int), ("n_channels_dat", int), ("sample_rate", float),
                      ("n_closest_channels", int), ("amplitude_threshold", float),
                      ("template_scaling", float), ("n_spikes_waveforms", int)):
        if params.get(key) is not None:
            params[key] = _number(params[key], key, kind, params_path)
    if params.get("offset") is None:
        params["offset"] = 0
    if params["offset"] < 0:
        raise ParamsError(f"{where}: offset must be >= 0, got offset = {params['offset']!r}.",
                          path=params_path)
    for key in ("n_channels_dat", "sample_rate"):
        v = params.get(key)
        if v is not None and v <= 0:
            raise ParamsError(f"{where}: {key} must be > 0, got {key} = {v!r}.", path=params_path)
    # Acquisition metadata beside the raw file (SpikeGLX .meta, Open Ephys structure.oebin,
    # mtscomp .ch) fills what params.py leaves out, and warns where they disagree.
    apply_acquisition(params, params_path.name, dtype_given=dtype_given)
    missing = [k for k in required if params.get(k) is None]
    if missing:
        state = "is empty" if empty else f"does not set {', '.join(missing)}"
        hint = " (e.g. sample_rate = 30000.0, in Hz)" if "sample_rate" in missing else ""
        raise ParamsError(f"{where} {state}; it must set {', '.join(missing)}{hint}.", path=params_path)
    params["hp_filtered"] = _flag(params.get("hp_filtered"), "hp_filtered", False, params_path)
    params["show_mapped_channels"] = _flag(params.get("show_mapped_channels"), "show_mapped_channels",
                                           True, params_path)
    return params


def _number(v: Any, key: str, kind: type, path: Path) -> int | float:
    """``v`` as a finite int or float, or :class:`ParamsError` naming the file, key and value."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ParamsError(f"{path}: {key} must be a number, got {key} = {_short(v)}.", path=path)
    try:
        x = float(v)  # an int literal of 400 digits overflows here
    except OverflowError:
        x = math.inf
    # 1e400 parses as inf; int(inf) would raise a bare OverflowError later.
    if not math.isfinite(x):
        why = " (a number beyond ~1.8e308, such as 1e400, reads as infinity)" if math.isinf(x) else ""
        raise ParamsError(f"{path}: {key} must be a finite number, got {key} = {_short(v)}{why}.",
                          path=path)
    if kind is int:
        if not x.is_integer():
            raise ParamsError(f"{path}: {key} must be an integer, got {key} = {_short(v)}.", path=path)
        return int(v)
    return x


def _short(v: Any) -> str:
    """``repr(v)``, cut when long (a 200,000-character value must not flood the message)."""
    s = repr(v)
    return s if len(s) <= 40 else f"{s[:20]}...({len(s)} characters)"


def _flag(v: Any, key: str, default: bool, path: Path) -> bool:
    """A boolean key: True/False (None = ``default``); 'yes'/'no'/'true'/'false'/'1'/'0'
    strings and the numbers 0/1 are read with a warning, since ``bool('no')`` is True."""
    if v is None:
        return default
    if isinstance(v, bool):
        return v
    word = v.strip().lower() if isinstance(v, str) else (str(v) if isinstance(v, int) and v in (0, 1) else None)
    if word not in _BOOL_WORDS:
        raise ParamsError(f"{path}: {key} must be True or False, got {key} = {_short(v)}.", path=path)
    value = _BOOL_WORDS[word]
    warnings.warn(f"{path}: {key} = {v!r} is not a boolean; reading it as {value}. "
                  f"Write {key} = {value} to silence this warning.", UserWarning, stacklevel=3)
    return value
