"""Rebuild the three MediaPipe pose landmarker ``.task`` bundles from registry packages.

The official ``pose_landmarker_{lite,full,heavy}.task`` files cannot be downloaded on
our machines, but their two TFLite models ship inside packages the registries serve:

* the npm package ``@mediapipe/pose@0.5.1675469404`` carries the three landmark models
  (``pose_landmark_{lite,full,heavy}.tflite``);
* the PyPI wheel ``mediapipe==0.10.21`` carries the pose detector
  (``mediapipe/modules/pose_detection/pose_detection.tflite``).

Those files have no TFLite metadata, which the Tasks API needs to know how to normalise
the input image, so this script adds it, then zips (stored, as the official bundles are)
``pose_detector.tflite`` and ``pose_landmarks_detector.tflite`` into one ``.task`` per
variant under ``pose_core/models/`` and rewrites the ``sources``, ``licence`` and ``bundles``
entries of ``pose_core/models/manifest.json`` (sha256 of every bundle, checked when the app
loads a model; other entries are kept).

Maintainer tool only; the app never runs it. Usage::

    python tools/build_models.py            # fetches both packages with npm and pip
    python tools/build_models.py --npm-tgz mediapipe-pose-0.5.1675469404.tgz \
        --wheel mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import struct
import subprocess
import sys
import tarfile
import tempfile
import types
import zipfile
from pathlib import Path

NPM_PACKAGE = "@mediapipe/pose@0.5.1675469404"
WHEEL_REQUIREMENT = "mediapipe==0.10.21"
DETECTOR_IN_WHEEL = "mediapipe/modules/pose_detection/pose_detection.tflite"
VARIANTS = ("lite", "full", "heavy")
OUT_DIR = Path(__file__).resolve().parent.parent / "pose_core" / "models"


def _install_metadata_version_shim() -> None:
    """Provide the compiled module that mediapipe 1.x's metadata writer imports.

    ``mediapipe.tasks.python.metadata`` imports
    ``mediapipe.tasks.cc.metadata.python._pywrap_metadata_version`` only to compute the
    minimum metadata parser version, and the 1.2.2 wheel does not ship it. The metadata
    we write uses nothing newer than schema 1.0.0 (image input, per-tensor normalization,
    feature outputs: no subgraph process units, tensor groups, custom metadata or
    vocabularies, which are what raise the version), so "1.0.0" is the right answer here.
    """
    import importlib.util

    name = "mediapipe.tasks.cc.metadata.python._pywrap_metadata_version"
    if name in sys.modules:
        return
    try:
        if importlib.util.find_spec(name) is not None:
            return  # a wheel that ships the real module: use it
    except ModuleNotFoundError:
        pass
    # The wheel lacks the whole `mediapipe.tasks.cc` package: register empty parents.
    parts = name.split(".")
    for depth in range(3, len(parts)):
        package = ".".join(parts[:depth])
        if package not in sys.modules:
            module = types.ModuleType(package)
            module.__path__ = []
            sys.modules[package] = module
    shim = types.ModuleType(name)
    # A module's attributes are not typed: set it as the real module would have it.
    shim.__dict__["GetMinimumMetadataParserVersion"] = lambda *_args, **_kwargs: "1.0.0"
    sys.modules[name] = shim
    setattr(sys.modules[".".join(parts[:-1])], parts[-1], shim)


def add_metadata(tflite: bytes, *, name: str, norm_mean: float, norm_std: float) -> bytes:
    """Return ``tflite`` with TFLite metadata: an RGB image input and feature outputs."""
    _install_metadata_version_shim()
    from mediapipe.tasks.metadata import schema_py_generated as schema_fb
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_info, metadata_writer

    model = schema_fb.Model.GetRootAsModel(bytearray(tflite), 0)
    n_outputs = model.Subgraphs(0).OutputsLength()

    writer = metadata_writer.MetadataWriter.create(bytearray(tflite))
    writer.add_general_info(model_name=name, model_description=f"{name} (PoseScope rebuild)")
    writer.add_image_input(
        norm_mean=[norm_mean],
        norm_std=[norm_std],
        color_space_type=metadata_info._metadata_fb.ColorSpaceType.RGB,
    )
    for _ in range(n_outputs):
        writer.add_feature_output()
    model_with_metadata, _json = writer.populate()
    # The writer owns a temporary folder that its __del__ removes; dropping it now keeps
    # that from running at interpreter shutdown, when `os` is already gone.
    del writer
    return bytes(model_with_metadata)


ALIGNMENT = 64
_ZIPALIGN_EXTRA_ID = 0xD935  # the extra-field id Android's zipalign uses for padding


def build_bundle(detector: bytes, landmarks: bytes) -> bytes:
    """Zip the two models (stored, not deflated) the way the Tasks API expects them.

    MediaPipe maps the bundle into memory and reads each model in place; a model whose
    data starts at an unaligned offset is copied to the heap first (with a warning). An
    extra field pads each local header so every model starts on a 64-byte boundary.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as bundle:
        for member, data in (
            ("pose_detector.tflite", detector),
            ("pose_landmarks_detector.tflite", landmarks),
        ):
            # A fixed timestamp keeps the bundle byte-for-byte reproducible.
            info = zipfile.ZipInfo(member, date_time=(2023, 2, 3, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            header_end = buffer.tell() + 30 + len(member.encode()) + 4
            padding = -header_end % ALIGNMENT
            info.extra = struct.pack("<HH", _ZIPALIGN_EXTRA_ID, padding) + bytes(padding)
            bundle.writestr(info, data)
    return buffer.getvalue()


def _fetch_sources(workdir: Path) -> tuple[Path, Path]:
    subprocess.run(["npm", "pack", NPM_PACKAGE], cwd=workdir, check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "-d",
            str(workdir),
            WHEEL_REQUIREMENT,
        ],
        check=True,
    )
    return next(workdir.glob("mediapipe-pose-*.tgz")), next(workdir.glob("mediapipe-0.10.21-*.whl"))


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    """The bytes of the file ``name`` in ``archive``."""
    extracted = archive.extractfile(name)
    if extracted is None:  # a folder or link, not a file
        raise ValueError(f"{name} in the archive is not a regular file")
    return extracted.read()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--npm-tgz", type=Path, help=f"`npm pack {NPM_PACKAGE}` tarball")
    parser.add_argument("--wheel", type=Path, help=f"`pip download {WHEEL_REQUIREMENT}` wheel")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        npm_tgz, wheel = args.npm_tgz, args.wheel
        if npm_tgz is None or wheel is None:
            npm_tgz, wheel = _fetch_sources(Path(tmp))
        with zipfile.ZipFile(wheel) as whl:
            raw_detector = whl.read(DETECTOR_IN_WHEEL)
        with tarfile.open(npm_tgz) as tgz:
            raw_landmarks = {v: _member(tgz, f"package/pose_landmark_{v}.tflite") for v in VARIANTS}

    # Detector input is [-1, 1]; landmark models take [0, 1] (MediaPipe's own graphs).
    detector = add_metadata(raw_detector, name="pose_detector", norm_mean=127.5, norm_std=127.5)
    bundles: dict[str, dict[str, object]] = {}
    manifest = {
        "sources": {
            "npm": NPM_PACKAGE,
            "pypi": WHEEL_REQUIREMENT,
            "detector": {"path": DETECTOR_IN_WHEEL, "sha256": sha256(raw_detector)},
            "landmarks": {
                v: {"path": f"package/pose_landmark_{v}.tflite", "sha256": sha256(raw)}
                for v, raw in raw_landmarks.items()
            },
        },
        "licence": "Apache-2.0 (MediaPipe models and code, Google LLC)",
        "bundles": bundles,
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for variant in VARIANTS:
        landmarks = add_metadata(
            raw_landmarks[variant],
            name=f"pose_landmarks_detector_{variant}",
            norm_mean=0.0,
            norm_std=255.0,
        )
        bundle = build_bundle(detector, landmarks)
        filename = f"pose_landmarker_{variant}.task"
        (args.out_dir / filename).write_bytes(bundle)
        bundles[variant] = {
            "file": filename,
            "bytes": len(bundle),
            "sha256": sha256(bundle),
        }
        print(f"{filename}: {len(bundle)} bytes, sha256 {sha256(bundle)}")
    # Keep what other tools recorded there (tools/build_person_models.py: the `onnx` key).
    manifest_path = args.out_dir / "manifest.json"
    if manifest_path.exists():
        manifest = {**json.loads(manifest_path.read_text()), **manifest}
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
