#!/usr/bin/env bash
# Installs what tflconv builds and tests with on Debian 12 (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config python3 python3-numpy ca-certificates \
  libgrpc++-dev libssl-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
  libflatbuffers-dev flatbuffers-compiler libabsl-dev libgtest-dev libgmock-dev \
  prometheus-cpp-dev libcivetweb-dev libseccomp-dev >/dev/null
# tests/fuzz/run.sh: clang with libFuzzer and the sanitizer runtimes
# (libclang_rt.fuzzer-x86_64.a is in libclang-rt-14-dev).
apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "install-deps: toolchain and libraries ready"
