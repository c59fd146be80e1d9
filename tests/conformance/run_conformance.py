#!/usr/bin/env python3
"""Converts every fixture of the shared corpus with tflconv and judges each
artifact with the official TFLite runtime (tflite-oracle).

For each fixture: convert with TFLITE_BUILTINS; if ops are unsupported,
again with SELECT_TF_OPS (and then allow_custom_ops), as a user would. The
fp32 artifact is checked at the fixture's tolerance (rtol 1e-4 unless
meta.json says otherwise) and the fp16 one at rtol 1e-2. A Flex model
cannot run on this runtime: it is judged "flex" when the runtime's error
names only Flex ops the op-coverage report predicted. A model whose own
report warns that it fails at invoke() even with the Flex delegate is
"broken", whatever this runtime says.

A fixture the reference tool cannot run may have its reference computed
from its graph in hand_references.py.

An output whose first dim is known only at run time (one row per face
found) is judged through a padded copy of the graph (padded_check.py): the
oracle's runtime API cannot return such outputs.

Each fixture's row records the mode it converted in (builtins, flex, custom)
and the builtin/Flex/custom operator counts of its fp32 artifact. Exits 1
when any fixture does worse than the checked-in expectations
(tests/conformance/expected.tsv): a worse result, a fallback to a later
mode, more Flex or custom operators, or a fixture without expectations.
--update rewrites the expectations, and refuses to record anything worse
unless --accept-regressions is given too.
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys

import hand_references
import padded_check

RESULT_RANK = {"pass": 4, "flex": 3, "custom": 3, "noref": 2, "broken": 1, "fail": 1,
               "error": 0}
MODE_RANK = {"builtins": 3, "flex": 2, "custom": 1, "error": 0}
COUNT_COLUMNS = ("builtin", "flex", "custom")
FP32_RTOL = 1e-4
FP16_RTOL = 1e-2
SKIP_EXIT = 77  # ctest's SKIP_RETURN_CODE


def run(cmd, timeout=600):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


MODES = [("builtins", []),
         ("flex", ["--target_ops=TFLITE_BUILTINS,SELECT_TF_OPS"]),
         ("custom", ["--target_ops=TFLITE_BUILTINS,SELECT_TF_OPS", "--allow_custom_ops"])]


def convert(args, model, meta, outputs, out_dir, modes=MODES):
    """The first of `modes` that converts `model`, and the error otherwise."""
    base = [args.tflconv, "convert", "--quiet", f"--graph_def_file={model}",
            f"--output_arrays={','.join(outputs)}", f"--output_dir={out_dir}"
            ] + args.tflconv_flag
    if meta["inputs"]:
        base.append("--input_arrays=" + ",".join(i["name"] for i in meta["inputs"]))
        base.append("--input_shapes=" + ":".join(
            ",".join(str(d) for d in i["shape"]) for i in meta["inputs"]))
    log = ""
    for mode, extra in modes:
        code, output = run(base + extra)
        log = output
        if code == 0:
            return mode, ""
        if "ops not supported" not in output:
            break
    return "error", log.strip().splitlines()[-1] if log.strip() else "no output"


def flex_ops_in_report(out_dir):
    """The Flex/custom TFLite ops the report names, and whether it warned
    that some op will fail at run time."""
    with open(os.path.join(out_dir, "report.json")) as f:
        report = json.load(f)
    ops = set()
    coverage = report.get("coverage", {})
    for entry in coverage.get("ops", []):
        if entry.get("disposition") in ("FLEX", "CUSTOM"):
            ops.update(entry.get("tflite_ops", []))
    return ops, bool(coverage.get("has_runtime_warnings"))


def inspect(args, model):
    code, output = run([args.tflconv, "inspect", "--json", model])
    if code != 0:
        raise RuntimeError(f"tflconv inspect {model} failed: {output.strip()}")
    return json.loads(output)


def op_counts(inspected):
    """Builtin, Flex and custom operator counts of a converted model."""
    counts = dict.fromkeys(COUNT_COLUMNS, 0)
    for subgraph in inspected["subgraphs"]:
        for operator in subgraph.get("operators", []):
            op = operator["op"]
            counts["builtin" if op.isupper() else "flex" if op.startswith("Flex")
                   else "custom"] += 1
    return counts


def check(args, model, fixture_dir, rtol, predicted, warned):
    report_file = model + ".check.json"
    code, output = run([args.oracle, "check", model, fixture_dir, "--rtol", str(rtol),
                        "--json", report_file])
    refused = code == 3 or (code == 2 and "litert" in output)
    if warned:
        return "broken", None
    if refused:
        # The runtime (which has no Flex delegate) refused the model: that
        # is the expected outcome only for the Flex/custom ops the report
        # predicted.
        named = set(re.findall(r"\b(Flex\w+)", output))
        if predicted and named and named <= predicted:
            return ("flex" if any(p.startswith("Flex") for p in predicted) else "custom"), None
        return "error", None
    if code not in (0, 1):
        return "error", None
    with open(report_file) as f:
        result = json.load(f)
    worst = max((o.get("rel_l2") or 0.0) for o in result["outputs"]) if result["outputs"] else 0.0
    return ("pass" if result["pass"] else "fail"), worst


def judge(args, name):
    fixture_dir = os.path.join(args.fixtures, name)
    with open(os.path.join(fixture_dir, "meta.json")) as f:
        meta = json.load(f)
    out_dir = os.path.join(args.work, name)
    os.makedirs(out_dir, exist_ok=True)
    row = {"fixture": name, "ops": len(meta.get("ops", {})), "mode": "", "fp32": "error",
           "fp16": "error", "rel_l2_fp32": None, "rel_l2_fp16": None, "note": "",
           **dict.fromkeys(COUNT_COLUMNS, 0)}
    mode, error = convert(args, os.path.join(fixture_dir, "model.pb"), meta, meta["outputs"],
                          out_dir)
    row["mode"] = mode
    if mode == "error":
        row["note"] = error[:160]
        return row
    inspected = inspect(args, os.path.join(out_dir, "model_fp32.tflite"))
    row.update(op_counts(inspected))
    predicted, warned = flex_ops_in_report(out_dir)
    checked_dir, fixture = out_dir, fixture_dir
    if str(meta.get("reference", "")).startswith("none"):
        checked_dir = os.path.join(out_dir, "hand")
        hand = hand_references.make_hand_fixture(fixture_dir, meta, checked_dir)
        if hand is None:
            row["fp32"] = row["fp16"] = "noref"
            return row
        fixture, hand_meta = hand
        hand_mode, error = convert(args, os.path.join(fixture_dir, "model.pb"), hand_meta,
                                   meta["outputs"], checked_dir, [m for m in MODES if m[0] == mode])
        if hand_mode == "error":
            row["note"] = ("hand-checked copy: " + error)[:160]
            return row
        row["note"] = "reference computed by hand_references.py"
    dynamic = padded_check.dynamic_outputs(inspected["summary"]["outputs"])
    if dynamic:
        # The runtime API cannot return them: judge a padded copy (see
        # padded_check.py), converted in the mode the fixture converted in.
        checked_dir = os.path.join(out_dir, "padded")
        os.makedirs(checked_dir, exist_ok=True)
        try:
            model, fixture, outputs = padded_check.make_padded_fixture(
                fixture_dir, meta, dynamic, checked_dir)
        except ValueError as e:
            row["note"] = str(e)[:160]
            return row
        padded_mode, error = convert(args, model, meta, outputs, checked_dir,
                                     [m for m in MODES if m[0] == mode])
        if padded_mode == "error":
            row["note"] = ("padded copy: " + error)[:160]
            return row
        row["note"] = f"outputs of run-time shape checked padded: {','.join(dynamic)}"[:160]
    rtol = float(meta.get("rtol", FP32_RTOL))
    row["fp32"], row["rel_l2_fp32"] = check(
        args, os.path.join(checked_dir, "model_fp32.tflite"), fixture, rtol, predicted, warned)
    row["fp16"], row["rel_l2_fp16"] = check(
        args, os.path.join(checked_dir, "model_fp16.tflite"), fixture, FP16_RTOL, predicted,
        warned)
    return row


EXPECTED_COLUMNS = ("fixture", "mode", "fp32", "fp16") + COUNT_COLUMNS


def load_expected(path):
    expected = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            row = dict(zip(EXPECTED_COLUMNS, line.rstrip("\n").split("\t")))
            for column in COUNT_COLUMNS:
                row[column] = int(row[column])
            expected[row["fixture"]] = row
    return expected


def regressions_of(row, want):
    """Why `row` is worse than the expectation `want` (empty if it is not)."""
    if want is None:
        return ["no expectation"]
    why = [f"{key} {want[key]} -> {row[key]}" for key in ("fp32", "fp16")
           if RESULT_RANK[row[key]] < RESULT_RANK[want[key]]]
    if MODE_RANK[row["mode"]] < MODE_RANK[want["mode"]]:
        why.append(f"mode {want['mode']} -> {row['mode']}")
    why += [f"{key} ops {want[key]} -> {row[key]}" for key in ("flex", "custom")
            if row[key] > want[key]]
    return why


def fmt(value):
    return "-" if value is None else f"{value:.2e}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tflconv", required=True)
    parser.add_argument("--oracle", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--expected", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default="")
    parser.add_argument("--tflconv_flag", action="append", default=[],
                        help="a flag added to every conversion, e.g. --unroll_limit=0")
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--accept-regressions", action="store_true",
                        help="with --update: record results worse than the expectations")
    args = parser.parse_args()

    if not os.path.isdir(args.fixtures):
        print(f"SKIPPED: fixture corpus {args.fixtures} is absent (../shared missing); "
              "conformance NOT checked", file=sys.stderr)
        return SKIP_EXIT
    names = sorted(d for d in os.listdir(args.fixtures)
                   if os.path.isfile(os.path.join(args.fixtures, d, "meta.json")))
    if args.only:
        names = [n for n in names if re.search(args.only, n)]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda n: judge(args, n), names))

    expected = load_expected(args.expected)
    regressions = {}
    print(f"{'fixture':46} {'ops':>4} {'mode':8} {'fp32':6} {'rel_l2':>9} {'fp16':6} "
          f"{'rel_l2':>9} {'builtin':>7} {'flex':>4} {'custom':>6}  note")
    for row in rows:
        why = regressions_of(row, expected.get(row["fixture"]))
        if why:
            regressions[row["fixture"]] = why
        status = f"REGRESSION ({'; '.join(why)})" if why else ""
        print(f"{row['fixture']:46} {row['ops']:>4} {row['mode']:8} {row['fp32']:6} "
              f"{fmt(row['rel_l2_fp32']):>9} {row['fp16']:6} {fmt(row['rel_l2_fp16']):>9} "
              f"{row['builtin']:>7} {row['flex']:>4} {row['custom']:>6}  {status} {row['note']}")
    count = lambda key, value: sum(1 for r in rows if r[key] == value)
    print(f"\n{len(rows)} fixtures: fp32 pass {count('fp32', 'pass')}, fp16 pass "
          f"{count('fp16', 'pass')}, flex {count('fp32', 'flex')}, custom "
          f"{count('fp32', 'custom')}, broken {count('fp32', 'broken')}, no reference "
          f"{count('fp32', 'noref')}, fail {count('fp32', 'fail')}, error {count('fp32', 'error')}; "
          f"modes: builtins {count('mode', 'builtins')}, flex {count('mode', 'flex')}, custom "
          f"{count('mode', 'custom')}")
    worse = {name: why for name, why in regressions.items() if why != ["no expectation"]}
    if args.update and (not worse or args.accept_regressions):
        with open(args.expected, "w") as f:
            f.write("# " + "\t".join(EXPECTED_COLUMNS) +
                    " (expected results; anything worse fails CI)\n")
            recorded = {**expected, **{row["fixture"]: row for row in rows}}
            for name in sorted(recorded):
                f.write("\t".join(str(recorded[name][c]) for c in EXPECTED_COLUMNS) + "\n")
        print(f"wrote {args.expected}")
        return 0
    if regressions:
        for name, why in regressions.items():
            print(f"REGRESSION {name}: {'; '.join(why)}")
        if args.update:
            print("not updated: results are worse than expected; "
                  "add --accept-regressions to record them")
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
