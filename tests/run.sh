#!/usr/bin/env bash
# Builds tflconv once and runs every test with ctest -j2 (unit, conformance
# against the shared fixture corpus on the official TFLite runtime, service,
# deploy), then the core under ASan and UBSan (tests/sanitize.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j2
ctest --test-dir "$BUILD_DIR" -j2 --output-on-failure "$@"
tests/sanitize.sh
