"""The one-way layers contract (pyproject.toml) holds, and lint-imports really fails on a wrong-way import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["cashless", "warehouse", "etl", "models", "dashboard", "cli"]
LINT = [
    sys.executable,
    "-c",
    "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
]


def _lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        LINT,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(folder), "PATH": ""},
    )


def test_the_layers_contract_is_kept():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_a_wrong_way_import_breaks_the_contract(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    planted = tmp_path / "warehouse" / "metrics.py"
    planted.write_text(
        planted.read_text() + "\nfrom etl import load  # planted: warehouse must not know etl\n"
    )
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "warehouse.metrics -> etl.load" in result.stdout
