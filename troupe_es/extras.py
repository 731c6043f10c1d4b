"""Optional dependencies (pyproject extras), imported when a feature first needs one.

A plain ``pip install troupe-es`` leaves out heavy libraries that only some commands use (the
plots' matplotlib, ``pip install 'troupe-es[plot]'``); asking for such a feature without its extra
is a one-line :class:`~troupe_es.errors.ConfigurationError` naming the extra, never a traceback.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from troupe_es.errors import ConfigurationError


def need(module: str, extra: str, feature: str) -> ModuleType:
    """``module`` imported, or a :class:`ConfigurationError` saying ``feature`` needs ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigurationError(f"{feature} needs {module}: pip install 'troupe-es[{extra}]'") from None


def pyplot(feature: str) -> ModuleType:
    """matplotlib's pyplot on the file-only Agg backend (the ``plot`` extra)."""
    matplotlib = need("matplotlib", "plot", feature)
    matplotlib.use("Agg", force=True)
    return need("matplotlib.pyplot", "plot", feature)
