#!/usr/bin/env bash
# Kernel-contract cases end to end: the generator writes small graphs, the
# TensorFlow-semantics reference computes their outputs, the tflconv CLI
# converts them, the converted fp32 model must hold the expected builtins
# (and none of the forbidden ones), and the official TFLite runtime checks
# both artifacts (fp32 at rel_l2 1e-4, fp16 at 1e-2).
#
#   run_op_cases.sh TFLCONV OP_CASES_GENERATOR SHARED_DIR WORK_DIR
#
# Exit: 0 pass, 1 fail, 77 skipped (../shared absent).
set -uo pipefail

if [[ $# -ne 4 ]]; then
  echo "usage: $0 TFLCONV OP_CASES_GENERATOR SHARED_DIR WORK_DIR" >&2
  exit 2
fi
tflconv=$1 generator=$2 shared=$3 work=$4
. "$(dirname "$0")/../testing/oracle_tools.sh"
find_oracle_tools "$shared" "the kernel-contract cases"

rm -rf "$work"
mkdir -p "$work"
"$generator" --out="$work/cases" || exit 1

# {"inputs":[{"name":..,"dtype":..,"shape":[..]}],"outputs":[..]} from the
# reference's NAME:SHAPE[:DTYPE] specs.
meta_json() {
  local outputs=$1; shift
  local sep="" spec name shape dtype
  printf '{"inputs":['
  for spec in "$@"; do
    IFS=: read -r name shape dtype <<<"$spec"
    printf '%s{"name":"%s","dtype":"%s","shape":[%s]}' "$sep" "$name" "${dtype:-float32}" \
      "${shape//x/,}"
    sep=,
  done
  printf '],"outputs":["%s"]}\n' "${outputs// /\",\"}"
}

failed=()
for dir in "$work"/cases/*/; do
  case=$(basename "$dir")
  inputs=() range="" outputs="" expect="" forbid=""
  while read -r key value; do
    case $key in
      inputs) read -r -a inputs <<<"$value" ;;
      range) range=$value ;;
      outputs) outputs=$value ;;
      expect) expect=$value ;;
      forbid) forbid=$value ;;
    esac
  done <"$dir/case.txt"
  names=()
  for spec in "${inputs[@]}"; do names+=("${spec%%:*}"); done
  fixture=$dir/fixture out=$dir/out
  mkdir -p "$fixture" "$out"
  log=$dir/log.txt
  ok=1
  reference_args=(--seed 0)
  [[ -n $range ]] && reference_args+=(--range "$range")
  if ! "$reference" "$dir/graph.pb" --inputs "$(IFS=,; echo "${inputs[*]}")" \
         --outputs "${outputs// /,}" --out "$fixture" "${reference_args[@]}" --quiet >"$log" 2>&1; then
    echo "FAIL $case: reference failed"; ok=0
  fi
  meta_json "$outputs" "${inputs[@]}" >"$fixture/meta.json"
  if ((ok)) && ! "$tflconv" convert --graph_def_file="$dir/graph.pb" \
         --input_arrays="$(IFS=,; echo "${names[*]}")" --output_arrays="${outputs// /,}" \
         --artifacts=fp32,fp16 --output_dir="$out" >>"$log" 2>&1; then
    echo "FAIL $case: conversion failed"; ok=0
  fi
  if ((ok)); then
    ops=$("$tflconv" inspect "$out/model_fp32.tflite" | grep -oE 'Op#[0-9]+ [A-Za-z0-9_]+' |
          awk '{print $2}' | sort -u | tr '\n' ' ')
    for op in $expect; do
      [[ " $ops " == *" $op "* ]] || { echo "FAIL $case: no $op in [ $ops]"; ok=0; }
    done
    for op in $forbid; do
      [[ " $ops " != *" $op "* ]] || { echo "FAIL $case: $op in [ $ops]"; ok=0; }
    done
  fi
  if ((ok)); then
    for artifact in "fp32 1e-4" "fp16 1e-2"; do
      read -r kind rtol <<<"$artifact"
      if ! "$oracle" check "$out/model_$kind.tflite" "$fixture" --rtol "$rtol" >>"$log" 2>&1; then
        echo "FAIL $case: $kind on the runtime:"; grep -E "FAIL|ERROR|rror" "$log" | tail -3; ok=0
      fi
    done
  fi
  if ((ok)); then echo "PASS $case [ $ops]"; else failed+=("$case"); echo "  log: $log"; fi
done
if ((${#failed[@]})); then
  echo "${#failed[@]} case(s) failed: ${failed[*]}"
  exit 1
fi
echo "all cases pass"
