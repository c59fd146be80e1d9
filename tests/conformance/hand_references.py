"""References for fixtures the reference tool (TensorFlow.js) cannot run:
a formula read off the fixture's graph by hand, computed here from its
inputs, and the inputs a runtime can feed them.

tf_end2end_disallow_stateful_partitioned_call: add = spc1 + spc2, where
each StatefulPartitionedCall runs the library function "function", whose
ret is Identity(inputs) of its first argument (input0); its second
argument, the _Arg args_0, is a DT_RESOURCE that nothing reads, which no
runtime can feed, so the checked copy is converted with input0 alone.
So add = input0 + input0, exactly in float32.
"""
import json
import os
import shutil
import struct

from padded_check import read_npy, write_npy


def _float32s(path):
    descr, shape, data = read_npy(path)
    if descr != "<f4":
        raise ValueError(f"{path}: expected float32, got {descr}")
    return shape, list(struct.unpack(f"<{len(data) // 4}f", data))


def _input_file(fixture_dir, meta, name):
    names = [spec["name"] for spec in meta["inputs"]]
    return os.path.join(fixture_dir, f"in_{names.index(name)}.npy")


def _twice_input0(fixture_dir, meta):
    shape, values = _float32s(_input_file(fixture_dir, meta, "input0"))
    return [(shape, [v + v for v in values])]


# fixture -> (the inputs a runtime can feed, by name; their outputs)
HAND_REFERENCES = {
    "tf_end2end_disallow_stateful_partitioned_call": (["input0"], _twice_input0),
}


def make_hand_fixture(fixture_dir, meta, work_dir):
    """A fixture dir under work_dir with the fed inputs and the hand-computed
    references; returns (its dir, its meta), or None when the fixture has no
    hand reference."""
    entry = HAND_REFERENCES.get(meta["name"])
    if entry is None:
        return None
    fed, compute = entry
    fixture = os.path.join(work_dir, "fixture")
    os.makedirs(fixture, exist_ok=True)
    inputs = []
    for i, spec in enumerate(meta["inputs"]):
        if spec["name"] in fed:
            shutil.copyfile(os.path.join(fixture_dir, f"in_{i}.npy"),
                            os.path.join(fixture, f"in_{len(inputs)}.npy"))
            inputs.append(spec)
    for j, (shape, values) in enumerate(compute(fixture_dir, meta)):
        write_npy(os.path.join(fixture, f"ref_{j}.npy"), "<f4", shape,
                  struct.pack(f"<{len(values)}f", *values))
    hand_meta = {**meta, "inputs": inputs,
                 "reference": "computed by tests/conformance/hand_references.py"}
    with open(os.path.join(fixture, "meta.json"), "w") as f:
        json.dump(hand_meta, f)
    return fixture, hand_meta
