"""Packaging: commands/ and projections/ install inside the ``troupe_es`` namespace, so a user's
own ``commands.py`` or ``projections.py`` beside a notebook can never shadow them."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_stray_commands_or_projections_module_in_the_working_directory_changes_nothing(tmp_path):
    for name in ("commands", "projections"):
        (tmp_path / f"{name}.py").write_text(f"raise ImportError('the user\\'s own {name}.py was imported')\n",
                                             encoding="utf-8")
    scenario = ROOT / "examples" / "focus_group.yaml"
    code = (
        "import sys\n"
        "from troupe_es.cli import main\n"
        f"main(['--store', 'memory://', 'run', {str(scenario)!r}, '--llm', 'mock', '-q'])\n"
    )
    # `python -c` puts the working directory first on sys.path, exactly like a notebook kernel.
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "user's own" not in proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("cereal-focus-group-")


def test_every_package_in_the_tree_is_installed_under_troupe_es():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = set()
    for init in ROOT.glob("troupe_es/**/__init__.py"):
        on_disk.add(".".join(init.parent.relative_to(ROOT).parts))
    for top in ("commands", "projections"):
        for init in ROOT.glob(f"{top}/**/__init__.py"):
            on_disk.add(".".join(("troupe_es",) + init.parent.relative_to(ROOT).parts))
    assert on_disk == listed, f"pyproject.toml packages differ from the tree: {sorted(on_disk ^ listed)}"
    assert config["package-dir"] == {"troupe_es.commands": "commands", "troupe_es.projections": "projections"}
