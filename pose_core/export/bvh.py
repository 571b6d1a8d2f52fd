"""BVH (Biovision hierarchy) text: writing a solved :class:`~.motion.Motion`, and reading
a BVH back to joint positions (for the app's check that the export is faithful).

Written files: the root (Hips) has six channels ``Xposition Yposition Zposition
Zrotation Xrotation Yrotation``, every other joint three, ``Zrotation Xrotation
Yrotation`` (R = Rz @ Rx @ Ry, angles in degrees); y up, the person facing +z, their left
on +x; lengths in centimetres by default. The rest pose (all angles zero) is a T-pose.
BVH has no comment syntax, and readers (Blender's among them) refuse unknown lines, so
the file carries no notes: the fill policy and conventions are in docs/export.md.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

import numpy as np

from .motion import Motion
from .skeleton import JOINTS
from .solve import axis_angle

Units = Literal["cm", "m"]
UNIT_SCALE: Mapping[str, float] = MappingProxyType({"cm": 100.0, "m": 1.0})
ROOT_CHANNELS = ("Xposition", "Yposition", "Zposition", "Zrotation", "Xrotation", "Yrotation")
JOINT_CHANNELS = ("Zrotation", "Xrotation", "Yrotation")


def _vector(v: np.ndarray) -> str:
    return " ".join(f"{c:.6f}" for c in v)


def write_bvh(motion: Motion, units: Units = "cm") -> str:
    """The motion as BVH text (see the module's docstring for the conventions)."""
    scale = UNIT_SCALE[units]
    skeleton = motion.skeleton
    out = io.StringIO()
    out.write("HIERARCHY\n")

    def write_joint(j: int, depth: int) -> None:
        pad = "\t" * depth
        joint = JOINTS[j]
        kind = "ROOT" if joint.parent < 0 else "JOINT"
        channels = ROOT_CHANNELS if joint.parent < 0 else JOINT_CHANNELS
        out.write(f"{pad}{kind} {joint.name}\n{pad}{{\n")
        out.write(f"{pad}\tOFFSET {_vector(skeleton.offsets[j] * scale)}\n")
        out.write(f"{pad}\tCHANNELS {len(channels)} {' '.join(channels)}\n")
        children = [c for c, child in enumerate(JOINTS) if child.parent == j]
        for child in children:
            write_joint(child, depth + 1)
        if not children:
            out.write(f"{pad}\tEnd Site\n{pad}\t{{\n")
            out.write(f"{pad}\t\tOFFSET {_vector(skeleton.end_offsets[j] * scale)}\n")
            out.write(f"{pad}\t}}\n")
        out.write(f"{pad}}}\n")

    write_joint(0, 0)
    order = _write_order()
    frames = motion.clip.frames
    out.write(f"MOTION\nFrames: {frames}\nFrame Time: {motion.clip.frame_time:.8f}\n")
    values = np.concatenate(
        [motion.root * scale, motion.euler_deg[:, order].reshape(frames, -1)], axis=1
    )
    for row in values:
        out.write(" ".join(f"{v:.5f}" for v in row))
        out.write("\n")
    return out.getvalue()


def _write_order() -> list[int]:
    """Joints in the order the hierarchy lists them (depth first), which is the order of
    the channels in each motion line."""
    order: list[int] = []

    def visit(j: int) -> None:
        order.append(j)
        for c, child in enumerate(JOINTS):
            if child.parent == j:
                visit(c)

    visit(0)
    return order


# ---- reading ---------------------------------------------------------------------------


class BvhFormatError(ValueError):
    """The text is not a BVH file this reader understands."""


@dataclasses.dataclass(frozen=True, eq=False)
class BvhData:
    """A parsed BVH file.

    Attributes:
        names: Joint names in file order; end sites are named ``<joint>_end``.
        parents: Parent index of each (-1 for the root).
        offsets: (N, 3) rest offsets.
        channels: Channel names of each (empty for end sites).
        frame_time: Seconds per frame.
        values: (F, C) the motion lines.
    """

    names: tuple[str, ...]
    parents: tuple[int, ...]
    offsets: np.ndarray
    channels: tuple[tuple[str, ...], ...]
    frame_time: float
    values: np.ndarray

    @property
    def frames(self) -> int:
        return len(self.values)


def read_bvh(text: str) -> BvhData:
    """Parse BVH text (any channel order per joint).

    Raises:
        BvhFormatError: Not a well-formed BVH file.
    """
    tokens = text.split()
    pos = 0

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise BvhFormatError("The BVH file ends early.")
        pos += 1
        return tokens[pos - 1]

    def expect(word: str) -> None:
        got = take()
        if got != word:
            raise BvhFormatError(f"Expected {word!r} in the BVH file, found {got!r}.")

    names: list[str] = []
    parents: list[int] = []
    offsets: list[list[float]] = []
    channels: list[tuple[str, ...]] = []

    def node(name: str, parent: int, end: bool) -> None:
        index = len(names)
        names.append(name)
        parents.append(parent)
        expect("{")
        expect("OFFSET")
        offsets.append([float(take()) for _ in range(3)])
        if end:
            channels.append(())
            expect("}")
            return
        expect("CHANNELS")
        channels.append(tuple(take() for _ in range(int(take()))))
        while True:
            word = take()
            if word == "}":
                return
            if word == "JOINT":
                node(take(), index, False)
            elif word == "End":
                expect("Site")
                node(f"{name}_end", index, True)
            else:
                raise BvhFormatError(f"Unexpected {word!r} in the BVH hierarchy.")

    try:
        expect("HIERARCHY")
        expect("ROOT")
        node(take(), -1, False)
        expect("MOTION")
        expect("Frames:")
        frames = int(take())
        expect("Frame")
        expect("Time:")
        frame_time = float(take())
        count = sum(len(c) for c in channels)
        numbers = np.array(tokens[pos : pos + frames * count], dtype=np.float64)
    except ValueError as exc:
        if isinstance(exc, BvhFormatError):
            raise
        raise BvhFormatError(f"A number in the BVH file is not readable: {exc}") from None
    if len(numbers) != frames * count:
        raise BvhFormatError("The BVH file has fewer motion values than its frames need.")
    return BvhData(
        names=tuple(names),
        parents=tuple(parents),
        offsets=np.array(offsets, dtype=np.float64),
        channels=tuple(channels),
        frame_time=frame_time,
        values=numbers.reshape(frames, count),
    )


_AXES = MappingProxyType({"X": (1.0, 0.0, 0.0), "Y": (0.0, 1.0, 0.0), "Z": (0.0, 0.0, 1.0)})


def bvh_positions(data: BvhData) -> np.ndarray:
    """(F, N, 3) world positions of every joint and end site, in the file's units.

    Each joint: position channels replace its offset, rotation channels multiply in
    the order listed (the BVH convention: the first listed is outermost).
    """
    frames, count = data.frames, len(data.names)
    positions = np.zeros((frames, count, 3))
    world = np.zeros((frames, count, 3, 3))
    column = 0
    for j in range(count):
        translation = np.broadcast_to(data.offsets[j], (frames, 3)).copy()
        rotation = np.broadcast_to(np.eye(3), (frames, 3, 3)).copy()
        for channel in data.channels[j]:
            value = data.values[:, column]
            column += 1
            axis, kind = channel[0].upper(), channel[1:].lower()
            if kind == "position":
                translation[:, "XYZ".index(axis)] = value
            elif kind == "rotation":
                rotation = rotation @ axis_angle(
                    np.broadcast_to(_AXES[axis], (frames, 3)), np.radians(value)
                )
            else:
                raise BvhFormatError(f"Unknown BVH channel {channel!r}.")
        parent = data.parents[j]
        if parent < 0:
            positions[:, j] = translation
            world[:, j] = rotation
        else:
            positions[:, j] = positions[:, parent] + np.einsum(
                "fab,fb->fa", world[:, parent], translation
            )
            world[:, j] = world[:, parent] @ rotation
    return positions
