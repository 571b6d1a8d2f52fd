"""Video files: probe, decode, detect with tracking, draw, encode a browser-playable MP4.

Streamlit-free. One module a stage:

- :mod:`.errors`: what can go wrong, as messages for users (:class:`VideoDecodeError`);
- :mod:`.probe`: open a clip with the allowed demuxers, read and check its header;
- :mod:`.decode`: upright RGB frames at the analysis size, one at a time;
- :mod:`.encode`: the annotated frames as H.264 MP4 (or a WebM fallback);
- :mod:`.result`: the landmark tables over time (:class:`VideoResult`), also made by
  the live recorder;
- :mod:`.pipeline`: :func:`process_video`, the stages on three threads;
- :mod:`.jobs`: :class:`VideoJobRunner`, the pipeline in the background with progress
  and cancel.
"""

from .decode import DecodedFrame, analysis_size, iter_frames, read_frame_at
from .encode import ENCODERS, Encoder, VideoWriter, choose_encoder
from .errors import (
    EmptyVideoError,
    NotAVideoError,
    NoVideoStreamError,
    TruncatedVideoError,
    UnsupportedCodecError,
    VideoDecodeError,
    VideoEncodeError,
    VideoTooLargeError,
    VideoTooLongError,
)
from .jobs import DEFAULT_MAX_JOBS, JobStatus, VideoJob, VideoJobRunner
from .pipeline import ProgressCallback, VideoOptions, process_video
from .probe import (
    ALLOWED_DEMUXERS,
    DEFAULT_LIMITS,
    SUPPORTED_CONTAINERS,
    VideoInfo,
    VideoLimits,
    probe_video,
)
from .result import LandmarkRecorder, RecordedLandmarks, VideoResult

__all__ = [
    "ALLOWED_DEMUXERS",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_JOBS",
    "ENCODERS",
    "SUPPORTED_CONTAINERS",
    "DecodedFrame",
    "EmptyVideoError",
    "Encoder",
    "JobStatus",
    "LandmarkRecorder",
    "NoVideoStreamError",
    "NotAVideoError",
    "ProgressCallback",
    "RecordedLandmarks",
    "TruncatedVideoError",
    "UnsupportedCodecError",
    "VideoDecodeError",
    "VideoEncodeError",
    "VideoInfo",
    "VideoJob",
    "VideoJobRunner",
    "VideoLimits",
    "VideoOptions",
    "VideoResult",
    "VideoTooLargeError",
    "VideoTooLongError",
    "VideoWriter",
    "analysis_size",
    "choose_encoder",
    "iter_frames",
    "probe_video",
    "process_video",
    "read_frame_at",
]
