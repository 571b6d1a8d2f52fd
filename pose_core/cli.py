"""Command line: ``python -m pose_core detect IMAGE [IMAGE ...]`` and
``python -m pose_core export VIDEO [VIDEO ...] --bvh --trc`` (motion files per person).

Writes one JSON object per input image per line (JSON Lines) on stdout::

    {"image": PATH, "width": W, "height": H, "poses": [{"landmarks": [...33...],
     "world_landmarks": [...33...]}]}

or ``{"image": PATH, "error": MESSAGE}`` for an input it cannot read. Exit status: 0 when
every input was read (with or without a person found), 1 when any input failed, 2 on
bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2

# `python -m pose_core` has imported the package (with OpenCV) before this module runs,
# so there is nothing to gain from importing these lazily; MediaPipe itself is imported
# when the first detector is made.
from .defaults import recommended
from .detector import ImageDetector
from .drawing import DrawingStyle, draw_poses
from .imageio import ImageDecodeError, decode_image, rgb_to_bgr
from .models import ModelFileError
from .settings import (
    DEFAULT_PERSON_CONFIDENCE,
    MAX_NUM_POSES,
    MODEL_VARIANTS,
    PERSON_DETECTORS,
    DetectorSettings,
)

EXIT_OK, EXIT_INPUT_FAILED, EXIT_USAGE = 0, 1, 2
# The options default to what the app's settings panel starts from.
DEFAULTS = recommended()

_EPILOG = """\
output (stdout, one JSON object per input image, per line):
  {"image": PATH, "width": W, "height": H,
   "poses": [{"landmarks": [{"name", "x", "y", "z", "visibility", "presence"} x33],
              "world_landmarks": [{"name", "x", "y", "z"} x33]}]}
  x and y are normalised to the image width and height; z is depth relative to the
  hips on about the scale of x; world landmarks are metres from the centre of the hips.
  An input that cannot be read gives {"image": PATH, "error": MESSAGE}; no person gives
  "poses": [].

exit status:
  0  every input was read (with or without a person found)
  1  at least one input could not be read, or the models could not be loaded
  2  bad usage

example:
  python -m pose_core detect photo.jpg --model heavy --num-poses 3 --output-dir out/
"""


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def _num_poses(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_NUM_POSES:
        raise argparse.ArgumentTypeError(f"{text} is not between 1 and {MAX_NUM_POSES}")
    return value


_EXPORT_EPILOG = """\
output: for each video and each person found, NAME_personN.bvh and/or NAME_personN.trc in
  the output folder, and one JSON line per video on stdout:
  {"video": PATH, "files": [PATH, ...], "people": N, "warnings": [...]} or
  {"video": PATH, "error": MESSAGE}.
  BVH: y up, centimetres, ZXY Euler angles, T-pose rest; TRC: millimetres, OpenSim
  axes (X towards the camera, Y up). See the README's "Motion export" section.

exit status: 0 every video was exported (a video with nobody gives no file), 1 one could
  not be read, 2 bad usage.

example:
  python -m pose_core export clip.mp4 --bvh --trc --smooth --output-dir out/
