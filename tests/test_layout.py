"""The test suite's own layout: shared builders live in helper modules, never in a test module."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def is_test_module(dotted: str) -> bool:
    return dotted.rsplit(".", 1)[-1].startswith("test_")


def imported_test_modules(path: Path) -> list[str]:
    """The test modules `path` imports, whichever way it spells the import."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if is_test_module(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if node.module and is_test_module(node.module):
                found.append(module)
            else:  # `from tests.api import test_boards`
                prefix = module if module.endswith(".") else module + "."
                found += [prefix + a.name for a in node.names if is_test_module(a.name)]
    return found


def test_no_module_imports_a_test_module() -> None:
    """Not a test module, nor a conftest or helper: a test module is collected, never shared."""
    offenders = {
        str(path.relative_to(TESTS.parent)): imports
        for path in sorted(TESTS.rglob("*.py"))
        if (imports := imported_test_modules(path))
    }
    assert offenders == {}, "move shared builders into tests/factories.py or a helper module"


def test_the_check_sees_every_spelling(tmp_path: Path) -> None:
    module = tmp_path / "test_example.py"
    module.write_text(
        "from tests.services.test_boards import make_board\n"
        "from tests.api import test_boards, helpers\n"
        "import tests.pages.test_public\n"
        "from tests.factories import make_world\n"
        "from . import test_local\n"
    )
    assert imported_test_modules(module) == [
        "tests.services.test_boards",
        "tests.api.test_boards",
        "tests.pages.test_public",
        ".test_local",
    ]
