"""Acquisition metadata next to raw data: SpikeGLX ``.meta``, Open Ephys ``structure.oebin``
and mtscomp ``.ch`` headers.

Sorters write ``params.py`` with the sample rate and channel count they used, but the
acquisition system wrote the truth beside the raw file. :func:`find_acquisition` reads
it for a raw file; :func:`apply_acquisition` fills the keys ``params.py`` leaves out
(``sample_rate``, ``n_channels_dat``, ``dtype``) and adds ``uv_per_bit`` (µV per bit of
each file column) and ``sync_channel`` (the file column of the sync trace, or None).

Where ``params.py`` gives a value the metadata contradicts, a :class:`UserWarning` names
both; ``params.py`` wins, as in phy (the spike times were computed with it), except for
the channel count and dtype of an mtscomp ``.cbin``, which its ``.ch`` header must decide
(the file cannot be decoded otherwise; phylib does the same). A sample rate within 0.1%
of the metadata's is not a disagreement: SpikeGLX writes its calibrated rate (e.g.
30000.39 Hz) where sorters write the nominal 30000.

Where the metadata is found (first match wins per key):

- ``x.cbin``: ``x.ch`` (mtscomp), then ``x.meta`` (SpikeGLX, as IBL stores it);
- ``x.bin``: ``x.meta`` (SpikeGLX);
- ``continuous.dat``: the ``structure.oebin`` of the Open Ephys recording folder (up to
  three folders up), the stream whose ``folder_name`` is the file's folder.

Open Ephys has no sync channel in its continuous streams (TTL lines are in ``events/``),
so ``sync_channel`` stays None there.

.. versionadded:: 0.3
"""

from __future__ import annotations

import json
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from phycore.errors import ParamsError

__all__ = ["Acquisition", "read_spikeglx_meta", "spikeglx_acquisition", "oebin_acquisition",
           "mtscomp_acquisition", "find_acquisition", "apply_acquisition", "SAMPLE_RATE_RTOL"]

#: Relative difference of sample rates below which params.py and the metadata agree.
SAMPLE_RATE_RTOL = 1e-3


@dataclass
class Acquisition:
    """What one metadata file says about a raw file.

    Attributes
    ----------
    system : str
        ``"spikeglx"``, ``"openephys"`` or ``"mtscomp"``.
    path : Path
        The metadata file.
    sample_rate : float or None
        Hz.
    n_channels : int or None
        Interleaved channels in the raw file (sync included).
    dtype : str or None
        Sample type (``"int16"`` for SpikeGLX and Open Ephys).
    uv_per_bit : ndarray or None
        µV per bit of each file column (1 for a digital sync column).
    sync_channel : int or None
        File column of the sync trace.
    """

    system: str
    path: Path
    sample_rate: float | None = None
    n_channels: int | None = None
    dtype: str | None = None
    uv_per_bit: np.ndarray | None = field(default=None, repr=False)
    sync_channel: int | None = None


def read_spikeglx_meta(path: str | Path) -> dict[str, str]:
    """The ``key=value`` lines of a SpikeGLX ``.meta`` file (``~`` prefixes removed)."""
    out: dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip().lstrip("~")] = value.strip()
    return out


def _imro_entries(meta: dict[str, str]) -> list[list[str]]:
    """The per-channel entries of ``imroTbl`` (its first group is a header)."""
    groups = re.findall(r"\(([^()]*)\)", meta.get("imroTbl", ""))
    return [g.split() for g in groups[1:]]


def _saved_subset(text: str) -> list[int]:
    """The channels of ``snsSaveChanSubset`` (``"0:383,768"``: inclusive ranges), sorted
    as SpikeGLX writes them to the file."""
    out: set[int] = set()
    for item in text.split(","):
        a, sep, b = item.partition(":")
        out.update(range(int(a), int(b) + 1) if sep else [int(a)])
    return sorted(out)


def _imec_columns(meta: dict[str, str], n: int, n_probe: int, has_lf: bool) -> list[tuple[str, int]]:
    """``(kind, index)`` of each saved column of an imec file: kind ``"ap"``, ``"lf"``
    (index: the probe channel, i.e. the ``imroTbl`` row) or ``"sy"``.

    ``snsSaveChanSubset`` numbers the acquired channels of the probe: AP ``0..n_probe-1``,
    then LF (Neuropixels 1.0 only), then SY (the real AP file of a 1.0 probe says
    ``0:383,768``, its LF file ``384:768``, a 2.0 probe's ``0:384``). ``all`` means the
    stream's channels in ``snsApLfSy`` order.
    """
    subset = meta.get("snsSaveChanSubset", "all").strip()
    if subset in ("", "all"):
        n_ap, n_lf, n_sy = (int(x) for x in meta["snsApLfSy"].split(","))
        cols = [("ap", i) for i in range(n_ap)] + [("lf", i) for i in range(n_lf)]
        return (cols + [("sy", i) for i in range(n_sy)])[:n]
    chans = _saved_subset(subset)
    if len(chans) != n:
        raise ValueError(f"snsSaveChanSubset has {len(chans)} channels but nSavedChans = {n}")
    n_lf = n_probe if has_lf else 0
    return [("ap", c) if c < n_probe else ("lf", c - n_probe) if c < n_probe + n_lf
            else ("sy", c - n_probe - n_lf) for c in chans]


