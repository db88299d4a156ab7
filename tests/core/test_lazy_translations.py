"""No text is translated at import time: a label looked up then stays in the language of whoever
imported the module first (the exchange-rate form's labels stayed English)."""

import ast
from pathlib import Path

import tillit

EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def _eager_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            names |= {alias.asname or alias.name for alias in node.names if alias.name in EAGER}
    return names


def _import_time_calls(tree: ast.Module, names: set[str]):
    """Calls to ``names`` that run when the module is imported (not inside a function or lambda)."""
    stack = [(child, False) for child in ast.iter_child_nodes(tree)]
    while stack:
        node, deferred = stack.pop()
        deferred = deferred or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        if (not deferred and isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in names):
            yield node.lineno
        stack.extend((child, deferred) for child in ast.iter_child_nodes(node))


def test_no_text_is_translated_at_import_time():
    root = Path(tillit.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), str(path))
        names = _eager_names(tree)
        found += [f"{path.relative_to(root)}:{line}" for line in _import_time_calls(tree, names)]
    assert found == [], "gettext at import time (use gettext_lazy): " + ", ".join(found)
