"""One ONNX model under onnxruntime, loaded after its sha256 is checked.

onnxruntime is imported when the first model loads, not with ``pose_core``: pages that
never detect do not pay for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..models import verified_onnx_path

# Threads per inference. The machines this runs on have few cores, shared with the
# browser's video, the encoders and other sessions; MediaPipe's own graphs use one or
# two as well.
DEFAULT_THREADS = 2


class OnnxModel:
    """An onnxruntime session for one ONNX file.

    Thread-safe: onnxruntime sessions take concurrent ``run`` calls.

    Args:
        path: The model file.
        threads: onnxruntime's intra-op threads.
    """

    @classmethod
    def bundled(cls, name: str, *, threads: int = DEFAULT_THREADS) -> OnnxModel:
        """A model shipped in ``pose_core/models``, after its sha256 is checked against
        ``manifest.json`` (its key there is ``name``)."""
        return cls(verified_onnx_path(name), threads=threads)

    def __init__(self, path: Path, *, threads: int = DEFAULT_THREADS) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: no notices on the server log
        # Idle pool threads sleep rather than spin: the cores are shared with the video
        # codecs, the event loop and other sessions, and spinning burns them for nothing.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.path = path
        self._session: Any = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        inputs = self._session.get_inputs()
        if len(inputs) != 1:
            raise ValueError(f"{path.name}: expected one input, found {len(inputs)}")
        self.input_name: str = inputs[0].name
        self.input_shape: tuple[int | str, ...] = tuple(inputs[0].shape)
        self.output_shapes: dict[str, tuple[int, ...]] = {
            out.name: tuple(d if isinstance(d, int) else -1 for d in out.shape)
            for out in self._session.get_outputs()
        }

    def run(self, output_names: list[str] | None, batch: np.ndarray) -> list[np.ndarray]:
        """The named outputs (all when None) for one input batch."""
        outputs: list[np.ndarray] = self._session.run(output_names, {self.input_name: batch})
        return outputs
