"""The install is headless and deterministic: one cv2, the locked versions, no GUI libs.

The lock (requirements*.txt, written by tools/lock.sh) must also match pyproject.toml.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from testkit.fixtures import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# mediapipe declares it; the lock leaves it out for the headless build (tools/lock-excludes.txt).
REPLACED_OPENCV = "opencv-contrib-python"
HEADLESS_OPENCV = "opencv-python-headless"


def locked(name: str) -> dict[str, Requirement]:
    """Canonical name -> requirement for each entry of a lock file, hashes stripped."""
    text = (ROOT / name).read_text().replace("\\\n", " ")
    result = {}
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        requirement = Requirement(re.sub(r"\s--hash=\S+", "", line))
        result[canonicalize_name(requirement.name)] = requirement
    return result


def pinned_version(requirement: Requirement) -> str:
    (specifier,) = requirement.specifier
    assert specifier.operator == "==", requirement
    return specifier.version


def applies(requirement: Requirement) -> bool:
    return requirement.marker is None or requirement.marker.evaluate()


def test_installed_versions_are_the_pinned_ones() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        for package, requirement in locked(name).items():
            if applies(requirement):
                assert metadata.version(package) == pinned_version(requirement), package


def test_only_the_headless_opencv_is_installed() -> None:
    installed = {canonicalize_name(d.metadata["Name"]) for d in metadata.distributions()}
    opencv = {name for name in installed if name.startswith("opencv")}
    assert opencv == {HEADLESS_OPENCV}


@pytest.mark.slow
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
    cv2_dir = Path(metadata.distribution(HEADLESS_OPENCV).locate_file("cv2"))
    for library in cv2_dir.rglob("*.so*"):
        linked = subprocess.run(["ldd", str(library)], capture_output=True, text=True).stdout
        assert "libGL.so" not in linked, library


def test_the_only_unmet_declared_dependency_is_the_replaced_opencv() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    # "NAME VERSION requires REQ, which is not installed." or
    # "NAME VERSION has requirement REQ, but you have ..."
    pattern = re.compile(r"(\S+) \S+ (?:requires|has requirement) ([A-Za-z0-9._-]+)")
    complaints = set()
    for line in proc.stdout.splitlines():
        if line.strip():
            match = pattern.match(line)
            assert match, line
            complaints.add((canonicalize_name(match[1]), canonicalize_name(match[2])))
    assert complaints <= {("mediapipe", REPLACED_OPENCV)}, proc.stdout


def test_the_lock_satisfies_pyproject() -> None:
    runtime = locked("requirements.txt")
    dev = locked("requirements-dev.txt")
    groups = PYPROJECT["dependency-groups"]
    expected = [
        (PYPROJECT["project"]["dependencies"], runtime),
        (groups["build"], runtime),
        (PYPROJECT["build-system"]["requires"], runtime),
        (groups["dev"], dev),
    ]
    for declared, lock in expected:
        for text in declared:
            requirement = Requirement(text)
            pin = lock.get(canonicalize_name(requirement.name))
            assert pin is not None, f"{requirement.name} is not locked: run bash tools/lock.sh"
            version = pinned_version(pin)
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{requirement.name}=={version} does not satisfy {text!r}: run bash tools/lock.sh"
            )
    # A package in both files has one version (requirements.txt constrains the dev lock).
    for package in runtime.keys() & dev.keys():
        assert pinned_version(runtime[package]) == pinned_version(dev[package]), package


def test_the_lock_swaps_contrib_opencv_for_headless() -> None:
    runtime = locked("requirements.txt")
    assert HEADLESS_OPENCV in runtime
    for name in ("requirements.txt", "requirements-dev.txt"):
        assert REPLACED_OPENCV not in locked(name), name
    # The swap is only needed because mediapipe asks for contrib: keep it that way.
    mediapipe = metadata.distribution("mediapipe").requires or []
    assert REPLACED_OPENCV in {canonicalize_name(Requirement(r).name) for r in mediapipe}


def test_every_locked_requirement_has_hashes() -> None:
    # pip then installs in hash-checking mode: the files are checked, not only the names.
    for name in ("requirements.txt", "requirements-dev.txt"):
        entries = (ROOT / name).read_text().replace("\\\n", " ").splitlines()
        entries = [line for line in entries if line and not line.startswith(("#", " "))]
        assert entries, name
        for line in entries:
            assert "--hash=sha256:" in line, line


def test_the_posescope_command_runs() -> None:
    script = Path(sys.executable).parent / "posescope"
    if not script.exists():
        pytest.skip(f"{script} is not installed (scripts/setup_venv.sh installs it)")
    proc = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, cwd="/", check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "detect" in proc.stdout
