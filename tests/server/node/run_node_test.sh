#!/usr/bin/env bash
# Runs the Node client (written against the .proto alone) against a real
# tflconv-server on loopback and compares its artifacts with local mode.
# usage: run_node_test.sh TFLCONV_SERVER PROTO_DIR CACHE_DIR
# Installs @grpc/grpc-js and @grpc/proto-loader from package-lock.json into
# CACHE_DIR (not the source tree). Exit 77 (skip) only when npm cannot
# reach its registry and nothing is cached.
set -euo pipefail
server_bin=$1 proto_dir=$2 cache=$3
here=$(cd "$(dirname "$0")" && pwd)
tflconv_bin=$(dirname "$(dirname "$server_bin")")/client/tflconv
mkdir -p "$cache"
if ! cmp -s "$here/package-lock.json" "$cache/package-lock.json" || [ ! -d "$cache/node_modules" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$cache/"
  if ! (cd "$cache" && npm ci --no-audit --no-fund --cache "$cache/.npm" >"$cache/npm.log" 2>&1); then
    echo "SKIPPED: npm ci failed (registry unreachable?); see $cache/npm.log"
    exit 77
  fi
fi
work=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
"$server_bin" --listen=127.0.0.1:0 --metrics_listen= --plaintext --workers=1 >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 200); do
  grep -q "listening on port" "$work/server.out" 2>/dev/null && break
  sleep 0.05
done
port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$work/server.out")
[ -n "$port" ] || { echo "server did not start"; cat "$work/server.err"; exit 1; }
mkdir -p "$work/node" "$work/local"
NODE_PATH="$cache/node_modules" node "$here/client.js" "127.0.0.1:$port" "$proto_dir" \
  "$here/small.pbtxt" "$work/node"
"$tflconv_bin" convert --graph_def_file="$here/small.pbtxt" --input_arrays=x --output_arrays=out \
  --output_dir="$work/local" --quiet
for f in model_fp32.tflite model_fp16.tflite; do
  cmp "$work/node/$f" "$work/local/$f" || { echo "FAIL: $f differs from local mode"; exit 1; }
done
kill -TERM $server_pid
wait $server_pid
echo "node client test: OK (artifacts identical to local mode, server exited 0)"