def spikeglx_acquisition(meta_path: str | Path) -> Acquisition:
    """Read a SpikeGLX ``.meta`` file (imec probe ``.ap``/``.lf`` or ``nidq``).

    Gains follow SpikeGLX's documentation (and neo/ibl-neuropixel): µV per bit =
    ``AiRangeMax / MaxInt / gain * 1e6``; Neuropixels 1.0 gains per channel from
    ``imroTbl`` (AP or LF column), 2.0 from ``imChan0apGain`` (default 80, or 100 for
    NP2013/2014/2020/2021); nidq gains ``niMNGain``/``niMAGain`` by channel kind. When
    ``snsSaveChanSubset`` saved only some channels, each file column gets the gain of the
    probe channel it holds, and the sync column is where the subset put it (None when the
    sync channel was not saved).
    """
    path = Path(meta_path)
    try:
        meta = read_spikeglx_meta(path)
        n = int(meta["nSavedChans"])
    except (OSError, KeyError, ValueError) as e:
        raise ParamsError(f"{path}: not a readable SpikeGLX .meta file ({e!r}).", path=path) from None
    rate = meta.get("imSampRate") or meta.get("niSampRate") or meta.get("obSampRate")
    uv = np.ones(n, dtype=np.float64)
    sync: int | None = None
    if meta.get("typeThis", "imec") == "imec" and "snsApLfSy" in meta:
        pn = meta.get("imDatPrb_pn", "")
        ptype = meta.get("imDatPrb_type", "0")
        np2 = ptype not in ("0", "1020", "1030", "1100", "1120", "1121", "1122", "1123", "1200", "1300")
        max_int = float(meta.get("imMaxInt", 8192 if np2 else 512))
        volts = float(meta.get("imAiRangeMax", 0.6 if not np2 else 0.5)) / max_int
        entries = _imro_entries(meta)
        n_ap, n_lf, _ = (int(x) for x in meta["snsApLfSy"].split(","))
        try:
            columns = _imec_columns(meta, n, len(entries) or max(n_ap, n_lf), not np2)
        except ValueError as e:
            raise ParamsError(f"{path}: inconsistent SpikeGLX .meta file ({e}).", path=path) from None
        per_row = not np2 and entries and len(entries[0]) >= 5
        default = 80.0 if pn in ("", "NP2000", "NP2010", "PRB2_1_2_0640_0", "PRB2_4_2_0640_0") else 100.0
        for col, (kind, i) in enumerate(columns):
            if kind == "sy":
                sync = col if sync is None else sync
                continue
            if per_row and i < len(entries):
                gain = float(entries[i][4 if kind == "lf" else 3])
            elif kind == "lf":
                gain = float(meta.get("imChan0lfGain", 250.0))
            else:
                gain = float(meta.get("imChan0apGain", default if np2 else 500.0))
            uv[col] = volts / gain * 1e6
    elif "snsMnMaXaDw" in meta:  # nidq
        mn, ma, xa, dw = (int(x) for x in meta["snsMnMaXaDw"].split(","))
        volts = float(meta.get("niAiRangeMax", 5.0)) / float(meta.get("niMaxInt", 32768))
        uv[:mn] = volts / float(meta.get("niMNGain", 1)) * 1e6
        uv[mn:mn + ma] = volts / float(meta.get("niMAGain", 1)) * 1e6
        uv[mn + ma:mn + ma + xa] = volts * 1e6
        sync = mn + ma + xa if dw else None
    return Acquisition("spikeglx", path, float(rate) if rate else None, n, "int16", uv, sync)


