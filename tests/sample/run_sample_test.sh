#!/usr/bin/env bash
# The sample RetinaNet end to end, with and without its post-processing:
# generate a small one (~2 MB, 64x64),
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

# The plain model, then the one with the seed model's post-processing
# (tf.map_fn box decoding: TensorArrays and a while loop), which must run
# on builtins alone.
check_variant() {
  local name=$1 outputs=$2 flags=$3 convert_flags=$4
  local dir=$work/$name
  mkdir -p "$dir/fixture" "$dir/out"
  echo "== [$name] generate"
  "$generator" --out="$dir/sample.pb" --target_mb=2 --image_size=$size $flags
  echo "== [$name] reference (TensorFlow semantics)"
  "$reference" "$dir/sample.pb" --inputs image:1x${size}x${size}x3 \
    --outputs "$outputs" --out "$dir/fixture" --seed 0 --quiet
  local quoted
  quoted=$(printf '"%s",' ${outputs//,/ })
  cat > "$dir/fixture/meta.json" <<JSON
{"inputs":[{"name":"image","dtype":"float32","shape":[1,${size},${size},3]}],"outputs":[${quoted%,}]}
JSON
  echo "== [$name] convert"
  "$tflconv" convert --graph_def_file="$dir/sample.pb" --input_arrays=image \
    --output_arrays="$outputs" --artifacts=fp32,fp16 --output_dir="$dir/out" $convert_flags
  echo "== [$name] check fp32 (rtol 1e-4)"
  "$oracle" check "$dir/out/model_fp32.tflite" "$dir/fixture" --rtol 1e-4
  echo "== [$name] check fp16 (rtol 1e-2)"
  "$oracle" check "$dir/out/model_fp16.tflite" "$dir/fixture" --rtol 1e-2

  local fp32 fp16 ratio
  fp32=$(stat -c %s "$dir/out/model_fp32.tflite")
  fp16=$(stat -c %s "$dir/out/model_fp16.tflite")
  ratio=$(awk -v a="$fp16" -v b="$fp32" 'BEGIN { printf "%.3f", a / b }')
  echo "== [$name] sizes: fp32 $fp32 bytes, fp16 $fp16 bytes, ratio $ratio"
  if ! awk -v r="$ratio" 'BEGIN { exit !(r >= 0.45 && r <= 0.6) }'; then
    echo "FAIL: fp16/fp32 size ratio $ratio is outside [0.45, 0.6]" >&2
    exit 1
  fi
}

check_variant plain box_regression,classification "" ""
check_variant postprocess decoded_boxes,classification --postprocess --target_ops=TFLITE_BUILTINS
echo "PASS"
