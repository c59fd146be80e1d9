#!/usr/bin/env python3
"""Judges the generated op tests (tests/opgen/README.md).

For each case written by `opgen`: TensorFlow-semantics reference outputs from
../shared/graphdef-reference, conversion with TFLITE_BUILTINS only, and both
artifacts checked on the official TFLite runtime (tflite-oracle): fp32 at
rtol 1e-4, fp16 at rtol 1e-2.

Where a case carries a numpy expression of TensorFlow's semantics (ops where
TensorFlow.js departs from TensorFlow: integer division and mean, strided
slices, CropAndResize; longer kernels in tf_kernels.py), the reference is
that expression, and a tfjs result that disagrees is counted as a departure
of the reference tool.

A case TensorFlow itself rejects passes when the converter refuses it with
the expected message. A case whose outputs the kernel sizes only in Eval
(runtime_sized_outputs) is judged through a padded copy of its graph, as the
conformance test judges outputs of run-time shape (padded_check.py): the
oracle's runtime API cannot return such outputs.

Outcomes: pass; declined (the converter refused the op under builtins: allowed
only where tests/opgen/declines.tsv lists the case with its reason); noref (the
reference executor does not know the op: allowed only where listed too);
fail (wrong numbers), refused (the runtime rejected a model the converter
called builtin), error (the converter failed otherwise). Exits 1 on any fail,
refused, error or unlisted decline.

  run_opgen.py --opgen BIN --tflconv BIN --shared DIR --work DIR [--sample N] [--only REGEX]
"""
import argparse
import concurrent.futures
import json
import os
import random
import re
import shutil
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance"))
import padded_check  # noqa: E402  (outputs sized at run time, judged padded)
import tf_kernels  # noqa: E402  (kernels the numpy expressions call)

FP32_RTOL = 1e-4
FP16_RTOL = 1e-2
SKIP_EXIT = 77
SAMPLE_SEED = 20261201  # the CI sample is fixed: the same cases every run


def run(cmd, timeout=300):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def last_line(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1] if lines else "no output"


def load_declines(path):
    declines = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            pattern, kind, reason = line.rstrip("\n").split("\t")
            declines.append((re.compile(pattern), kind, reason))
    return declines


def listed(declines, name, kind):
    return next((reason for pattern, k, reason in declines
                 if k == kind and pattern.fullmatch(name)), None)


NUMPY_DTYPES = {"float32": np.float32, "int32": np.int32, "bool": np.bool_}


def numpy_inputs(case, case_dir):
    """The case's inputs: those the reference tool wrote, else drawn here."""
    rng = np.random.RandomState(1)
    values = {}
    for i, spec in enumerate(case["inputs"]):
        path = os.path.join(case_dir, f"in_{i}.npy")
        if not os.path.exists(path):
            shape = [int(d) for d in spec["shape"]]
            low, high = spec["range"]
            if spec["dtype"] == "float32":
                data = rng.uniform(low, high, shape).astype(np.float32)
            elif spec["dtype"] == "bool":
                data = rng.randint(0, 2, shape).astype(np.bool_)
            else:
                data = rng.randint(int(low), int(high) + 1, shape).astype(np.int32)
            np.save(path, data)
        values[spec["name"]] = np.load(path)
    return values


def numpy_reference(case, case_dir, have_tfjs):
    """Writes the numpy references; returns True when tfjs's ones differed."""
    scope = {"np": np, "tf_kernels": tf_kernels, **numpy_inputs(case, case_dir)}
    departed = False
    for j, expression in enumerate(case["numpy"].split(";")):
        want = np.asarray(eval(expression, scope))  # expressions come from opgen
        want = want.astype(np.float32 if want.dtype.kind == "f" else np.int32)
        path = os.path.join(case_dir, f"ref_{j}.npy")
        if have_tfjs:
            got = np.load(path)
            departed |= got.shape != want.shape or not np.allclose(got, want, rtol=1e-6)
        np.save(path, want)
    return departed


