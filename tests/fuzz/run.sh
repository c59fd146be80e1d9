#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS [TARGET...]
# Builds the libFuzzer targets with clang, ASan and UBSan in their own build
# directory (FUZZ_BUILD_DIR, default build-fuzz; the g++ build is not
# touched), then fuzzes each target for SECONDS and prints one line per
# target: executions, coverage (libFuzzer's cov/ft), crashes, OOMs and
# timeouts. libFuzzer runs in fork mode and goes on after a crash; every
# crashing input is saved under $FUZZ_BUILD_DIR/findings/<target>/. The
# corpus grown by a run stays in $FUZZ_BUILD_DIR/corpus/<target>/ for the
# next one; the committed seeds (tests/fuzz/corpus/) are never written.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:?usage: tests/fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(graph_binary graph_text convert inspect wire)
build=${FUZZ_BUILD_DIR:-build-fuzz}
fixtures=../shared/fixtures/corpus
max_len=65536

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DTFLCONV_FUZZ=ON -DBUILD_TESTING=OFF "${launcher[@]}" >/dev/null
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}" >/dev/null

# The dictionary: every op with a rule, every attribute name the rules
# read, DataType names, and the values of the string attributes.
dict="$build/graph.dict"
{
  grep -rhoE 'registry\.Add\("[A-Za-z0-9_]+"' core/legalize | sed 's/.*(//'
  grep -rhoE '(Attr|read4)[A-Za-z0-9]*\([^")]*"[A-Za-z_]+"' core | grep -oE '"[A-Za-z_]+"$'
  grep -oE '^ *DT_[A-Z0-9_]+' proto/tensorflow/framework/graph_def.proto | sed 's/ *\(.*\)/"\1"/'
  printf '"%s"\n' Const Placeholder Identity NoOp SAME VALID EXPLICIT NHWC NCHW \
    tensor_content tensor_shape int_val float_val dtype value list
} | sort -u | awk '{ printf "w%d=%s\n", NR, $0 }' >"$dict"
export TFLCONV_FUZZ_DICT=$PWD/$dict  # read by graph_mutator.cc

# Seeds that are not committed: the small fixtures, binary and as text.
seeds="$build/seeds"
if [ -d "$fixtures" ] && [ ! -d "$seeds" ]; then
  mkdir -p "$seeds/binary" "$seeds/text"
  for graph in "$fixtures"/*/model.pb; do
    [ "$(stat -c %s "$graph")" -le $max_len ] || continue
    name=$(basename "$(dirname "$graph")")
    cp "$graph" "$seeds/binary/$name"
    protoc -I proto --decode=tensorflow.GraphDef tensorflow/framework/graph_def.proto \
      <"$graph" >"$seeds/text/$name" 2>/dev/null || rm -f "$seeds/text/$name"
  done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target" findings="$build/findings/$target" log="$build/logs/$target.log"
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  seed_dirs=("tests/fuzz/corpus/$target")
  case $target in
    graph_binary) seed_dirs+=(tests/fuzz/corpus/convert "$seeds/binary") ;;
    convert) seed_dirs+=("$seeds/binary") ;;
    graph_text) seed_dirs+=("$seeds/text") ;;
  esac
  dirs=()
  for dir in "${seed_dirs[@]}"; do [ -d "$dir" ] && dirs+=("$dir"); done
  saved_before=$(find "$findings" -type f | wc -l)
  set +e
  "$build/tests/fuzz/fuzz_$target" "$corpus" "${dirs[@]}" -dict="$dict" \
    -max_total_time="$seconds" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=$max_len \
    -artifact_prefix="$findings/" >"$log" 2>&1
  set -e
  saved=$(($(find "$findings" -type f | wc -l) - saved_before))
  # Fork mode's status lines: "#N: cov: C ft: F corp: ... oom/timeout/crash: O/T/X time: ..."
  awk -v target="$target" -v findings="$findings" -v saved="$saved" '
    /^#[0-9]+: cov: / { line = $0 }
    END {
      if (line == "") { printf "%-13s no status line (see the log)\n", target; exit }
      split(line, f, " ")
      execs = substr(f[1], 2); sub(":", "", execs)
      for (i = 1; i <= length(f); i++) {
        if (f[i] == "cov:") cov = f[i + 1]
        if (f[i] == "ft:") ft = f[i + 1]
        if (f[i] == "oom/timeout/crash:") split(f[i + 1], c, "/")
      }
      printf "%-13s executions %s  cov %s  ft %s  crashes %d  ooms %d  timeouts %d  (%d inputs saved in %s)\n",
             target, execs, cov, ft, c[3], c[1], c[2], saved, findings
    }' "$log"
done
