#!/usr/bin/env bash
# The tflconv demo: build (into ./build, if not built yet), generate a ~20 MB
# sample RetinaNet, convert it to fp32 + fp16 with `tflconv convert`, and
# inspect the fp16 model.
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

step() { printf '\n== %s\n' "$*"; }

if [[ ! -x $tflconv || ! -x $sample_model ]]; then
  step "building tflconv into $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j"$(nproc)" --target tflconv tflconv-sample-model
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tflconv-demo.XXXXXX")
if [[ -z ${KEEP:-} ]]; then trap 'rm -rf "$work"' EXIT; fi

step "generating a ~${DEMO_MB:-20} MB sample RetinaNet"
"$sample_model" --out="$work/retinanet.pb" --target_mb="${DEMO_MB:-20}" \
  --image_size="${DEMO_IMAGE_SIZE:-640}"

step "tflconv convert (fp32 + fp16)"
start=$(date +%s.%N)
"$tflconv" convert --graph_def_file="$work/retinanet.pb" --input_arrays=image \
  --output_arrays=box_regression,classification --artifacts=fp32,fp16 \
  --output_dir="$work/local"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { printf "(CLI wall time, including reading and writing files: %.2f s)\n", e - s }'
ls -l "$work/retinanet.pb" "$work/local"

step "tflconv inspect model_fp16.tflite (first ${DEMO_INSPECT_LINES:-40} lines)"
"$tflconv" inspect "$work/local/model_fp16.tflite" > "$work/inspect_fp16.txt"
head -n "${DEMO_INSPECT_LINES:-40}" "$work/inspect_fp16.txt"
echo "... ($(wc -l < "$work/inspect_fp16.txt") lines in all; DEMO_INSPECT_LINES=N shows more)"

if [[ -n ${KEEP:-} ]]; then echo; echo "files kept in $work"; fi
