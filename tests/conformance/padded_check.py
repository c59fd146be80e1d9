"""Outputs whose shape depends on the data (MTCNN's boxes: one row per face
found) come out of the runtime with a first dim known only at run time.
The oracle's runtime API (LiteRT.js CompiledModel) sizes each output buffer
from the model's static shape, so it cannot return them: a Where alone fails
with "Custom allocation is too small". Nor can it return an output whose
kernel sizes it in Eval although its shape is static (UNSORTED_SEGMENT_SUM of
fed ids into a constant count): it hands back a buffer the kernel never wrote.

Such a fixture is judged through a padded copy of its graph: each of those
outputs is concatenated with K rows of zeros and sliced to its first K rows
(K = the reference's rows + PAD_ROWS), which gives the runtime a static
shape, and the references are padded with zeros to match. A model that finds
a row too many or too few fails as surely as one with wrong values. The copy
is the fixture's own graph plus those nodes, converted with the same flags.
"""
import ast
import json
import os
import shutil
import struct
import subprocess

PAD_ROWS = 8
SUFFIX = "/tflconv_padded"
# numpy descr -> (DataType, TensorProto value field, zero bytes per element)
DTYPES = {"<f4": ("DT_FLOAT", "float_val", 4), "<i4": ("DT_INT32", "int_val", 4),
          "<i8": ("DT_INT64", "int64_val", 8)}
PROTO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "proto")
GRAPH_PROTO = "tensorflow/framework/graph_def.proto"


def read_npy(path):
    """(descr, shape, data bytes) of a version 1/2 .npy file."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:6] != b"\x93NUMPY":
        raise ValueError(f"{path}: not a .npy file")
    if raw[6] == 1:
        size, start = struct.unpack("<H", raw[8:10])[0], 10
    else:
        size, start = struct.unpack("<I", raw[8:12])[0], 12
    header = ast.literal_eval(raw[start:start + size].decode("latin1"))
    if header["fortran_order"]:
        raise ValueError(f"{path}: Fortran order is not read")
    return header["descr"], tuple(header["shape"]), raw[start + size:]


def write_npy(path, descr, shape, data):
    header = repr({"descr": descr, "fortran_order": False, "shape": tuple(shape)})
    pad = 64 - (10 + len(header) + 1) % 64
    header = (header + " " * pad + "\n").encode("latin1")
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data)


def dynamic_outputs(summary_outputs):
    """Names of the model outputs with a dim known only at run time."""
    return [o["name"] for o in summary_outputs if -1 in o.get("shape_signature", [])]


def _const(name, dtype, field, dims, values):
    shape = " ".join(f"dim {{ size: {d} }}" for d in dims)
    vals = " ".join(f"{field}: {v}" for v in values)
    return (f'node {{ name: "{name}" op: "Const" attr {{ key: "dtype" value {{ type: {dtype} }} }}'
            f' attr {{ key: "value" value {{ tensor {{ dtype: {dtype} tensor_shape {{ {shape} }}'
            f' {vals} }} }} }} }}\n')


def _padding_nodes(tensor, descr, shape):
    """The nodes padding output `tensor` ("node" or "node:k"), named after it."""
    name = tensor.replace(":", "_")
    dtype, field, _ = DTYPES[descr]
    dims = list(shape)
    return "".join([
        _const(f"{name}/tflconv_zeros", dtype, field, dims, [0]),
        _const(f"{name}/tflconv_axis", "DT_INT32", "int_val", [], [0]),
        _const(f"{name}/tflconv_begin", "DT_INT32", "int_val", [len(dims)], [0] * len(dims)),
        _const(f"{name}/tflconv_size", "DT_INT32", "int_val", [len(dims)], dims),
        f'node {{ name: "{name}/tflconv_concat" op: "ConcatV2" input: "{tensor}"'
        f' input: "{name}/tflconv_zeros" input: "{name}/tflconv_axis"'
        f' attr {{ key: "N" value {{ i: 2 }} }} attr {{ key: "T" value {{ type: {dtype} }} }}'
        f' attr {{ key: "Tidx" value {{ type: DT_INT32 }} }} }}\n',
        f'node {{ name: "{name}{SUFFIX}" op: "Slice" input: "{name}/tflconv_concat"'
        f' input: "{name}/tflconv_begin" input: "{name}/tflconv_size"'
        f' attr {{ key: "T" value {{ type: {dtype} }} }}'
        f' attr {{ key: "Index" value {{ type: DT_INT32 }} }} }}\n'])


def make_padded_fixture(fixture_dir, meta, names, work_dir):
    """Writes work_dir/model.pb (the graph with padded outputs) and a fixture
    dir beside it; returns (model path, fixture dir, output arrays) or raises
    ValueError when an output cannot be padded."""
    fixture = os.path.join(work_dir, "fixture")
    os.makedirs(fixture, exist_ok=True)
    outputs, added = [], ""
    for j, output in enumerate(meta["outputs"]):
        ref = os.path.join(fixture_dir, f"ref_{j}.npy")
        if output not in names:
            outputs.append(output)
            shutil.copyfile(ref, os.path.join(fixture, f"ref_{j}.npy"))
            continue
        descr, shape, data = read_npy(ref)
        if descr not in DTYPES or not shape:
            raise ValueError(f"output '{output}' ({descr} {list(shape)}) cannot be padded")
        padded = (shape[0] + PAD_ROWS,) + shape[1:]
        element_bytes = DTYPES[descr][2]
        total = element_bytes
        for d in padded:
            total *= d
        write_npy(os.path.join(fixture, f"ref_{j}.npy"), descr, padded,
                  data + b"\0" * (total - len(data)))
        added += _padding_nodes(output, descr, padded)
        outputs.append(output.replace(":", "_") + SUFFIX)
    for i in range(len(meta["inputs"])):
        shutil.copyfile(os.path.join(fixture_dir, f"in_{i}.npy"),
                        os.path.join(fixture, f"in_{i}.npy"))
    with open(os.path.join(fixture, "meta.json"), "w") as f:
        json.dump({**meta, "outputs": outputs}, f)
    with open(os.path.join(fixture_dir, "model.pb"), "rb") as f:
        text = subprocess.run(["protoc", f"-I{PROTO_DIR}", "--decode=tensorflow.GraphDef",
                               GRAPH_PROTO], input=f.read(), capture_output=True,
                              check=True).stdout
    model = os.path.join(work_dir, "model.pb")
    with open(model, "wb") as f:
        f.write(subprocess.run(["protoc", f"-I{PROTO_DIR}", "--encode=tensorflow.GraphDef",
                                GRAPH_PROTO], input=text + added.encode(), capture_output=True,
                               check=True).stdout)
    return model, fixture, outputs
