"""A plot asked for without the ``plot`` extra (matplotlib) is one line naming the extra, exit 1,
never a traceback: ``memory --plot``, ``emotions --plot`` and ``retail --heatmap``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.cli.helpers import troupe_in_process

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> str:
    """A store with the emotions example's run (memory statistics and emotions to plot)."""
    store = f"sqlite:///{tmp_path_factory.mktemp('extras') / 'runs.db'}"
    res = troupe_in_process("run", str(ROOT / "examples" / "emotions-negotiation.yaml"), "-q", store=store)
    assert res.code == 0, res.err
    return store


@pytest.mark.parametrize("args", [("memory", "last", "--plot"), ("emotions", "last", "--plot")])
def test_a_plot_without_matplotlib_names_the_extra(runs, args, tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    res = troupe_in_process(*args, str(tmp_path / "plot.png"), store=runs)
    assert res.code == 1 and "Traceback" not in res.err, res.err
    assert "needs matplotlib: pip install 'troupe-es[plot]'" in res.err
    assert not (tmp_path / "plot.png").exists()


def test_the_retail_heatmap_names_the_extra_too(monkeypatch, tmp_path):
    from troupe_es.errors import ConfigurationError
    from troupe_es.projections.retail import heatmap_png

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ConfigurationError, match=r"--heatmap needs matplotlib: pip install 'troupe-es\[plot\]'"):
        heatmap_png(None, str(tmp_path / "heat.png"))
