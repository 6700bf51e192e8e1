"""The "View settings" of a view (phy's per-view dialog): which options, their checks, applying them.

Pure: no Dear PyGui. :func:`view_settings` lists the settings of a view model (phy's:
the waveform budget; the amplitude budgets; the correlogram bin, window, refractory
period and spike cap; the histogram bin size and range), :func:`current_texts` gives
their current values as the dialog shows them, :func:`parse_settings` checks what the
user typed (every field, before anything changes) and :func:`apply_settings` sets the
same view-model options the snippets set (``:wn``, ``:cb``/``:cw``/``:cr``,
``:isib``/``:isimin``/``:isimax``...), all at once.

Sizes are shown in the units of phy's prompts and snippets: correlogram sizes in ms,
ISI values in ms, firing-rate values in s.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import attrs

from phycore.errors import ActionError
from phygui.viewmodels.amplitude import AmplitudeModel
from phygui.viewmodels.correlogram import CorrelogramModel
from phygui.viewmodels.histogram import HistogramModel
from phygui.viewmodels.waveform import WaveformModel

__all__ = ["Setting", "SettingsError", "view_settings", "current_texts", "parse_settings", "apply_settings"]


class SettingsError(ActionError):
    """A value typed in the settings dialog is not valid (``argument`` names the field)."""


@attrs.frozen
class Setting:
    """One field of a view's settings dialog.

    Attributes
    ----------
    name : str
        Key of the value (an option name, or ``n_spikes_correlograms``).
    label : str
        What the dialog shows (with the unit).
    kind : type
        ``int`` or ``float``.
    minimum : float
        Smallest value accepted (inclusive).
    maximum : float or None
        Largest value accepted (inclusive), None for no limit.
    """

    name: str
    label: str
    kind: type = int
    minimum: float = 1
    maximum: float | None = None


_BUDGET_MAX = 10_000_000  # a budget above the largest cluster is just "all"; this only catches typos

_WAVEFORM = (Setting("n_spikes_waveforms", "spikes per cluster (:wn)", int, 1, _BUDGET_MAX),)
_AMPLITUDE = (
    Setting("n_spikes_amplitudes", "spikes per cluster", int, 1, _BUDGET_MAX),
    Setting("n_spikes_amplitudes_background", "background spikes", int, 0, _BUDGET_MAX),
)
# Clipped like the snippets: bin 1e-6..1e3 s, refractory period 0.1..100 ms.
_CORRELOGRAM = (
    Setting("bin_size", "bin size (ms, :cb)", float, 1e-3, 1e6),
    Setting("window_size", "window size (ms, :cw)", float, 1e-3, 1e6),
    Setting("refractory_period", "refractory period (ms, :cr)", float, 0.1, 100.0),
    Setting("n_spikes_correlograms", "spikes per cluster", int, 1, _BUDGET_MAX),
)


def _histogram(model: HistogramModel) -> tuple[Setting, ...]:
    u, a = model.unit, model.alias
    return (
        Setting("bin_size", f"bin size ({u}, :{a}b)", float, 1e-9, None),
        Setting("x_min", f"range min ({u}, :{a}min)", float, 0.0, None),
        Setting("x_max", f"range max ({u}, :{a}max)", float, 1e-9, None),
    )


def view_settings(model: Any) -> tuple[Setting, ...]:
    """The settings of a view model (empty: the view has no settings dialog)."""
    if isinstance(model, WaveformModel):
        return _WAVEFORM
    if isinstance(model, AmplitudeModel):
        return _AMPLITUDE
    if isinstance(model, CorrelogramModel):
        return _CORRELOGRAM if _correlogram_cap(model) is not None else _CORRELOGRAM[:3]
    if isinstance(model, HistogramModel):
        return _histogram(model)
    return ()


def _correlogram_cap(model: Any) -> Any:
    # phy's controller budget (view_data.n_spikes_correlograms): None without a controller.
    return getattr(getattr(model.controller, "view_data", None), "n_spikes_correlograms", None)


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def current_values(model: Any) -> dict[str, float]:
    """The current value of each setting, in the dialog's units."""
    o = model.options
    if isinstance(model, (WaveformModel, AmplitudeModel)):
        return {s.name: getattr(o, s.name) for s in view_settings(model)}
    if isinstance(model, CorrelogramModel):
        out = {"bin_size": o.bin_size * 1e3, "window_size": o.window_size * 1e3,
               "refractory_period": o.refractory_period * 1e3}
        cap = _correlogram_cap(model)
        if cap is not None:
            out["n_spikes_correlograms"] = int(cap)
        return out
    if isinstance(model, HistogramModel):
        f = _unit(model)
        lo, hi = model.x_range
        return {"bin_size": (hi - lo) / max(1, o.n_bins) / f, "x_min": lo / f, "x_max": hi / f}
    return {}


