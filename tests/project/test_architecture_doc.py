"""The architecture page (docs/architecture.md) is held against the tree: a path it names
that no longer exists, or a package of the app or the core it leaves out, fails here."""

from __future__ import annotations

import re

from testkit.fixtures import ROOT

PAGE = ROOT / "docs" / "architecture.md"
# Folders whose every package (a folder with an __init__.py) the page names.
DESCRIBED = ("pose_core", "ui", "app_pages", "deploy", "testkit")
# Folders whose every module the page names (the core's sub-packages are described as a
# whole, in a row each; its top-level modules one by one).
LISTED = ("ui", "app_pages", "deploy")


def _named_paths(text: str) -> set[str]:
    """Backticked names that look like paths of ours: `ui/server/`, `deploy/lan.py`."""
    names = set(re.findall(r"`([A-Za-z_.][\w./-]*)`", text))
    return {n for n in names if "/" in n and "..." not in n and not n.startswith("http")}


def _resolve(name: str) -> bool:
    """A named path exists at the root, or (a bare file name in a package's row) inside
    the package the row is about."""
    if (ROOT / name).exists():
        return True
    return any((ROOT / folder / name).exists() for folder in DESCRIBED)


def test_every_path_the_page_names_exists() -> None:
    text = PAGE.read_text()
    missing = sorted(n for n in _named_paths(text) if not _resolve(n))
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_every_package_and_module_of_the_app_and_the_core_is_on_the_page() -> None:
    text = PAGE.read_text()
    unnamed = []
    for folder in DESCRIBED:
        for package in sorted(p.parent for p in (ROOT / folder).rglob("__init__.py")):
            relative = package.relative_to(ROOT).as_posix()
            if f"`{relative}/`" not in text and package.name != folder:
                unnamed.append(relative + "/")
    modules = [m for folder in LISTED for m in (ROOT / folder).rglob("*.py")]
    modules += list((ROOT / "pose_core").glob("*.py"))
    for module in sorted(modules):
        if module.name != "__init__.py" and f"`{module.name}`" not in text:
            unnamed.append(module.relative_to(ROOT).as_posix())
    assert not unnamed, f"docs/architecture.md does not describe: {unnamed}"


def test_the_page_finds_a_missing_path() -> None:
    # The check above can fail: a made-up path is reported.
    text = "`ui/nowhere/` and `pose_core/detector.py`"
    assert [n for n in _named_paths(text) if not _resolve(n)] == ["ui/nowhere/"]
