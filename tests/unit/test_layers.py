"""The house's rules, checked: every module has a layer (an import contract names it), the
contracts hold (`lint-imports`, also a step of `python -m tests`), and the wheel that
`pip install` builds carries every module, sub-packages included."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "commands", "store")
# Composition roots may import anything; they are the only modules no contract restricts.
ROOTS = {"bot.__main__", "bot.app", "bot.cli", "bot.admin"}


def modules() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return list(config["tool"]["importlinter"]["contracts"])


def placed(module: str, named: set[str]) -> bool:
    parts = module.split(".")
    return any(".".join(parts[:i]) in named for i in range(1, len(parts) + 1))


def test_every_module_has_a_layer():
    named: set[str] = set()
    for contract in contracts():
        for key in ("source_modules", "protected_modules"):
            named |= set(contract.get(key, ()))  # type: ignore[arg-type]
    homeless = sorted(
        m for m in modules() if m not in ROOTS and m not in PACKAGES and not placed(m, named)
    )
    assert homeless == [], f"name these in an import contract in pyproject.toml: {homeless}"


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_wheel_carries_every_module(tmp_path: Path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("warmline-*.whl"))
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    # Every source file is in the wheel; every module but `__main__` (which runs) imports.
    inside = set(zipfile.ZipFile(wheel).namelist())
    files = {str(f.relative_to(ROOT)) for pkg in PACKAGES for f in (ROOT / pkg).rglob("*.py")}
    assert files <= inside, sorted(files - inside)
    wanted = sorted(m for m in modules() if not m.endswith("__main__"))
    probe = (
        "import importlib, sys\n"
        f"for name in {wanted!r}:\n"
        "    module = importlib.import_module(name)\n"
        f"    assert module.__file__.startswith({str(site)!r}), (name, module.__file__)\n"
    )
    # From the unpacked wheel only: not the source tree (cwd), not the editable install.
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
