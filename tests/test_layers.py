"""Imports only go down: each folder of server/ is one layer, and no layer imports one above it.

From the bottom: lib/ (markdown, images, security, rate limits, time: nothing of the domain);
models/; realtime/ (the pure visibility rules and the protocol); services/; auth.py (who is
asking); live/ (delivery: hub, presence, brokers, transport, the caches, the /ws door); api/
(/api/v1); pages/ (HTML, which may use the API's dependencies); and app.py, which wires them
all. Every import counts, at module level or inside a function, under `TYPE_CHECKING` or not:
a function-level import is still a dependency, only a later one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LAYERS = {
    "server.lib": "lib",
    "server.models": "models",
    "server.realtime": "realtime",
    "server.services": "services",
    "server.auth": "auth",
    "server.live": "live",
    "server.api": "api",
    "server.pages": "pages",
    "server.app": "app",
}
# What each layer may not import: everything above it.
ORDER = ["lib", "models", "realtime", "services", "auth", "live", "api", "pages", "app"]
FORBIDDEN = {layer: set(ORDER[ORDER.index(layer) + 1 :]) for layer in ORDER}


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, root: Path) -> Iterator[tuple[int, str]]:
    """Every module `path` imports, with its line; `from a import b` yields `a.b` as well as `a`,
    since b may be a module (`from server.services import boards`)."""
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def layer_of(module: str) -> str | None:
    for prefix, layer in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


def violations(root: Path) -> list[str]:
    """`file:line: layer imports module (layer)` for each import that goes up."""
    found: dict[tuple[str, int, str], str] = {}  # one per import statement and layer reached
    for path in sorted((root / "server").rglob("*.py")):
        layer = layer_of(module_name(path, root))
        if layer is None:
            continue
        for line, module in imported(path, root):
            target = layer_of(module)
            if target in FORBIDDEN[layer]:
                key = (str(path.relative_to(root)), line, f"{layer} imports {{}} ({target})")
                found[key] = min(found.get(key, module), module, key=len)
    return [
        f"{name}:{line}: {what.format(module)}"
        for (name, line, what), module in sorted(found.items())
    ]


def service_graph(root: Path) -> dict[str, set[str]]:
    """Which service modules each service module imports, at any level."""
    services = root / "server" / "services"
    names = {path.stem for path in services.glob("*.py")} - {"__init__"}
    graph: dict[str, set[str]] = {name: set() for name in names}
    for name in names:
        for _, module in imported(services / f"{name}.py", root):
            head = module.removeprefix("server.services.").partition(".")[0]
            if module.startswith("server.services.") and head in names and head != name:
                graph[name].add(head)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for after in sorted(graph[node]):
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            group = []
            while (top := stack.pop()) != node:
                group.append(top)
            group.append(node)
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_imports_only_go_down() -> None:
    assert violations(ROOT) == []


def test_services_have_no_import_cycle() -> None:
    assert cycles(service_graph(ROOT)) == []


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_check_sees_every_spelling(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "server/__init__.py": "",
            "server/realtime/__init__.py": "",
            "server/realtime/a.py": "from server.services import boards\n",
            "server/realtime/b.py": "def f():\n    import server.live.hub\n",
            "server/realtime/c.py": "from ..api.deps import Viewer\n",
            "server/realtime/d.py": "from server import auth\n",
            "server/realtime/e.py": "from server.models import boards\nfrom . import log\n",
            "server/services/f.py": "from server.realtime import log\n",
            "server/models/g.py": "if True:\n    from server.realtime.audience import Scope\n",
        },
    )
    assert [line.split(": ", 1)[0] for line in violations(root)] == [
        "server/models/g.py:2",
        "server/realtime/a.py:1",
        "server/realtime/b.py:2",
        "server/realtime/c.py:1",
        "server/realtime/d.py:1",
    ]


def test_the_cycle_check_sees_function_level_imports(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "server/services/archive.py": "from server.services import state\n",
            "server/services/state.py": "from server.services.events import x\n",
            "server/services/events.py": "def f():\n    from server.services import archive\n",
            "server/services/room.py": "from server.services import events\n",
        },
    )
    assert cycles(service_graph(root)) == [["archive", "events", "state"]]
