"""The vendored MediaPipe Tasks Vision runtime (``ui/ondevice/frontend/vendor/``): every
file is the one its provenance record names, and the record agrees with the tool that
rebuilds it."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from tools import vendor_tasks_vision as tool

VENDOR = tool.OUT
MANIFEST = json.loads((VENDOR / "manifest.json").read_text())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", tool.FILES)
def test_every_vendored_file_matches_its_record(name):
    record = MANIFEST["files"][name]
    path = VENDOR / name
    assert path.stat().st_size == record["bytes"]
    assert _sha256(path) == record["sha256"]
    # The human-readable record names the same hash.
    assert record["sha256"] in (VENDOR / "PROVENANCE.md").read_text()


def test_the_record_names_the_package_the_tool_fetches():
    assert (MANIFEST["package"], MANIFEST["version"]) == (tool.PACKAGE, tool.VERSION)
    assert MANIFEST["tarball_sha256"] == tool.TARBALL_SHA256
    assert set(MANIFEST["files"]) == set(tool.FILES)
    provenance = (VENDOR / "PROVENANCE.md").read_text()
    assert tool.TARBALL_SHA256 in provenance and "Apache-2.0" in provenance


def test_the_licence_is_apache_2_and_recorded():
    licence = VENDOR / "LICENSE"
    assert _sha256(licence) == MANIFEST["licence_file"]["sha256"] == tool.LICENSE_SHA256
    assert "Apache License" in licence.read_text() and "Version 2.0" in licence.read_text()


def test_nothing_unrecorded_is_vendored():
    kept = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    assert kept == {*tool.FILES, "LICENSE", "manifest.json", "PROVENANCE.md"}


def test_both_wasm_builds_are_there_for_the_resolver():
    # FilesetResolver builds the names from "vision", "wasm", "_nosimd" and "_internal":
    # the SIMD build where the browser has SIMD, the other one elsewhere.
    bundle = (VENDOR / "vision_bundle.mjs").read_text()
    naming = r'wasm\$\{r\?"_module":""\}\$\{await \w+\(r\)\?"":"_nosimd"\}_internal'
    assert re.search(naming, bundle)
    for build in ("vision_wasm_internal", "vision_wasm_nosimd_internal"):
        assert (VENDOR / "wasm" / f"{build}.js").exists()
        assert (VENDOR / "wasm" / f"{build}.wasm").read_bytes()[:4] == b"\0asm"
