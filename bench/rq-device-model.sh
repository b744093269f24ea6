#!/bin/bash
# Decode at depth on a clean machine: patched llama.cpp + bench/kv-decode.cpp, against a zero-filled copy of the
# real-dimension Voxtral Q4_K_M fixture (its GGUF header carried in .cache/rq/; weights' values do not change the
# kernels' timing).
set -e
ROOT=$(pwd); OUT=${OUT:-/tmp/out}; J=$(nproc)
if [ ! -d /tmp/src ]; then
  git clone -q node_modules/node-llama-cpp/llama/gitRelease.bundle /tmp/src
  (cd /tmp/src && git checkout -q de3ff815ea7d559ee917f063901b8986f038abc6 && for p in "$ROOT"/native/patches/*.patch; do git apply "$p"; done)
fi
cmake -S /tmp/src -B /tmp/b -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF > /tmp/cmake.log 2>&1
time cmake --build /tmp/b -j"$J" --target llama > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log; exit 1; }
g++ -O2 -std=c++17 bench/kv-decode.cpp -I/tmp/src/include -I/tmp/src/ggml/include /tmp/b/src/libllama.a \
  /tmp/b/ggml/src/libggml.a /tmp/b/ggml/src/libggml-cpu.a /tmp/b/ggml/src/libggml-base.a -lpthread -fopenmp -o /tmp/kv-decode
M=/tmp/model.gguf; cp .cache/rq/q4km-header.bin $M; truncate -s 2467784128 $M
/tmp/kv-decode $M 4096 "${PAIRS4K:-f16:f16,q8_0:q8_0,q4_0:q4_0,iso3:iso3,planar3:planar3,iso4:iso4}" 2 "$J" 16 | tee -a "$OUT/decode.txt"
LLAMA_ATTN_ROT_DISABLE=1 /tmp/kv-decode $M 4096 iso3:iso3 2 "$J" 16 | sed 's/^KV/KV norot/' | tee -a "$OUT/decode.txt"
/tmp/kv-decode $M 16384 "${PAIRS16K:-f16:f16,q8_0:q8_0,q4_0:q4_0,iso3:iso3}" 2 "$J" 8 | tee -a "$OUT/decode.txt"
