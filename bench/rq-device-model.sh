#!/bin/bash
# Decode at 4k / 16k / 32k depth for every KV cache type on a clean machine, in one run of under 9 minutes on 16 cores:
# patched llama.cpp (static, this checkout's native/patches) + bench/kv-decode.cpp, against a zero-filled copy of the
# real-dimension Voxtral Q4_K_M fixture (its GGUF header is carried in .cache/rq/; the weights' values do not change
# any kernel's timing). The cache is brought to depth by loading a synthetic sequence state (kv-decode --fill synth:
# seconds at any depth; bench/kv.ts's header says why that is valid for timing decode); decode after a real prefill
# is timed against it as a cross-check (f16 at 4096, iso3 at 2048).
#
# needs (carried): node_modules/node-llama-cpp/llama/gitRelease.bundle, .cache/rq/q4km-header.bin
# output: everything tee'd into $OUT/decode.txt, stages in priority order with elapsed seconds; a stage that would
# run past BUDGET_S (default 540 s from the start) is cut by `timeout`, keeping the lines it already printed.
# knobs: PAIRS, DEPTH_4K/16K/32K, N_DEC (4k, cross-checks), N_DEC_16K, N_DEC_32K, DEC_THREADS, XCHECKS, PREFILL_TOKENS, PREFILL_PAIRS,
#        KV_DECODE=path (skip the build, use that binary: local dry runs)
set -e
ROOT=$(pwd); OUT=${OUT:-/tmp/out}; J=$(nproc); mkdir -p "$OUT"
LOG="$OUT/decode.txt"; T0=$(date +%s); BUDGET_S=${BUDGET_S:-540}
DEPTH_4K=${DEPTH_4K:-4096}; DEPTH_16K=${DEPTH_16K:-16384}; DEPTH_32K=${DEPTH_32K:-32640}
N_DEC=${N_DEC:-16}; N_DEC_16K=${N_DEC_16K:-8}; N_DEC_32K=${N_DEC_32K:-6}
PAIRS=${PAIRS:-f16:f16,q8_0:q8_0,q4_0:q4_0,iso3:iso3,planar3:planar3,iso4:iso4}
DEC_THREADS=${DEC_THREADS:-2}
# cross-checks as DEPTH=PAIRS entries, each a real prefill to DEPTH with all cores: f16 at 4096 (~1 min), iso3 at 2048
# to stay inside the budget (with patch 0103 its prefill runs near f16's; XCHECKS="4096=f16:f16,iso3:iso3" if time allows)
XCHECKS=${XCHECKS:-4096=f16:f16 2048=iso3:iso3}
PREFILL_TOKENS=${PREFILL_TOKENS:-1024}; PREFILL_PAIRS=${PREFILL_PAIRS:-$PAIRS}

. "$(dirname "${BASH_SOURCE[0]}")/device-stages.sh"

say "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) x$J; pairs $PAIRS; decode threads $DEC_THREADS"
if [ -n "$KV_DECODE" ]; then
  cp "$KV_DECODE" /tmp/kv-decode   # a prebuilt binary: dry runs of this script on another machine
else
  rm -rf /tmp/src /tmp/b
  git clone -q node_modules/node-llama-cpp/llama/gitRelease.bundle /tmp/src
  (cd /tmp/src && git checkout -q de3ff815ea7d559ee917f063901b8986f038abc6 && for p in "$ROOT"/native/patches/*.patch; do git apply "$p"; done)
  cmake -S /tmp/src -B /tmp/b -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF > /tmp/cmake.log 2>&1
  cmake --build /tmp/b -j"$J" --target llama > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log; exit 1; }
  g++ -O2 -std=c++17 bench/kv-decode.cpp -I/tmp/src/include -I/tmp/src/ggml/include /tmp/b/src/libllama.a \
    /tmp/b/ggml/src/libggml.a /tmp/b/ggml/src/libggml-cpu.a /tmp/b/ggml/src/libggml-base.a -lpthread -fopenmp -o /tmp/kv-decode
fi
say "built llama + kv-decode"

M=/tmp/model.gguf; cp .cache/rq/q4km-header.bin $M; truncate -s 2467784128 $M
KVD=(/tmp/kv-decode "$M" --threads "$DEC_THREADS" --batch-threads "$J")

# 1. decode after a synthetic state at each depth (the figures issue 4 asks for); deeper steps take longer, so fewer
stage "synth $DEPTH_4K" "${KVD[@]}" --depths "$DEPTH_4K" --pairs "$PAIRS" --fill synth --n-decode "$N_DEC"
stage "synth $DEPTH_4K iso3 attn_rot off" env LLAMA_ATTN_ROT_DISABLE=1 "${KVD[@]}" --depths "$DEPTH_4K" --pairs iso3:iso3 \
  --fill synth --n-decode "$N_DEC"
stage "synth $DEPTH_16K" "${KVD[@]}" --depths "$DEPTH_16K" --pairs "$PAIRS" --fill synth --n-decode "$N_DEC_16K"
stage "synth $DEPTH_32K" "${KVD[@]}" --depths "$DEPTH_32K" --pairs "$PAIRS" --fill synth --n-decode "$N_DEC_32K"
# 2. prefill from an empty cache with all cores (the type must work from the first token)
stage "prefill $PREFILL_TOKENS" "${KVD[@]}" --depths none --pairs "$PREFILL_PAIRS" \
  --prefill "$PREFILL_TOKENS" --prefill-threads "$J"
# 3. cross-check: decode after a real prefill of the same depth, in the same context (its fill_s is a prefill figure)
for x in $XCHECKS; do
  stage "cross-check ${x%%=*} ${x#*=}" "${KVD[@]}" --depths "${x%%=*}" --pairs "${x#*=}" --fill both --n-decode "$N_DEC"
done
say "done"
