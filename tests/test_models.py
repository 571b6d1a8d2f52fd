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
        ImageDetector(DetectorSettings(model_variant="lite"))


def test_missing_bundle_gives_a_clear_error_naming_the_file(models_copy) -> None:
    (models_copy / "pose_landmarker_heavy.task").unlink()
    with pytest.raises(ModelFileError, match=r"pose_landmarker_heavy\.task is missing"):
        models.verified_model_path("heavy")


def test_truncated_bundle_is_caught_before_mediapipe(models_copy) -> None:
    path = models_copy / "pose_landmarker_full.task"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ModelFileError, match="sha256"):
        models.verified_model_path("full")
