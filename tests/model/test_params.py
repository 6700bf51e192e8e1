"""params.py is parsed as data: literal assignments only, never executed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phycore.errors import MissingFileError, ParamsError
from phycore.model.params import clean_dat_path, get_template_params, read_params


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "params.py"
    p.write_text(text)
    return p


def test_read_literals(tmp_path: Path) -> None:
    p = _write(tmp_path, "# comment\n\"\"\"doc\"\"\"\nDAT_PATH = 'a.dat'\nn_channels_dat = 4\n"
               "dtype = 'int16'\noffset = 0\nsample_rate = 30000.\nhp_filtered = False\n"
               "extra = {'a': [1, 2, (3, -4.5)], 'b': None}\nx: int = 3\n")
    d = read_params(p)
    assert d["dat_path"] == "a.dat"  # keys lower-cased like phy
    assert d["sample_rate"] == 30000.0
    assert d["extra"] == {"a": [1, 2, (3, -4.5)], "b": None}
    assert d["x"] == 3


@pytest.mark.parametrize("code, line", [
    ("n = 1\nimport os\n", 2),
    ("n = 1\nsample_rate = 3 * 10000\n", 2),
    ("dat_path = open('x').read()\n", 1),
    ("n = 1\nprint('hi')\n", 2),
    ("def f():\n    pass\n", 1),
    ("a.b = 1\n", 1),
    ("n = [1, 2\n", 1),
    ("dtype = int16\n", 1),
])
def test_code_is_rejected_naming_the_line(tmp_path: Path, code: str, line: int) -> None:
    p = _write(tmp_path, code)
    with pytest.raises(ParamsError) as e:
        read_params(p)
    assert str(p) in str(e.value)
    assert f"line {line}" in str(e.value)
    assert e.value.path == str(p)


def test_code_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    p = _write(tmp_path, f"x = __import__('pathlib').Path({str(marker)!r}).touch()\n")
    with pytest.raises(ParamsError):
        read_params(p)
    assert not marker.exists()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError) as e:
        read_params(tmp_path / "nope.py")
    assert "nope.py" in str(e.value)


def test_clean_dat_path() -> None:
    assert clean_dat_path(None) == []
    assert clean_dat_path("") == []
    assert clean_dat_path("  ") == []
    assert clean_dat_path(["a.dat", "", "b.dat"]) == ["a.dat", "b.dat"]
    with pytest.raises(ParamsError, match="dat_path"):
        clean_dat_path(3)


def test_template_params_normalized(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    p = _write(tmp_path, f"dat_path = ['a.dat', {str(other / 'b.dat')!r}]\nn_channels_dat = 4.0\n"
               "dtype = 'float32'\nsample_rate = 20000\n")
    d = get_template_params(p)
    assert d["dir_path"] == tmp_path.resolve()
    assert d["dat_path"] == [tmp_path.resolve() / "a.dat", other / "b.dat"]
    assert d["dtype"] == np.dtype(np.float32)
    assert d["n_channels_dat"] == 4 and isinstance(d["n_channels_dat"], int)
    assert d["offset"] == 0 and d["hp_filtered"] is False
    assert d["sample_rate"] == 20000.0


@pytest.mark.parametrize("text, word", [
    ("dtype = 'notadtype'\n", "dtype"),
    ("n_channels_dat = 'x'\n", "n_channels_dat"),
    ("n_channels_dat = 2.5\n", "n_channels_dat"),
    ("sample_rate = -1\n", "sample_rate"),
    ("offset = -3\n", "offset"),
    ("dat_path = 3\n", "dat_path"),
    ("n_closest_channels = 'a'\n", "n_closest_channels"),
    ("template_scaling = [1]\n", "template_scaling"),
])
def test_bad_values(tmp_path: Path, text: str, word: str) -> None:
    p = _write(tmp_path, text)
    with pytest.raises(ParamsError) as e:
        get_template_params(p)
    assert word in str(e.value)


def test_dir_path_missing(tmp_path: Path) -> None:
    p = _write(tmp_path, "dir_path = 'does_not_exist'\n")
    with pytest.raises(MissingFileError, match="does_not_exist"):
        get_template_params(p)


def test_relative_params_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "params.py").write_text("dat_path = 'x.dat'\n")
    monkeypatch.chdir(tmp_path)
    d = get_template_params("sub/params.py")
    assert d["dir_path"] == (tmp_path / "sub").resolve()
    assert d["dat_path"] == [(tmp_path / "sub").resolve() / "x.dat"]
