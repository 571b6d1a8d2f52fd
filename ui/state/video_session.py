"""The Video page's per-session state: uploads saved and probed, the job under way, results.

Results stay in the browser session's memory, keyed by the file's hash and every
processing option (:class:`ResultKey`), so display options (joints, cursor, camera,
visibility threshold) never reprocess. Files go to a per-session temporary directory
that is deleted with the session.

Thread rules: only the session's script thread touches a :class:`VideoSession`; the
analysis itself runs on the server's :class:`~pose_core.video.VideoJobRunner`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from pathlib import Path
from typing import Protocol

from pose_core.bounded import BoundedDict
from pose_core.settings import DetectorSettings
from pose_core.smoothing import SmoothingParams
from pose_core.video import (
    VideoDecodeError,
    VideoInfo,
    VideoJob,
    VideoJobRunner,
    VideoLimits,
    VideoOptions,
    VideoResult,
    probe_video,
)
from ui.state.session import session_object

# Results kept per session (each holds its annotated video on disk and ~1 KB per
# person-frame in memory); the oldest go first.
MAX_RESULTS = 4
_STATE_KEY = "_video_session"


def choose_sample() -> None:
    """The sample clip button's callback. (Defined here, not in the page: Streamlit keeps
    a widget's callback for the session, and a page function would keep the page's
    globals, the video session among them, alive with it.)"""
    session = current()
    session.sample_chosen = True
    session.start_sample = True


class Upload(Protocol):
    """What the page needs of Streamlit's ``UploadedFile``."""

    file_id: str
    name: str

    def getvalue(self) -> bytes: ...


@dataclasses.dataclass(frozen=True)
class ResultKey:
    """Everything a result depends on: the file and the processing options."""

    digest: str
    settings: DetectorSettings
    stride: int
    max_side: int | None
    smoothing: SmoothingParams | None

    @classmethod
    def of(cls, digest: str, options: VideoOptions) -> ResultKey:
        """The key of ``options`` applied to the file with ``digest`` (the drawing
        style and limits do not change the landmarks)."""
        return cls(digest, options.settings, options.stride, options.max_side, options.smoothing)


@dataclasses.dataclass(frozen=True)
class Probe:
    """An upload saved to the session's folder and its header read.

    Attributes:
        path: The saved copy, or None if it could not be read as a video.
        info: What the header says, or None.
        error: The message for the user, or None.
    """

    path: Path | None
    info: VideoInfo | None
    error: str | None


@dataclasses.dataclass(frozen=True, eq=False)
class RunningJob:
    """The analysis under way: what it is for and the job to poll."""

    key: ResultKey
    job: VideoJob
    input_path: Path
    name: str


class VideoSession:
    """One browser session's clips, job and results."""

    def __init__(self) -> None:
        # Deleted when the session's state is dropped (its finaliser runs) or at exit.
        self._tmpdir = tempfile.TemporaryDirectory(prefix="posescope-video-")
        self.results: BoundedDict[ResultKey, VideoResult] = BoundedDict(
            MAX_RESULTS, on_evict=_delete_video
        )
        self._latest: dict[str, ResultKey] = {}  # digest -> the last result's key
        self.errors: dict[ResultKey, str] = {}
        self._digests: dict[str, str] = {}  # upload file id -> sha256
        self._probes: dict[str, Probe] = {}  # digest -> probe
        self.running: RunningJob | None = None
        self._runs = 0
        # Set by the sample clip's button: the sample is the clip (until an upload
        # comes), and it is analysed once, on the next run.
        self.sample_chosen = False
        self.start_sample = False

    @property
    def folder(self) -> Path:
        return Path(self._tmpdir.name)

    def digest(self, upload: Upload) -> str:
        """The upload's sha256 (hashed once per upload)."""
        if upload.file_id not in self._digests:
            self._digests[upload.file_id] = hashlib.sha256(upload.getvalue()).hexdigest()
        return self._digests[upload.file_id]

    def probe(self, upload: Upload, digest: str, limits: VideoLimits) -> Probe:
        """Save the upload to the session's folder and read its header (once per file)."""
        busy = self.running.input_path if self.running is not None else None
        # Only the current upload's copy is kept (and a running job's).
        for other in [d for d in self._probes if d != digest]:
            path = self._probes[other].path
            if path is not None and path != busy:
                path.unlink(missing_ok=True)
                del self._probes[other]
        if digest not in self._probes:
            suffix = Path(upload.name).suffix.lower()[:8] or ".bin"
            path = self.folder / f"input-{digest[:16]}{suffix}"
            path.write_bytes(upload.getvalue())
            try:
                self._probes[digest] = Probe(path, probe_video(path, limits), None)
            except VideoDecodeError as exc:
                path.unlink(missing_ok=True)
                self._probes[digest] = Probe(None, None, str(exc))
        return self._probes[digest]

    def shown(self, key: ResultKey) -> VideoResult | None:
        """The result for ``key``, else the latest one for the same file, else None."""
        result = self.results.get(key)
        if result is not None:
            return result
        latest = self._latest.get(key.digest)
        return self.results.get(latest) if latest is not None else None

    def start(
        self, runner: VideoJobRunner, key: ResultKey, options: VideoOptions, probe: Probe, name: str
    ) -> None:
        """Queue the analysis of a probed upload (``name`` is the file's, for display)."""
        assert probe.path is not None and probe.info is not None
        old = self.results.pop(key, None)
        if old is not None:
            _delete_video(key, old)
        self._runs += 1
        # A fresh name per run: an evicted result's file may be gone, a kept one must stay.
        out_path = self.folder / f"annotated-{key.digest[:12]}-{self._runs}.mp4"
        job = runner.submit(probe.path, options, out_path=out_path, info=probe.info)
        self.running = RunningJob(key, job, probe.path, name)

    def harvest(self) -> None:
        """Move a finished job's result (or error) into the session's results."""
        running = self.running
        if running is None:
            return
        status = running.job.status()
        if not status.finished:
            return
        self.running = None
        if status.result is not None:
            self._store(running.key, status.result)
        elif status.error is not None:
            error = status.error
            message = str(error) if isinstance(error, VideoDecodeError) else None
            self.errors[running.key] = message or f"Processing failed: {error}"

    def _store(self, key: ResultKey, result: VideoResult) -> None:
        self.results[key] = result
        self._latest[key.digest] = key


def _delete_video(_key: ResultKey, result: VideoResult) -> None:
    """An evicted result's annotated video goes with it."""
    if result.video_path is not None:
        result.video_path.unlink(missing_ok=True)


def current() -> VideoSession:
    """This browser session's :class:`VideoSession` (made on first use)."""
    return session_object(_STATE_KEY, VideoSession)
