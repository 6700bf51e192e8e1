"""Read ``params.py`` as data: a module of literal assignments, never executed.

phy runs ``exec()`` on ``params.py``. We parse it with :mod:`ast` and accept only
assignments of literal values (numbers, strings, ``True``/``False``/``None``, lists,
tuples, dicts, sets, unary minus), so a data file can never run code. Keys are
lower-cased like phy does.

.. versionadded:: 0.1
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import numpy as np

from phycore.errors import MissingFileError, ParamsError

__all__ = ["read_params", "get_template_params", "clean_dat_path"]


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
        If the file has a syntax error or contains anything but literal assignments.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"params file {path} does not exist.", path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ParamsError(f"{path}: cannot read params file: {e}", path=path) from None
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as e:
        raise ParamsError(
            f"{path}, line {e.lineno}: syntax error in params file: {e.msg}", path=path
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


def get_template_params(params_path: str | Path) -> dict[str, Any]:
    """Read ``params.py`` and normalize the values a :class:`TemplateModel` needs.

    Parameters
    ----------
    params_path : str or Path
        Path to ``params.py``.

    Returns
    -------
    dict
        All keys of the file, with ``dir_path`` (Path, defaults to the file's folder),
        ``dat_path`` (list of absolute Paths, relative entries resolved against
        ``dir_path``), ``dtype`` (:class:`numpy.dtype`, default int16), ``offset`` (int),
        ``n_channels_dat`` (int or None), ``sample_rate`` (float or None) and
        ``hp_filtered`` (bool) checked and normalized.

    Raises
    ------
    ParamsError
        If a value has the wrong type.
    MissingFileError
        If ``params.py`` or ``dir_path`` does not exist.
    """
    params_path = Path(params_path)
    params = read_params(params_path)
    where = str(params_path)
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
    except TypeError:
        raise ParamsError(
            f"{where}: dtype {params.get('dtype')!r} is not a numpy dtype.", path=params_path
        ) from None
    for key, kind in (("offset", int), ("n_channels_dat", int), ("sample_rate", float),
                      ("n_closest_channels", int), ("amplitude_threshold", float),
                      ("template_scaling", float), ("n_spikes_waveforms", int)):
        v = params.get(key)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
            raise ParamsError(f"{where}: {key} must be a number, got {v!r}.", path=params_path)
        if kind is int and float(v) != int(v):
            raise ParamsError(f"{where}: {key} must be an integer, got {v!r}.", path=params_path)
        params[key] = kind(v)
    if params.get("offset") is None:
        params["offset"] = 0
    if params["offset"] < 0:
        raise ParamsError(f"{where}: offset must be >= 0.", path=params_path)
    if params.get("n_channels_dat") is not None and params["n_channels_dat"] <= 0:
        raise ParamsError(f"{where}: n_channels_dat must be > 0.", path=params_path)
    if params.get("sample_rate") is not None and params["sample_rate"] <= 0:
        raise ParamsError(f"{where}: sample_rate must be > 0.", path=params_path)
    params["hp_filtered"] = bool(params.get("hp_filtered", False))
    return params