def current_texts(model: Any) -> dict[str, str]:
    """``{name: text}``: the current values as the dialog's fields show them."""
    return {k: str(v) if isinstance(v, int) else _fmt(float(v)) for k, v in current_values(model).items()}


def _number(setting: Setting, text: str) -> float:
    text = str(text).strip().replace("_", "")
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{setting.label}: {text!r} is not a number.", argument=setting.name) from None
    if not math.isfinite(value):
        raise SettingsError(f"{setting.label}: {text!r} is not a finite number.", argument=setting.name)
    if setting.kind is int:
        if value != int(value):
            raise SettingsError(f"{setting.label}: {text!r} is not a whole number.", argument=setting.name)
        value = int(value)
    if value < setting.minimum or (setting.maximum is not None and value > setting.maximum):
        bounds = f"at least {setting.minimum:g}" + (
            f" and at most {setting.maximum:g}" if setting.maximum is not None else "")
        raise SettingsError(f"{setting.label}: {text} is out of range (must be {bounds}).", argument=setting.name)
    return value


def parse_settings(settings: Sequence[Setting], texts: Mapping[str, str]) -> dict[str, float]:
    """Check every typed value (numbers, ranges, and the rules between fields).

    Raises
    ------
    SettingsError
        The first bad field, with a message naming it; nothing is applied then.
    """
    values = {s.name: _number(s, texts[s.name]) for s in settings if s.name in texts}
    if "window_size" in values and "bin_size" in values and not values["bin_size"] < values["window_size"]:
        raise SettingsError(f"The bin size ({values['bin_size']:g} ms) must be smaller than the window "
                            f"({values['window_size']:g} ms).", argument="bin_size")
    if "x_min" in values and "x_max" in values:
        lo, hi = values["x_min"], values["x_max"]
        if not lo < hi:
            raise SettingsError(f"The range min ({lo:g}) must be smaller than the range max ({hi:g}).",
                                argument="x_min")
        if "bin_size" in values and values["bin_size"] * 2 > hi - lo:
            raise SettingsError(f"The bin size ({values['bin_size']:g}) must be at most half the range "
                                f"({hi - lo:g}): a histogram has at least 2 bins.", argument="bin_size")
    return values


def apply_settings(model: Any, values: Mapping[str, float]) -> dict[str, Any]:
    """Set the options from checked values (see :func:`parse_settings`); returns the changes.

    The options the snippets set are changed together (``model.set_state``), so no
    intermediate state (a new bin larger than the old window) is ever refused; the
    correlogram spike cap is the controller's budget (phy's ``n_spikes_correlograms``).
    """
    before = current_values(model)
    changed = {k: v for k, v in values.items() if k in before and not _same(v, before[k])}
    if not changed:
        return {}
    if isinstance(model, (WaveformModel, AmplitudeModel)):
        model.set_state(dict(changed))
    elif isinstance(model, CorrelogramModel):
        if "n_spikes_correlograms" in changed:
            model.controller.n_spikes_correlograms = int(changed["n_spikes_correlograms"])
        opts = {k: float(v) * 1e-3 for k, v in changed.items() if k != "n_spikes_correlograms"}
        if opts:
            model.set_state(opts)
        else:
            model.invalidate()  # the cap changed: the correlograms are counted again
    elif isinstance(model, HistogramModel):
        f = _unit(model)
        lo, hi = (float(values.get(k, before[k])) * f for k in ("x_min", "x_max"))
        bin_size = float(values.get("bin_size", before["bin_size"])) * f
        # An unset max (the firing rate's: the recording's duration) stays unset unless edited.
        x_max = None if model.options.x_max is None and "x_max" not in changed else hi
        model.set_state({"x_min": lo, "x_max": x_max, "n_bins": max(2, int(round((hi - lo) / bin_size)))})
    return changed


def _unit(model: HistogramModel) -> float:
    # Seconds per unit of the view's values (the ISI view shows ms).
    return 1e-3 if model.unit == "ms" else 1.0


def _same(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))