"""


def _add_detector_options(parser: argparse.ArgumentParser) -> None:
    d = DEFAULTS.detector
    parser.add_argument(
        "--model",
        choices=MODEL_VARIANTS,
        default=d.model_variant,
        help="model variant: lite is fastest, heavy most accurate (default: %(default)s)",
    )
    parser.add_argument(
        "--num-poses",
        type=_num_poses,
        default=d.num_poses,
        metavar="N",
        help=f"most people to find (1-{MAX_NUM_POSES}, default: %(default)s)",
    )
    parser.add_argument(
        "--person-detector",
        choices=PERSON_DETECTORS,
        default=d.person_detector,
        help="who finds the people: MediaPipe's built-in, face-based detector, or MoveNet "
        "or NanoDet run top-down, which also find people in groups and seen from behind "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--min-person-confidence",
        type=_probability,
        metavar="F",
        help="MoveNet's or NanoDet's score needed, 0-1 (default: "
        f"{DEFAULT_PERSON_CONFIDENCE['movenet']:g} for MoveNet, "
        f"{DEFAULT_PERSON_CONFIDENCE['nanodet']:g} for NanoDet)",
    )
    parser.add_argument(
        "--min-pose-detection-confidence",
        type=_probability,
        default=d.min_pose_detection_confidence,
        metavar="F",
        help="MediaPipe's person detector score needed, 0-1 (default: %(default)s)",
    )
    parser.add_argument(
        "--min-pose-presence-confidence",
        type=_probability,
        default=d.min_pose_presence_confidence,
        metavar="F",
        help="landmark model presence score needed, 0-1 (default: %(default)s)",
    )


def _add_export_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export",
        help="export the motion of videos as BVH (Blender, Unity) and TRC (OpenSim)",
        description="Analyse each video and write each person's motion as BVH and/or TRC.",
        epilog=_EXPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("videos", nargs="+", metavar="VIDEO", help="MP4, MOV, WebM, AVI, MKV")
    export.add_argument("--bvh", action="store_true", help="write BVH files")
    export.add_argument("--trc", action="store_true", help="write TRC files")
    export.add_argument(
        "--output-dir", type=Path, default=Path("."), metavar="DIR", help="where (default: .)"
    )
    export.add_argument(
        "--smooth",
        action="store_true",
        help=f"One Euro smoothing before export (min cut-off {DEFAULTS.smoothing.min_cutoff:g} "
        f"Hz, beta {DEFAULTS.smoothing.beta:g}, as the app starts with)",
    )
    export.add_argument(
        "--root-translation",
        action="store_true",
        help="move the root with the hips' image position (default: stays on the spot)",
    )
    export.add_argument(
        "--bvh-units", choices=("cm", "m"), default="cm", help="BVH lengths (default: cm)"
    )
    export.add_argument(
        "--stride", type=_num_poses, default=1, metavar="N", help="analyse every N-th frame"
    )
    export.add_argument(
        "--visibility-threshold",
        type=_probability,
        default=DEFAULTS.visibility_threshold,
        metavar="F",
        help="frames less visible than this are interpolated (default: %(default)s)",
    )
    _add_detector_options(export)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posescope",
        description="PoseScope: offline human pose estimation (MediaPipe Pose Landmarker).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    detect = commands.add_parser(
        "detect",
        help="detect body landmarks in images",
        description="Detect the 33 body landmarks of each person in each image.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    detect.add_argument(
        "images", nargs="+", metavar="IMAGE", help="JPEG, PNG, WebP, BMP, TIFF, GIF"
    )
    _add_detector_options(detect)
    detect.add_argument(
        "--output-dir",
        type=Path,
        metavar="DIR",
        help="also write each annotated image there as NAME.pose.png",
    )
    detect.add_argument(
        "--visibility-threshold",
        type=_probability,
        default=DEFAULTS.visibility_threshold,
        metavar="F",
        help="in annotated images, dim landmarks less visible than this (default: %(default)s)",
    )
    _add_export_parser(commands)
    return parser


def _annotated_path(output_dir: Path, image: str, used: set[Path]) -> Path:
    stem = Path(image).stem or "image"
    candidate = output_dir / f"{stem}.pose.png"
    n = 1
    while candidate in used:  # same file name from two folders: don't overwrite
        n += 1
        candidate = output_dir / f"{stem}-{n}.pose.png"
    used.add(candidate)
    return candidate


def _settings(args: argparse.Namespace) -> DetectorSettings:
    # What the options do not set (the tracking confidence) stays as recommended.
    return DEFAULTS.detector.replace(
        model_variant=args.model,
        num_poses=args.num_poses,
        min_pose_detection_confidence=args.min_pose_detection_confidence,
        min_pose_presence_confidence=args.min_pose_presence_confidence,
        person_detector=args.person_detector,
        min_person_confidence=(
            DEFAULT_PERSON_CONFIDENCE[args.person_detector]
            if args.min_person_confidence is None
            else args.min_person_confidence
        ),
    )


def run_detect(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.output_dir is not None:
        try:
            args.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            print(f"error: cannot create {args.output_dir}: {exc.strerror}", file=sys.stderr)
            return EXIT_USAGE
    try:
        detector = ImageDetector(settings)
    except ModelFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT_FAILED

    status = EXIT_OK
    used: set[Path] = set()
    with detector:
        for image in args.images:
            try:
                rgb_image = decode_image(image)
            except ImageDecodeError as exc:
                _emit({"image": image, "error": str(exc)})
                status = EXIT_INPUT_FAILED
                continue
            result = detector.detect(rgb_image)
            record = result.to_json_dict()
            _emit(
                {
                    "image": image,
                    "width": record["width"],
                    "height": record["height"],
                    "poses": record["poses"],
                }
            )
            if args.output_dir is not None:
                annotated = draw_poses(
                    rgb_image, result, DrawingStyle(visibility_threshold=args.visibility_threshold)
                )
                target = _annotated_path(args.output_dir, image, used)
                if not cv2.imwrite(str(target), rgb_to_bgr(annotated)):
                    print(f"error: could not write {target}", file=sys.stderr)
                    status = EXIT_INPUT_FAILED
    return status


def run_export(args: argparse.Namespace) -> int:
    # Imported here: the video pipeline and the exporter are not needed by `detect`.
    from .export import ExportError, ExportOptions, export_bvh, export_trc, video_clip
    from .video import VideoDecodeError, VideoOptions, process_video

    if not (args.bvh or args.trc):
        print("error: say what to write: --bvh, --trc or both", file=sys.stderr)
        return EXIT_USAGE
    try:
        args.output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: cannot create {args.output_dir}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    options = VideoOptions(
        settings=_settings(args),
        stride=args.stride,
        smoothing=DEFAULTS.smoothing if args.smooth else None,
    )
    export_options = ExportOptions(
        visibility_threshold=args.visibility_threshold,
        root_translation=args.root_translation,
        bvh_units=args.bvh_units,
    )
    status = EXIT_OK
    for video in args.videos:
        try:
            result = process_video(video, options)
        except VideoDecodeError as exc:
            _emit({"video": video, "error": str(exc)})
            status = EXIT_INPUT_FAILED
            continue
        except ModelFileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_INPUT_FAILED
        stem = Path(video).stem or "video"
        files: list[str] = []
        warnings: list[str] = list(result.warnings)
        for person in result.table.persons:
            try:
                clip = video_clip(result, person, args.visibility_threshold)
            except ExportError as exc:
                warnings.append(str(exc))
                continue
            warnings += clip.warnings
            name = args.output_dir / f"{stem}_person{person + 1}"
            outputs = []
            if args.bvh:
                outputs.append((name.with_suffix(".bvh"), export_bvh(clip, export_options)))
            if args.trc:
                trc_path = name.with_suffix(".trc")
                text = export_trc(clip, export_options, file_name=trc_path.name)
                outputs.append((trc_path, text))
            for path, text in outputs:
                try:
                    path.write_text(text)
                except OSError as exc:
                    print(f"error: could not write {path}: {exc.strerror}", file=sys.stderr)
                    status = EXIT_INPUT_FAILED
                    continue
                files.append(str(path))
        _emit(
            {
                "video": video,
                "files": files,
                "people": len(result.table.persons),
                "warnings": warnings,
            }
        )
    return status


def _emit(record: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(record, allow_nan=False) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return run_export(args) if args.command == "export" else run_detect(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of ours.
        sys.stdout = None
        return EXIT_OK
