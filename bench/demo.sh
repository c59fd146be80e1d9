#!/usr/bin/env bash
# The tflconv demo (the README's main job): build (into ./build, if not
# built yet), generate a ~20 MB sample RetinaNet, start tflconv-server on
# loopback, convert the model through it to fp32 + fp16 with
# `tflconv convert --server`, check the files match a local conversion
# byte for byte, and inspect the fp16 model. Then the model with its
# post-processing (TensorArrays and a while loop) converts with
# --target_ops=TFLITE_BUILTINS and runs on the official runtime.
#
#   bench/demo.sh                      # from the repository root or anywhere
#   DEMO_MB=141 bench/demo.sh          # the full-size model
#   KEEP=1 bench/demo.sh               # keep the work directory
#
# Environment: BUILD_DIR (default <repo>/build), DEMO_MB (20), DEMO_IMAGE_SIZE
# (640), DEMO_INSPECT_LINES (40), KEEP (unset: the temp dir is removed at exit).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
tflconv=$build/client/tflconv
sample_model=$build/bench/tflconv-sample-model
server=$build/server/tflconv-server
port=${DEMO_PORT:-50551}

step() { printf '\n== %s\n' "$*"; }

if [[ ! -x $tflconv || ! -x $sample_model || ! -x $server ]]; then
  step "building tflconv into $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j"$(nproc)" --target tflconv tflconv-sample-model tflconv-server
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tflconv-demo.XXXXXX")
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" || true; fi
  if [[ -z ${KEEP:-} ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

step "generating a ~${DEMO_MB:-20} MB sample RetinaNet"
"$sample_model" --out="$work/retinanet.pb" --target_mb="${DEMO_MB:-20}" \
  --image_size="${DEMO_IMAGE_SIZE:-640}"

step "starting tflconv-server on 127.0.0.1:$port (plaintext, loopback only)"
"$server" --listen="127.0.0.1:$port" --metrics_listen="127.0.0.1:$((port + 1))" --plaintext \
  >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
  grep -q "listening" "$work/server.log" 2>/dev/null && break
  sleep 0.1
done

step "tflconv convert --server (fp32 + fp16 through the server)"
start=$(date +%s.%N)
"$tflconv" convert --server="127.0.0.1:$port" --plaintext --graph_def_file="$work/retinanet.pb" \
  --input_arrays=image --output_arrays=box_regression,classification --artifacts=fp32,fp16 \
  --output_dir="$work/remote"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { printf "(wall time, upload + conversion + download: %.2f s)\n", e - s }'
ls -l "$work/retinanet.pb" "$work/remote"

step "the same conversion locally: artifacts must be byte-identical"
"$tflconv" convert --quiet --graph_def_file="$work/retinanet.pb" --input_arrays=image \
  --output_arrays=box_regression,classification --output_dir="$work/local"
cmp "$work/local/model_fp32.tflite" "$work/remote/model_fp32.tflite"
cmp "$work/local/model_fp16.tflite" "$work/remote/model_fp16.tflite"
echo "identical"
echo "server log:"; tail -n 3 "$work/server.log"

step "tflconv inspect model_fp16.tflite (first ${DEMO_INSPECT_LINES:-40} lines)"
"$tflconv" inspect "$work/remote/model_fp16.tflite" > "$work/inspect_fp16.txt"
head -n "${DEMO_INSPECT_LINES:-40}" "$work/inspect_fp16.txt"
echo "... ($(wc -l < "$work/inspect_fp16.txt") lines in all; DEMO_INSPECT_LINES=N shows more)"

step "the model with its post-processing (tf.map_fn box decoding: TensorArrays, a while loop)"
"$sample_model" --out="$work/retinanet_post.pb" --target_mb=5 --image_size=256 --postprocess
"$tflconv" convert --server="127.0.0.1:$port" --plaintext --quiet \
  --graph_def_file="$work/retinanet_post.pb" --input_arrays=image \
  --output_arrays=decoded_boxes,classification --target_ops=TFLITE_BUILTINS \
  --artifacts=fp32 --output_dir="$work/post" 2> "$work/post.log" || { cat "$work/post.log"; exit 1; }
python3 - "$work/post/report.json" <<'PY'
import json, sys
for region in json.load(open(sys.argv[1])).get("control_flow", []):
    print("%-12s %-45s %s" % (region["kind"], region.get("name", ""), region["disposition"]))
PY
oracle=$root/../shared/tflite-oracle/oracle
if [[ -x $oracle ]]; then
  echo "running it on the official TFLite runtime (builtins only, no Flex delegate):"
  "$oracle" run "$work/post/model_fp32.tflite" --seed 0 --out "$work/post/run"
  ls "$work/post/run"
else
  echo "(the official runtime's oracle is not at $oracle: not run)"
fi

if [[ -n ${KEEP:-} ]]; then echo; echo "files kept in $work"; fi
