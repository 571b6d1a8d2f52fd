"""BlazePose's landmark model under LiteRT, read straight from a verified ``.task`` bundle.

The bundle's ``pose_landmarks_detector.tflite`` runs here with LiteRT's XNNPACK
delegate, the runtime MediaPipe itself runs it with: the same kernels, so the same
numbers as PoseLandmarker for the same crop, and faster than the model converted to
ONNX under onnxruntime (docs/multi-person.md). Nothing is unpacked to disk: the
bytes come from the bundle whose sha256 was just checked.

LiteRT is imported when the first model loads, not with ``pose_core``.
"""

from __future__ import annotations

import zipfile
from typing import Any

import numpy as np

from ..models import ModelFileError, verified_model_path
from .onnx import DEFAULT_THREADS

LANDMARK_MEMBER = "pose_landmarks_detector.tflite"


def bundled_landmark_model(variant: str) -> bytes:
    """The landmark model's bytes from the ``variant`` bundle, after its sha256 check."""
    path = verified_model_path(variant)
    try:
        with zipfile.ZipFile(path) as bundle:
            return bundle.read(LANDMARK_MEMBER)
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise ModelFileError(f"Cannot read {LANDMARK_MEMBER} from {path}: {exc}") from exc


class LiteRtModel:
    """One TFLite model with a batch of one under LiteRT.

    Not thread-safe: a LiteRT interpreter takes one call at a time (the landmark model's
    users hold a lock).

    Args:
        content: The ``.tflite`` flatbuffer.
        threads: XNNPACK's threads.
    """

    def __init__(self, content: bytes, *, threads: int = DEFAULT_THREADS) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self._interpreter: Any = Interpreter(model_content=content, num_threads=threads)
        self._interpreter.allocate_tensors()
        (source,) = self._interpreter.get_input_details()
        self._input_index: int = source["index"]
        self.input_shape: tuple[int, ...] = tuple(int(d) for d in source["shape"])
        outputs = self._interpreter.get_output_details()
        self._output_index: dict[str, int] = {out["name"]: out["index"] for out in outputs}
        self.output_shapes: dict[str, tuple[int, ...]] = {
            out["name"]: tuple(int(d) for d in out["shape"]) for out in outputs
        }

    def run(self, output_names: list[str], batch: np.ndarray) -> list[np.ndarray]:
        """The named outputs for a batch, one invocation per item (a batched call took
        as long as the items one by one under XNNPACK, and needs re-allocating the
        tensors whenever the batch size changes)."""
        results: list[list[np.ndarray]] = [[] for _ in output_names]
        for item in batch:
            self._interpreter.set_tensor(self._input_index, item[None])
            self._interpreter.invoke()
            for k, name in enumerate(output_names):
                results[k].append(self._interpreter.get_tensor(self._output_index[name]))
        return [np.concatenate(parts) for parts in results]