def oebin_acquisition(oebin: str | Path, dat_path: str | Path) -> Acquisition:
    """The stream of an Open Ephys ``structure.oebin`` that ``dat_path`` (its
    ``continuous.dat``) belongs to; ``bit_volts`` is in µV for ``units`` ``""``/``"uV"``."""
    path = Path(oebin)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        streams = list(info["continuous"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ParamsError(f"{path}: not a readable Open Ephys structure.oebin ({e!r}).", path=path) from None
    folder = Path(dat_path).parent.name
    match = [s for s in streams if str(s.get("folder_name", "")).strip("/") == folder]
    if not match and len(streams) == 1:
        match = streams
    if not match:
        names = ", ".join(str(s.get("folder_name")) for s in streams)
        raise ParamsError(f"{path}: no continuous stream for folder {folder!r} (streams: {names}).",
                          path=path)
    s = match[0]
    scale = {"": 1.0, "uv": 1.0, "mv": 1e3, "v": 1e6}
    uv = np.array([float(c.get("bit_volts", 1.0)) * scale.get(str(c.get("units", "")).lower(), 1.0)
                   for c in s.get("channels", [])])
    return Acquisition("openephys", path, float(s["sample_rate"]), int(s["num_channels"]), "int16",
                       uv if len(uv) else None, None)


def mtscomp_acquisition(ch_path: str | Path) -> Acquisition:
    """The ``.ch`` header of an mtscomp ``.cbin`` file."""
    from phycore.model._cbin import read_ch

    path = Path(ch_path)
    try:
        meta = read_ch(path)
    except OSError as e:
        raise ParamsError(str(e), path=path) from None
    return Acquisition("mtscomp", path, float(meta["sample_rate"]), int(meta["n_channels"]),
                       str(np.dtype(meta["dtype"])))


def find_acquisition(raw_path: str | Path) -> list[Acquisition]:
    """The metadata of a raw file, most authoritative first (see the module docstring)."""
    raw = Path(raw_path)
    out: list[Acquisition] = []
    if raw.suffix.lower() == ".cbin" and raw.with_suffix(".ch").is_file():
        out.append(mtscomp_acquisition(raw.with_suffix(".ch")))
    if raw.suffix.lower() in (".bin", ".cbin") and raw.with_suffix(".meta").is_file():
        out.append(spikeglx_acquisition(raw.with_suffix(".meta")))
    if raw.name == "continuous.dat":
        for parent in list(raw.parents)[:4]:
            if (parent / "structure.oebin").is_file():
                out.append(oebin_acquisition(parent / "structure.oebin", raw))
                break
    return out


def _differs(key: str, a: Any, b: Any) -> bool:
    if key == "sample_rate":
        return not math.isclose(float(a), float(b), rel_tol=SAMPLE_RATE_RTOL)
    return bool(a != b)


def apply_acquisition(params: dict[str, Any], where: str | Path = "params.py", *,
                      dtype_given: bool = True) -> list[Acquisition]:
    """Fill ``params`` (as :func:`~phycore.model.params.get_template_params` normalizes it)
    from the metadata of its first raw file; warn where they disagree.

    Sets ``sample_rate``, ``n_channels_dat`` and ``dtype`` when missing, and always
    ``uv_per_bit``, ``sync_channel`` and ``acquisition`` (the :class:`Acquisition` list,
    empty without metadata). Returns that list. ``dtype_given`` is False when
    ``params.py`` did not set ``dtype`` (its int16 default is then no disagreement).
    """
    paths = params.get("dat_path") or []
    try:
        found = find_acquisition(paths[0]) if paths else []
    except ParamsError as e:  # a broken .meta must not keep the sorting from opening
        warnings.warn(f"{e} The acquisition metadata is ignored.", UserWarning, stacklevel=3)
        found = []
    params["acquisition"] = found
    params.setdefault("uv_per_bit", None)
    params.setdefault("sync_channel", None)
    given = {k: params.get(k) is not None for k in ("sample_rate", "n_channels_dat")}
    given["dtype"] = dtype_given
    for acq in found:
        values = {"sample_rate": acq.sample_rate, "n_channels_dat": acq.n_channels,
                  "dtype": None if acq.dtype is None else np.dtype(acq.dtype)}
        for key, value in values.items():
            if value is None:
                continue
            current = params.get(key)
            decides = acq.system == "mtscomp" and key != "sample_rate"
            if current is None or not given[key]:
                params[key], given[key] = value, True
            elif _differs(key, current, value):
                use = value if decides else current
                warnings.warn(
                    f"{where} says {key} = {current} but {acq.path.name} ({acq.system}) says "
                    f"{key} = {value}; using {use}.", UserWarning, stacklevel=3)
                params[key] = use
        if params["uv_per_bit"] is None and acq.uv_per_bit is not None:
            params["uv_per_bit"] = acq.uv_per_bit
        if params["sync_channel"] is None and acq.sync_channel is not None:
            params["sync_channel"] = acq.sync_channel
    return found
