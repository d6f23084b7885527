"""Every plugin and adapter is a real distribution: metadata, entry point, README, tests."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
DISTRIBUTIONS = sorted(
    path.parent
    for pattern in ("plugins/*/pyproject.toml", "adapters/*/pyproject.toml")
    for path in ROOT.glob(pattern)
)


def test_there_is_at_least_one_plugin() -> None:
    assert DISTRIBUTIONS, "plugins/ and adapters/ hold no distribution"


@pytest.mark.parametrize("root", DISTRIBUTIONS, ids=lambda p: p.name)
def test_distribution_is_complete(root: Path) -> None:
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"].startswith(("medins-plugin-", "medins-adapter-"))
    assert "version" in project or "version" in project.get("dynamic", [])
    assert any(dep.startswith("medins-sdk") for dep in project["dependencies"])
    assert project["entry-points"]["medins_sdk"], "no entry point in group medins_sdk"
    assert (root / "README.md").is_file()
    assert list((root / "tests").glob("test_*.py")), "no tests"


def test_core_depends_on_little() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = sorted(dep.split(">")[0].split("=")[0].split("<")[0] for dep in project["dependencies"])
    assert names == ["pluggy", "pydantic"]
    assert project["optional-dependencies"]["testing"] == ["hypothesis>=6.100"]
