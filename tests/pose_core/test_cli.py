"""`python -m pose_core detect`, run as a user would: a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from testkit.checks import direct_mediapipe
from testkit.corpus import image_corpus
from testkit.fixtures import fixture_path

# What MediaPipe's own PoseLandmarker does: one person, its built-in detector (the
# tests that compare with a direct MediaPipe call or expect one pose per photo).
MEDIAPIPE_ONE = ("--num-poses", "1", "--person-detector", "mediapipe")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pose_core", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


@pytest.fixture(scope="module")
def messi_and_cat(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], object]:
    out_dir = tmp_path_factory.mktemp("annotated")
    proc = run_cli(
        "detect",
        str(fixture_path("messi5.jpg")),
        str(fixture_path("chelsea.png")),
        "--model",
        "heavy",
        *MEDIAPIPE_ONE,
        "--output-dir",
        str(out_dir),
    )
    return proc, out_dir


@pytest.mark.slow
def test_person_and_no_person(messi_and_cat) -> None:
    proc, _ = messi_and_cat
    assert proc.returncode == 0, proc.stderr
    messi, cat = lines(proc.stdout)
    assert messi["image"].endswith("messi5.jpg")
    assert (messi["width"], messi["height"]) == (548, 342)
    assert len(messi["poses"]) == 1
    pose = messi["poses"][0]
    assert [lm["name"] for lm in pose["landmarks"]][:3] == ["nose", "left_eye_inner", "left_eye"]
    assert len(pose["landmarks"]) == len(pose["world_landmarks"]) == 33
    assert set(pose["landmarks"][0]) == {"name", "x", "y", "z", "visibility", "presence"}
    assert set(pose["world_landmarks"][0]) == {"name", "x", "y", "z"}
    assert cat == {"image": cat["image"], "width": 451, "height": 300, "poses": []}
    assert "Traceback" not in proc.stderr


def test_agrees_with_a_direct_mediapipe_call(messi_and_cat) -> None:
    proc, _ = messi_and_cat
    pose = lines(proc.stdout)[0]["poses"][0]
    rgb = cv2.cvtColor(cv2.imread(str(fixture_path("messi5.jpg"))), cv2.COLOR_BGR2RGB)
    direct = direct_mediapipe(rgb, "heavy").pose_landmarks[0]
    ours = np.array([[lm["x"], lm["y"], lm["z"], lm["visibility"]] for lm in pose["landmarks"]])
    theirs = np.array([[p.x, p.y, p.z, p.visibility] for p in direct])
    assert np.abs(ours - theirs).max() < 0.01


def test_writes_annotated_images(messi_and_cat) -> None:
    _, out_dir = messi_and_cat
    annotated = cv2.imread(str(out_dir / "messi5.pose.png"))
    original = cv2.imread(str(fixture_path("messi5.jpg")))
    assert annotated.shape == original.shape
    # The skeleton changed a visible share of the pixels, but not the whole picture.
    changed = (np.abs(annotated.astype(int) - original.astype(int)).sum(axis=2) > 60).mean()
    assert 0.005 < changed < 0.5
    assert (out_dir / "chelsea.pose.png").exists()


@pytest.mark.slow
def test_bad_inputs_give_error_records_and_exit_1(tmp_path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    proc = run_cli(
        "detect",
        str(text),
        str(fixture_path("messi5.jpg")),
        str(empty),
        str(tmp_path / "missing.png"),
        "--model",
        "lite",
        *MEDIAPIPE_ONE,
    )
    assert proc.returncode == 1
    bad, good, blank, missing = lines(proc.stdout)
    assert "not an image" in bad["error"]
    assert len(good["poses"]) == 1  # one bad file doesn't stop the others
    assert "empty" in blank["error"]
    assert "No such file" in missing["error"]
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_the_whole_corpus_of_bad_and_odd_photos_in_one_run(tmp_path) -> None:
    """Every file of testkit/corpus.py, in one run: one line each, in order; bad ones name
    their problem, odd ones are read at their real size and people are found."""
    corpus = image_corpus()
    paths = []
    for case in corpus:
        path = tmp_path / case.name
        path.write_bytes(case.data)
        paths.append(str(path))
    proc = run_cli("detect", *paths, "--model", "lite", *MEDIAPIPE_ONE)
    assert proc.returncode == 1  # some inputs could not be read
    assert "Traceback" not in proc.stderr
    records = lines(proc.stdout)
    assert [r["image"] for r in records] == paths
    for case, record in zip(corpus, records, strict=True):
        if not case.ok:
            assert set(record) == {"image", "error"}, case.name
            for word in case.words:
                assert word.lower() in record["error"].lower(), (case.name, record["error"])
            continue
        assert "error" not in record, (case.name, record["error"])
        assert (record["height"], record["width"]) == case.shape, case.name
        if case.person is not None:
            assert bool(record["poses"]) is case.person, case.name
        for pose in record["poses"]:
            assert len(pose["landmarks"]) == len(pose["world_landmarks"]) == 33


@pytest.mark.parametrize(
    "args",
    [
        ["detect"],
        ["detect", "x.jpg", "--model", "medium"],
        ["detect", "x.jpg", "--num-poses", "0"],
        ["detect", "x.jpg", "--min-pose-detection-confidence", "1.5"],
        ["detect", "x.jpg", "--min-pose-presence-confidence", "high"],
        ["frobnicate"],
        [],
    ],
)
@pytest.mark.slow
def test_bad_usage_exits_2(args: list[str]) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "usage:" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_help_documents_output_and_exit_status() -> None:
    proc = run_cli("detect", "--help")
    assert proc.returncode == 0
    for text in (
        "--model",
        "--num-poses",
        "--min-pose-detection-confidence",
        "--min-pose-presence-confidence",
        "--output-dir",
        "world_landmarks",
        "exit status",
        "bad usage",
    ):
        assert text in proc.stdout


@pytest.mark.slow
def test_a_top_down_detector_finds_everyone_in_a_group_photo():
    group = str(fixture_path("multi/quickie-flip-example-source.jpg"))
    found = {}
    for detector in ("mediapipe", "movenet"):
        run = run_cli(
            "detect", group, "--model", "lite", "--num-poses", "8",
            "--person-detector", detector,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-2000:]
        found[detector] = len(json.loads(run.stdout.splitlines()[0])["poses"])
    # Five soldiers in a row: MediaPipe's face-based detector finds one.
    assert found["movenet"] >= 3 and found["movenet"] > found["mediapipe"], found


@pytest.mark.slow
def test_export_writes_bvh_and_trc_per_person(tmp_path) -> None:
    import bvhio

    from testkit.corpus import make_walk_clip

    clip = make_walk_clip(tmp_path / "walk.mp4", count=20)
    bad = tmp_path / "notes.mp4"
    bad.write_bytes(b"not a video at all")
    out = tmp_path / "out"
    run = run_cli(
        "export", str(clip), str(bad), "--bvh", "--trc", "--smooth", "--model", "lite",
        *MEDIAPIPE_ONE, "--output-dir", str(out),
    )  # fmt: skip
    assert run.returncode == 1, run.stderr  # the second file is not a video
    first, second = lines(run.stdout)
    assert first["video"] == str(clip) and first["people"] >= 1
    bvh, trc = out / "walk_person1.bvh", out / "walk_person1.trc"
    assert str(bvh) in first["files"] and str(trc) in first["files"]
    assert second["video"] == str(bad) and second["error"]
    root = bvhio.readAsHierarchy(str(bvh))
    assert root.Name == "Hips" and 2 <= len(root.Keyframes) <= 20
    assert trc.read_text().splitlines()[0] == "PathFileType\t4\t(X/Y/Z)\twalk_person1.trc"


@pytest.mark.slow
def test_export_needs_a_format() -> None:
    run = run_cli("export", "clip.mp4")
    assert run.returncode == 2 and "--bvh, --trc" in run.stderr


def _loads_plotly(code: str) -> bool:
    """Whether a fresh interpreter running ``code`` ends up with Plotly imported."""
    run = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('plotly' in sys.modules)"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return {"True": True, "False": False}[run.stdout.splitlines()[-1]]


def test_detection_never_imports_plotly() -> None:
    # Plotly takes about a second to import: only what draws a chart may load it.
    assert not _loads_plotly("import pose_core")
    assert not _loads_plotly("import pose_core.tuning")
    photo = str(fixture_path("messi5.jpg"))
    assert not _loads_plotly(
        f"from pose_core import cli\nassert cli.main(['detect', {photo!r}, '--model', 'lite']) == 0"
    )
    # The check itself can see Plotly when it is loaded.
    assert _loads_plotly("import pose_core.tuning as t\nt.figure_sweep_people")
    assert _loads_plotly("import pose_core.figures")
