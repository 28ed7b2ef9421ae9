"""No page changes a cached loader's frame in place: st.cache_data hands out copies today, but a page
that writes into one reads as if it changed the cache, and breaks under copy-free caching."""

from __future__ import annotations

import ast

from cashless.settings import ROOT

DASHBOARD = ROOT / "dashboard"


def _cached_loaders() -> set[str]:
    tree = ast.parse((DASHBOARD / "data.py").read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any("cache_data" in ast.unparse(d) for d in node.decorator_list)
    }


def in_place_changes(source: str, loaders: set[str]) -> list[str]:
    """`name[...] = ...`, `name.attr = ...` or `name.method(..., inplace=True)` where `name` holds a
    cached loader's result (`name = data.loader(...)`, never rebound to a copy in between)."""
    cached: set[str] = set()
    found = []
    nodes = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Assign | ast.Call)]
    for node in sorted(nodes, key=lambda n: (n.lineno, n.col_offset)):  # in source order
        if isinstance(node, ast.Assign):
            call = node.value
            is_loader = (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Name)
                and call.func.value.id == "data"
                and call.func.attr in loaders
            )
            for target in node.targets:
                if isinstance(target, ast.Name):
                    (cached.add if is_loader else cached.discard)(target.id)
                elif (
                    isinstance(target, ast.Subscript | ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in cached
                ):
                    found.append(ast.unparse(target))
        elif isinstance(node, ast.Call) and any(
            k.arg == "inplace" and ast.unparse(k.value) == "True" for k in node.keywords
        ):
            owner = node.func.value if isinstance(node.func, ast.Attribute) else None
            if isinstance(owner, ast.Name) and owner.id in cached:
                found.append(ast.unparse(node))
    return found


def test_the_check_finds_a_change_in_place():
    source = 'runs = data.load_history(viewer)\nruns["x"] = 1\nruns.sort_values("x", inplace=True)\n'
    assert in_place_changes(source, {"load_history"}) == ["runs['x']", "runs.sort_values('x', inplace=True)"]
    copied = 'runs = data.load_history(viewer)\nruns = runs.assign(x=1)\nruns["y"] = 2\n'
    assert in_place_changes(copied, {"load_history"}) == []
    nested = 'with tab:\n    effects = data.list_effects(viewer, None)\n    effects["office"] = 1\n'
    assert in_place_changes(nested, {"list_effects"}) == ["effects['office']"]


def test_no_page_changes_a_cached_frame_in_place():
    loaders = _cached_loaders()
    assert {"load_history", "target_status", "list_effects", "latest_scored"} <= loaders
    changes = {
        page.name: found
        for page in sorted((DASHBOARD / "views").glob("*.py"))
        if (found := in_place_changes(page.read_text(encoding="utf-8"), loaders))
    }
    assert changes == {}
