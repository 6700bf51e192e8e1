"""Damage one file of a sorter folder the ways disks, tools and people damage them.

Each :class:`Mutation` names the file and what was done to it; :func:`grid` lists one of
every kind for every file of a folder, and :func:`random_mutation` draws garbled bytes and
cut points from a seed (the fuzz test's hypothesis strategies feed it).
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

Mutate = Callable[[Path, np.random.Generator], None]


@dataclass(frozen=True)
class Mutation:
    file: str
    kind: str
    seed: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.kind}#{self.seed}"

    def apply(self, folder: Path) -> None:
        _KINDS[_family(self.file)][self.kind](folder / self.file, np.random.default_rng(self.seed))


def _family(name: str) -> str:
    if name.endswith(".npy"):
        return "npy"
    if name.endswith((".tsv", ".csv")):
        return "tsv"
    if name == "params.py":
        return "params"
    return "raw"


# --- bytes, for every file ------------------------------------------------------------

def _missing(p: Path, rng: np.random.Generator) -> None:
    p.unlink()


def _empty(p: Path, rng: np.random.Generator) -> None:
    p.write_bytes(b"")


def _truncated(p: Path, rng: np.random.Generator) -> None:
    data = p.read_bytes()
    p.write_bytes(data[: int(rng.integers(1, max(2, len(data))))])


def _garbled(p: Path, rng: np.random.Generator) -> None:
    data = bytearray(p.read_bytes())
    if not data:
        return
    for i in rng.integers(0, len(data), size=max(1, len(data) // 200)):
        data[i] = int(rng.integers(0, 256))
    p.write_bytes(bytes(data))


def _junk(p: Path, rng: np.random.Generator) -> None:
    p.write_bytes(rng.integers(0, 256, size=512, dtype=np.uint8).tobytes())


def _a_folder(p: Path, rng: np.random.Generator) -> None:
    p.unlink()
    p.mkdir()


_BYTES: dict[str, Mutate] = {"missing": _missing, "empty": _empty, "truncated": _truncated,
                             "garbled": _garbled, "junk": _junk, "folder": _a_folder}


# --- .npy ------------------------------------------------------------------------------

def _resave(change: Callable[[np.ndarray, np.random.Generator], np.ndarray]) -> Mutate:
    def mutate(p: Path, rng: np.random.Generator) -> None:
        arr = np.load(p)
        np.save(p, change(arr, rng), allow_pickle=True)
    return mutate


def _garble_data(arr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    raw = bytearray(np.ascontiguousarray(arr).tobytes())
    for i in rng.integers(0, max(1, len(raw)), size=max(1, len(raw) // 100)):
        if raw:
            raw[i] = int(rng.integers(0, 256))
    return np.frombuffer(bytes(raw), dtype=arr.dtype).reshape(arr.shape)


def _fill(value: float) -> Mutate:
    def change(arr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = arr.astype(np.float64 if np.isnan(value) or np.isinf(value) else arr.dtype, copy=True)
        if out.size:
            out.flat[rng.integers(0, out.size, size=max(1, out.size // 10))] = value
        return out
    return _resave(change)


_NPY: dict[str, Mutate] = {
    **_BYTES,
    "garbled_data": _resave(_garble_data),
    "as_float32": _resave(lambda a, r: a.astype(np.float32) + np.float32(0.25)),
    "as_integral_float": _resave(lambda a, r: a.astype(np.float64)),
    "as_bool": _resave(lambda a, r: a.astype(bool)),
    "as_complex": _resave(lambda a, r: a.astype(np.complex64)),
    "as_text": _resave(lambda a, r: a.astype("U3")),
    "as_object": _resave(lambda a, r: a.astype(object)),
    "big_endian": _resave(lambda a, r: a.astype(a.dtype.newbyteorder(">"))),
    "fortran": _resave(lambda a, r: np.asfortranarray(a)),
    "raveled": _resave(lambda a, r: a.ravel()),
    "extra_axis": _resave(lambda a, r: a[..., None]),
    "one_row_less": _resave(lambda a, r: a[:-1]),
    "zero_rows": _resave(lambda a, r: a[:0]),
    "transposed": _resave(lambda a, r: a.T),
    "negative": _fill(-1),
    "huge": _fill(2**31 - 1),
    "nan": _fill(float("nan")),
    "inf": _fill(float("inf")),
}


# --- cluster tables ------------------------------------------------------------------------

def _reencode(encoding: str) -> Mutate:
    def mutate(p: Path, rng: np.random.Generator) -> None:
        p.write_bytes(p.read_bytes().decode("utf-8").encode(encoding))
    return mutate


def _text(change: Callable[[str, np.random.Generator], str]) -> Mutate:
    def mutate(p: Path, rng: np.random.Generator) -> None:
        p.write_bytes(change(p.read_bytes().decode("utf-8"), rng).encode("utf-8"))
    return mutate


def _accented(encoding: str) -> Mutate:
    """The last cell of the first row gets an accent (so the encoding matters), then re-encoded."""
    def mutate(p: Path, rng: np.random.Generator) -> None:
        head, first, rest = p.read_bytes().decode("utf-8").split("\n", 2)
        p.write_bytes("\n".join([head, first + "\u00e9", rest]).encode(encoding))
    return mutate


def _cut_mid_line(text: str, rng: np.random.Generator) -> str:
    return text[: len(text) - len(text.rstrip().splitlines()[-1]) // 2 - 1]


def _first_row(change: Callable[[list[str]], list[str]]) -> Mutate:
    """Change the cells of the first data row."""
    def edit(text: str, rng: np.random.Generator) -> str:
        lines = text.splitlines()
        sep = "\t" if "\t" in lines[0] else ","
        lines[1] = sep.join(change(lines[1].split(sep)))
        return "\n".join(lines) + "\n"
    return _text(edit)


_TSV: dict[str, Mutate] = {
    **_BYTES,
    "utf16": _reencode("utf-16"),
    "utf8_bom": _reencode("utf-8-sig"),
    "latin1": _accented("latin-1"),
    "cut_mid_line": _text(_cut_mid_line),
    "open_quote": _first_row(lambda c: [c[0], '"' + c[1]]),
    "no_header": _text(lambda t, r: t.split("\n", 1)[1]),
    "bad_id": _first_row(lambda c: ["x", *c[1:]]),
    "negative_id": _first_row(lambda c: ["-1", *c[1:]]),
    "huge_id": _first_row(lambda c: [str(2**40), *c[1:]]),
    "float_id": _first_row(lambda c: [c[0] + ".5", *c[1:]]),
    "commas": _text(lambda t, r: t.replace("\t", ",")),
    "crlf": _text(lambda t, r: t.replace("\r\n", "\n").replace("\n", "\r\n")),
    "extra_cells": _first_row(lambda c: [*c, "x", "y"]),
    "duplicate_row": _text(lambda t, r: t + t.splitlines()[1] + "\n"),
}


# --- params.py -------------------------------------------------------------------------------

def _set_param(key: str, value: str) -> Mutate:
    def mutate(p: Path, rng: np.random.Generator) -> None:
        lines = [ln for ln in p.read_text().splitlines() if not ln.startswith(f"{key} ")]
        if value != "<removed>":
            lines.append(f"{key} = {value}")
        p.write_text("\n".join(lines) + "\n")
    return mutate


_PARAM_VALUES = {"junk": "'x'", "none": "None", "negative": "-1", "zero": "0", "overflow": "1e400",
                 "nan": "float('nan')", "list": "[1, 2]", "bool": "True", "removed": "<removed>"}
_PARAMS: dict[str, Mutate] = {
    **{k: v for k, v in _BYTES.items() if k != "folder"},
    "syntax_error": _text(lambda t, r: t + "sample_rate = = 3\n"),
    "code": _text(lambda t, r: t + "import os; os.remove('x')\n"),
    "long_line": _text(lambda t, r: t + "x = '" + "a" * 200_000 + "'\n"),
    "deep_nesting": _text(lambda t, r: t + "x = " + "[" * 50_000 + "]" * 50_000 + "\n"),
    "bom": _reencode("utf-8-sig"),
    **{f"{key}={name}": _set_param(key, value)
       for key in ("dat_path", "n_channels_dat", "dtype", "offset", "sample_rate", "hp_filtered")
       for name, value in _PARAM_VALUES.items()},
}


# --- raw data --------------------------------------------------------------------------------

def _odd_size(p: Path, rng: np.random.Generator) -> None:
    with p.open("ab") as f:
        f.write(b"\x01\x02\x03")


def _half(p: Path, rng: np.random.Generator) -> None:
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])


_RAW: dict[str, Mutate] = {**_BYTES, "odd_size": _odd_size, "half": _half}

_KINDS: dict[str, dict[str, Mutate]] = {"npy": _NPY, "tsv": _TSV, "params": _PARAMS, "raw": _RAW}


def files_read(folder: Path) -> list[str]:
    """The files a model reads from ``folder`` (its ``.npy``, tables, params and raw data)."""
    params = ast.literal_eval("{" + ", ".join(
        f"{ln.split('=', 1)[0].strip()!r}: {ln.split('=', 1)[1].strip()}"
        for ln in (folder / "params.py").read_text().splitlines() if "=" in ln) + "}")
    raw = params.get("dat_path")
    raw_names = [raw] if isinstance(raw, str) else list(raw or [])
    names = [p.name for p in sorted(folder.iterdir()) if p.is_file()
             and (p.suffix in (".npy", ".tsv", ".csv") or p.name == "params.py")]
    return names + [n for n in raw_names if (folder / n).is_file()]


def kinds(file: str) -> list[str]:
    """Every mutation kind that applies to ``file``."""
    return list(_KINDS[_family(file)])


def grid(folder: Path) -> list[Mutation]:
    """One mutation of every kind for every file the model reads."""
    return [Mutation(f, k) for f in files_read(folder) for k in kinds(f)]


def copy_and_mutate(source: Path, dest: Path, mutation: Mutation) -> Path:
    """A copy of ``source`` at ``dest`` with ``mutation`` applied; returns ``dest``."""
    shutil.copytree(source, dest)
    mutation.apply(dest)
    return dest
