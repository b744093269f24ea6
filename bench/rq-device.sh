#!/bin/bash
# RotorQuant kernels on a clean machine: build the patched tree, run the tests, time decode-step attention.
set -e
ROOT=$(pwd)
OUT=${OUT:-/tmp/out}
J=$(nproc)
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo) x$(nproc)"
command -v python3 && python3 -c "import numpy; print('numpy', numpy.__version__)" || true
command -v node && node --version || true
rm -rf /tmp/src && git clone -q node_modules/node-llama-cpp/llama/gitRelease.bundle /tmp/src
cd /tmp/src && git checkout -q de3ff815ea7d559ee917f063901b8986f038abc6
for p in "$ROOT"/native/patches/*.patch; do git apply "$p"; done
cmake -S . -B /tmp/b -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=ON \
  -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF > /tmp/cmake.log 2>&1
time cmake --build /tmp/b -j"$J" --target test-rotorquant test-quantize-fns ${EXTRA_TARGETS} > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log; exit 1; }
/tmp/b/bin/test-quantize-fns > "$OUT/qfns.txt" 2>&1; echo "test-quantize-fns rc=$?"
/tmp/b/bin/test-rotorquant > "$OUT/rq.txt" 2>&1; echo "test-rotorquant rc=$?"; grep -v "^RQ fa" "$OUT/rq.txt" | tail -3
for kv in ${BENCH_KV:-4096 16384}; do
  for t in ${BENCH_T:-2}; do /tmp/b/bin/test-rotorquant --bench "$kv" -t "$t" | tee -a "$OUT/bench.txt"; done
done
