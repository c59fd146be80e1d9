#!/usr/bin/env bash
# The sample RetinaNet end to end: generate a small one (~2 MB, 64x64),
# compute TensorFlow-semantics references for it, convert it with the tflconv
# CLI, and have the official TFLite runtime check both artifacts (fp32 at
# rel_l2 1e-4, fp16 at 1e-2); the fp16 file must be about half the fp32 one.
#
#   run_sample_test.sh TFLCONV SAMPLE_MODEL_GENERATOR SHARED_DIR WORK_DIR
#
# Exit: 0 pass, 1 fail, 77 skipped (../shared absent).
set -euo pipefail

if [[ $# -ne 4 ]]; then
  echo "usage: $0 TFLCONV SAMPLE_MODEL_GENERATOR SHARED_DIR WORK_DIR" >&2
  exit 2
fi
tflconv=$1 generator=$2 shared=$3 work=$4
. "$(dirname "$0")/../testing/oracle_tools.sh"
find_oracle_tools "$shared" "the sample model"

size=64
rm -rf "$work"
mkdir -p "$work/fixture" "$work/out"

echo "== generate"
"$generator" --out="$work/sample.pb" --target_mb=2 --image_size=$size

echo "== reference (TensorFlow semantics)"
"$reference" "$work/sample.pb" --inputs image:1x${size}x${size}x3 \
  --outputs box_regression,classification --out "$work/fixture" --seed 0 --quiet
cat > "$work/fixture/meta.json" <<JSON
{"inputs":[{"name":"image","dtype":"float32","shape":[1,${size},${size},3]}],"outputs":["box_regression","classification"]}
JSON

echo "== convert"
"$tflconv" convert --graph_def_file="$work/sample.pb" --input_arrays=image \
  --output_arrays=box_regression,classification --artifacts=fp32,fp16 --output_dir="$work/out"

echo "== check fp32 (rtol 1e-4)"
"$oracle" check "$work/out/model_fp32.tflite" "$work/fixture" --rtol 1e-4
echo "== check fp16 (rtol 1e-2)"
"$oracle" check "$work/out/model_fp16.tflite" "$work/fixture" --rtol 1e-2

fp32=$(stat -c %s "$work/out/model_fp32.tflite")
fp16=$(stat -c %s "$work/out/model_fp16.tflite")
ratio=$(awk -v a="$fp16" -v b="$fp32" 'BEGIN { printf "%.3f", a / b }')
echo "== sizes: fp32 $fp32 bytes, fp16 $fp16 bytes, ratio $ratio"
if ! awk -v r="$ratio" 'BEGIN { exit !(r >= 0.45 && r <= 0.6) }'; then
  echo "FAIL: fp16/fp32 size ratio $ratio is outside [0.45, 0.6]" >&2
  exit 1
fi
echo "PASS"
