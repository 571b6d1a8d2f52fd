"""The install is headless and deterministic: one cv2, the pinned versions, no GUI libs."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pins(name: str) -> dict[str, str]:
    result = {}
    for line in (ROOT / name).read_text().splitlines():
        if line and not line.startswith("#"):
            package, version = line.split("==")
            result[package] = version
    return result


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_installed_versions_are_the_pinned_ones() -> None:
    for package, version in {**pins("requirements.txt"), **pins("requirements-dev.txt")}.items():
        assert metadata.version(package) == version, package


def test_only_the_headless_opencv_is_installed() -> None:
    installed = {canonical(d.metadata["Name"]) for d in metadata.distributions()}
    opencv = {name for name in installed if name.startswith("opencv")}
    assert opencv == {"opencv-python-headless"}


def test_cv2_imports_without_gui_libraries() -> None:
    # In a fresh interpreter: a cv2 built with GUI support pulls in libGL at import time,
    # which servers don't have.
    code = (
        "import cv2, mediapipe, pose_core;"
        "info = cv2.getBuildInformation();"
        "gui = [l for l in info.splitlines() if l.strip().startswith('GUI:')];"
        "print(gui[0].split(':')[1].strip())"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert proc.stdout.strip() == "NONE"
    cv2_dir = Path(metadata.distribution("opencv-python-headless").locate_file("cv2"))
    for library in cv2_dir.rglob("*.so*"):
        linked = subprocess.run(["ldd", str(library)], capture_output=True, text=True).stdout
        assert "libGL.so" not in linked, library


def test_the_only_unmet_declared_dependency_is_the_replaced_opencv() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    problems = [line for line in proc.stdout.splitlines() if line.strip()]
    assert problems == ["mediapipe 1.2.2 requires opencv-contrib-python, which is not installed."]
