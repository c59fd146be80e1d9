#!/usr/bin/env bash
# Builds the unit tests of the core and of the protocol library, the fuzz
# replays and the CLI with AddressSanitizer and UndefinedBehaviorSanitizer,
# runs the unit tests and replays the fuzz inputs, and converts every
# fixture of the shared corpus plus corrupted copies of some of them:
# conversions may fail, but a sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Debug -DTFLCONV_SANITIZE=ON >/dev/null
fuzz_replays=(replay_graph_binary replay_graph_text replay_convert replay_inspect replay_wire)
cmake --build "$BUILD_DIR" -j2 --target core_tests rpc_tests tflconv "${fuzz_replays[@]}"
export ASAN_OPTIONS=exitcode=99:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:exitcode=99:print_stacktrace=1
"$BUILD_DIR/tests/core_tests" --gtest_brief=1
"$BUILD_DIR/tests/rpc/rpc_tests" --gtest_brief=1
# The fuzz seeds and regression inputs (tests/fuzz/README.md), here with
# the sanitizers that make an out-of-bounds read a failure.
ctest --test-dir "$BUILD_DIR" -R '^fuzz_replay_' --output-on-failure

corpus=../shared/fixtures/corpus
if [ ! -d "$corpus" ]; then
  echo "SKIPPED: $corpus absent; sanitizer run over the fixtures NOT done" >&2
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
convert() {  # fixture_dir graph_file
  local meta="$1/meta.json" args
  args=$(python3 - "$meta" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
out = ["--output_arrays=" + ",".join(m["outputs"])]
if m["inputs"]:
    out.append("--input_arrays=" + ",".join(i["name"] for i in m["inputs"]))
    out.append("--input_shapes=" + ":".join(",".join(map(str, i["shape"])) for i in m["inputs"]))
print(" ".join(out))
PY
)
  set +e
  # shellcheck disable=SC2086
  "$BUILD_DIR/client/tflconv" convert --quiet --graph_def_file="$2" $args \
    --target_ops=TFLITE_BUILTINS,SELECT_TF_OPS --allow_custom_ops --output_dir="$work/out" \
    >/dev/null 2>"$work/err"
  local code=$?
  set -e
  if [ "$code" -gt 2 ]; then
    echo "sanitizer or crash (exit $code) converting $2:" >&2
    cat "$work/err" >&2
    exit 1
  fi
}
count=0
for dir in "$corpus"/*/; do
  convert "$dir" "$dir/model.pb"
  # Corrupted copies: truncated, and bytes flipped in the middle.
  size=$(stat -c %s "$dir/model.pb")
  head -c $((size / 2)) "$dir/model.pb" >"$work/truncated.pb"
  convert "$dir" "$work/truncated.pb"
  python3 -c "
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
for i in range(len(b) // 3, len(b) // 3 + 64):
    if i < len(b): b[i] ^= 0x5a
open(sys.argv[2], 'wb').write(b)" "$dir/model.pb" "$work/flipped.pb"
  convert "$dir" "$work/flipped.pb"
  count=$((count + 1))
done
echo "sanitizers: unit tests and $count fixtures (x3 variants) converted without a report"
