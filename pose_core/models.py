"""The bundled pose models (``.task`` bundles, ONNX models) and their integrity check."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from .settings import MODEL_VARIANTS

MODELS_DIR = Path(__file__).resolve().parent / "models"
MANIFEST_PATH = MODELS_DIR / "manifest.json"
# The ONNX models for multi-person pose (see models/PROVENANCE.md): the two person
# detectors. (BlazePose's landmark model is read from the bundles.)
ONNX_MODELS = ("movenet_multipose", "nanodet")


class ModelFileError(RuntimeError):
    """A bundled model file is missing, unreadable or not the one recorded in the manifest."""


@functools.cache
def _manifest() -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads(MANIFEST_PATH.read_text())
        return manifest
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"Cannot read the model manifest {MANIFEST_PATH}: {exc}") from exc


def model_path(variant: str) -> Path:
    """Return the path of the ``.task`` bundle for ``variant`` (not checked)."""
    if variant not in MODEL_VARIANTS:
        raise ValueError(f"Unknown model variant {variant!r}; choose {', '.join(MODEL_VARIANTS)}")
    return MODELS_DIR / f"pose_landmarker_{variant}.task"


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@functools.cache
def _verified(path: Path, size: int, mtime_ns: int, expected: str) -> None:
    # Cached on size and mtime so each bundle is hashed once per process, not per load.
    actual = _sha256_of(path)
    if actual != expected:
        raise ModelFileError(
            f"Model file {path} is corrupted or was replaced: its sha256 is {actual}, "
            f"expected {expected}. Restore it from the repository (git checkout -- {path.name})."
        )


def _check(path: Path, expected: str) -> Path:
    try:
        stat = path.stat()
    except OSError as exc:
        raise ModelFileError(
            f"Model file {path} is missing ({exc.strerror}). It ships with the repository: "
            f"restore it with git checkout -- {path.name}."
        ) from exc
    _verified(path, stat.st_size, stat.st_mtime_ns, expected)
    return path


def verified_model_path(variant: str) -> Path:
    """Return the bundle path for ``variant`` after checking it against the manifest.

    Raises:
        ModelFileError: the file is missing, unreadable, or its sha256 differs from the
            one recorded in ``models/manifest.json``.
    """
    path = model_path(variant)
    try:
        expected = _manifest()["bundles"][variant]["sha256"]
    except KeyError as exc:
        raise ModelFileError(f"The model manifest has no entry for {variant!r}") from exc
    return _check(path, expected)


def verified_onnx_path(name: str) -> Path:
    """Return the path of the ONNX model ``name`` after checking it against the manifest.

    ``name`` is one of :data:`ONNX_MODELS`; the file name and sha256 come from the
    ``onnx`` section of ``models/manifest.json`` (written by
    ``tools/build_person_models.py``). Only the bytes are checked, so this needs no
    onnxruntime.

    Raises:
        ValueError: ``name`` is not a bundled ONNX model.
        ModelFileError: the manifest has no usable entry, or the file is missing,
            unreadable, or its sha256 differs from the recorded one.
    """
    if name not in ONNX_MODELS:
        raise ValueError(f"Unknown ONNX model {name!r}; choose {', '.join(ONNX_MODELS)}")
    try:
        entry = _manifest()["onnx"][name]
        filename, expected = str(entry["file"]), str(entry["sha256"])
    except (KeyError, TypeError) as exc:
        raise ModelFileError(f"The model manifest has no ONNX entry for {name!r}") from exc
    if Path(filename).name != filename or not filename.endswith(".onnx"):
        raise ModelFileError(f"The model manifest names {filename!r} for {name!r}")
    return _check(MODELS_DIR / filename, expected)
