"""The import direction: entry points over services over storage over core, never sideways."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "preditiva"
BELOW = {
    "core": set(),
    "storage": {"core"},
    "ml": {"core"},
    "data": {"core"},
    "reports": {"core"},
    "services": {"core", "storage", "ml", "data", "reports"},
    "api": {"core", "storage", "services"},
    "tasks": {"core", "storage", "services"},
    "web": {"core", "storage", "services"},
    "cli": {"core", "storage", "services"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name for name in names if name.startswith("preditiva.")}


def _layers_on_disk() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())


def test_every_layer_on_disk_has_a_rule() -> None:
    assert set(_layers_on_disk()) <= set(BELOW)


@pytest.mark.parametrize("layer", _layers_on_disk())
def test_layer_imports_only_itself_and_layers_below(layer: str) -> None:
    allowed = BELOW[layer] | {layer}
    offences = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for name in sorted(_imports(path))
        if name.split(".")[1] not in allowed
    ]
    assert offences == []