def judge(args, case_dir):
    with open(os.path.join(case_dir, "case.json")) as f:
        case = json.load(f)
    name = case["name"]
    model = os.path.join(case_dir, "model.pb")
    specs = ",".join(f"{i['name']}:{'x'.join(str(int(d)) for d in i['shape']) or 'scalar'}:"
                     f"{i['dtype']}" for i in case["inputs"])
    ref_cmd = [os.path.join(args.shared, "graphdef-reference", "reference"), model,
               "--inputs", specs, "--outputs", ",".join(case["outputs"]), "--out", case_dir,
               "--seed", "1", "--quiet"]
    for i in case["inputs"]:
        ref_cmd += ["--range-for", f"{i['name']}={i['range'][0]}:{i['range'][1]}"]
    out_dir = os.path.join(case_dir, "out")

    def convert_cmd(graph, outputs):
        return [args.tflconv, "convert", "--quiet", f"--graph_def_file={graph}",
                "--input_arrays=" + ",".join(i["name"] for i in case["inputs"]),
                "--input_shapes=" + ":".join(",".join(str(int(d)) for d in i["shape"])
                                             for i in case["inputs"]),
                "--output_arrays=" + ",".join(outputs),
                "--target_ops=TFLITE_BUILTINS", f"--output_dir={out_dir}"] + args.tflconv_flag

    if "expect_error" in case:
        code, output = run(convert_cmd(model, case["outputs"]))
        if code == 1 and case["expect_error"] in output:
            return name, "pass", ""
        return name, "error", f"expected an error saying '{case['expect_error']}': " + (
            "converted" if code == 0 else last_line(output))
    code, output = run(ref_cmd)
    departed = False
    if "numpy" in case:
        departed = numpy_reference(case, case_dir, have_tfjs=code == 0)
    elif code != 0:
        return name, "noref", last_line(output)
    meta = {"inputs": [{"name": i["name"], "dtype": i["dtype"],
                        "shape": [int(d) for d in i["shape"]]} for i in case["inputs"]],
            "outputs": case["outputs"]}
    with open(os.path.join(case_dir, "meta.json"), "w") as f:
        json.dump(meta, f)
    fixture, outputs = case_dir, case["outputs"]
    if case.get("runtime_sized_outputs"):
        # The oracle's runtime API cannot return an output its kernel sizes
        # in Eval: judge a padded copy of the graph (padded_check.py).
        try:
            model, fixture, outputs = padded_check.make_padded_fixture(
                case_dir, meta, case["outputs"], os.path.join(case_dir, "padded"))
        except ValueError as e:
            return name, "error", str(e)
    code, output = run(convert_cmd(model, outputs))
    if code != 0:
        kind = "declined" if "ops not supported" in output else "error"
        return name, kind, last_line(output)
    for kind, rtol in (("fp32", FP32_RTOL), ("fp16", FP16_RTOL)):
        code, output = run([os.path.join(args.shared, "tflite-oracle", "oracle"), "check",
                            os.path.join(out_dir, f"model_{kind}.tflite"), fixture,
                            "--rtol", str(rtol)])
        if code == 3:
            return name, "refused", f"{kind}: {last_line(output)}"
        if code != 0:
            failing = [l for l in output.splitlines() if l.startswith("FAIL")] or [output]
            return name, "fail", f"{kind}: {failing[0][:200]}"
    for scratch in (out_dir, os.path.join(case_dir, "padded")):
        shutil.rmtree(scratch, ignore_errors=True)
    return name, "pass", "tfjs departs from TensorFlow here" if departed else ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--opgen", required=True)
    parser.add_argument("--tflconv", required=True)
    parser.add_argument("--shared", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--declines", default=os.path.join(os.path.dirname(__file__),
                                                           "declines.tsv"))
    parser.add_argument("--sample", type=int, default=0, help="judge N cases (0: all)")
    parser.add_argument("--only", default="")
    parser.add_argument("--always", default="",
                        help="with --sample: also judge every case this regex matches")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--tflconv_flag", action="append", default=[],
                        help="a flag added to every conversion, e.g. --unroll_limit=0")
    args = parser.parse_args()

    if not os.path.isdir(os.path.join(args.shared, "tflite-oracle")):
        print(f"SKIPPED: {args.shared} is absent; generated op tests NOT run", file=sys.stderr)
        return SKIP_EXIT
    shutil.rmtree(args.work, ignore_errors=True)
    code, output = run([args.opgen, f"--out={args.work}"])
    if code != 0:
        print(output, file=sys.stderr)
        return 1
    code, output = run([args.opgen, "--list"])
    names = output.splitlines()
    if args.only:
        names = [n for n in names if re.search(args.only, n)]
    if args.sample and args.sample < len(names):
        always = [n for n in names if args.always and re.search(args.always, n)]
        sample = random.Random(SAMPLE_SEED).sample(names, args.sample)
        names = sorted(set(sample) | set(always))
    declines = load_declines(args.declines)
    bad = []
    counts = {}
    results = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(judge, args, os.path.join(args.work, n)) for n in names]
        for future in concurrent.futures.as_completed(futures):
            name, outcome, detail = future.result()
            results.append((name, outcome, detail))
            reason = listed(declines, name, outcome) if outcome in ("declined", "noref") else None
            verdict = outcome if outcome == "pass" or reason else f"{outcome}!"
            counts[verdict] = counts.get(verdict, 0) + 1
            if verdict.endswith("!"):
                bad.append(name)
            if outcome != "pass":
                print(f"{verdict:10} {name:60} {reason or detail}", flush=True)
    departures = sum(1 for _, _, detail in results if detail.startswith("tfjs departs"))
    print(f"\n{len(results)} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) +
          f"; judged against numpy where tfjs departs from TensorFlow: {departures}")
    if bad:
        print(f"{len(bad)} cases failed (marked '!'): wrong numbers, refused by the runtime, "
              "converter errors, or declines/missing references not listed in "
              f"{args.declines}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
