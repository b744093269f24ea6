#!/bin/bash
# The RotorQuant CUDA checks and GPU benchmarks in one call on a CUDA machine with no Node (issue 23), from this
# checkout: patched llama.cpp (native/patches, CUDA for CMAKE_CUDA_ARCHITECTURES, default 90), then in priority order
#   bytes    SET_ROWS bytes on CUDA0 == CPU quantizer, every RotorQuant type        (bench/gpu-check.cpp --bytes)
#   ops      supports_op of CUDA0 for the engine guard's probe ops, per K/V pair     (--ops)
#   backend  upstream test-backend-ops, CUDA0 vs CPU, every RotorQuant case (SET_ROWS, CPY, GET_ROWS, FLASH_ATTN_EXT)
#   greedy   greedy tokens CPU-only vs all layers on CUDA0, per K/V pair, on the trained small Voxtral (fixtures/trained)
#   fa       decode-step flash attention alone at Voxtral's shape, 4k/16k/32k cells  (--fa-bench)
#   sr       SET_ROWS alone at Voxtral's KV shape, 1 token (decode) and 512 (a prefill ubatch)  (--sr-bench)
#   model    real-dimension synthetic Voxtral text model, Q4_K (bench/gpu-model.py)
#   kv       KV buffer bytes llama.cpp allocates on CUDA0 for a 32k context, per pair
#   bench    llama-bench: decode (tg32) and prefill (pp512) at depth 0/4k/16k/32k, per pair, all layers on CUDA0, FA on
#   prof     (not in the default list) nsys kernel summary of iso3 decode steps where nsys is installed, else Nsight
#            Compute (ncu) sections of the iso3 SET_ROWS (1 and 512 tokens) and decode flash-attention (32k) kernels
# Everything is tee'd into $OUT/gpu.txt (llama-bench's JSON lines into $OUT/bench.jsonl); a stage that would run past
# BUDGET_S (default 560 s from the start) is cut by `timeout` and reported. `npm run bench:gpu` reads these files.
# needs (carried): node_modules/node-llama-cpp/llama/gitRelease.bundle
# knobs: STAGES, PAIRS (llama-bench/kv, K:V,...), DEPTHS, FA_PAIRS, FA_DEPTHS, CUDA_ARCH, BUDGET_S, REPS, TARGETS
# (the build targets; `llama` alone is enough for bytes/ops/greedy/fa/sr/kv)
set -e
ROOT=$(pwd); OUT=${OUT:-/tmp/out}; J=$(nproc); mkdir -p "$OUT"
LOG="$OUT/gpu.txt"; T0=$(date +%s); BUDGET_S=${BUDGET_S:-560}
STAGES=${STAGES:-"bytes ops backend greedy fa sr model kv bench"}
PAIRS=${PAIRS:-f16:f16,iso3:iso3,q4_0:q4_0,q8_0:q8_0,iso4:iso4,planar3:planar3,iso3:iso4,q8_0:iso3}
DEPTHS=${DEPTHS:-0,4096,16384,32768}
FA_DEPTHS=${FA_DEPTHS:-4096,16384,32768}
FA_PAIRS=${FA_PAIRS:-$PAIRS}
CUDA_ARCH=${CUDA_ARCH:-90}
REPS=${REPS:-1}
TARGETS=${TARGETS:-"llama test-backend-ops llama-bench"}
COMMIT=de3ff815ea7d559ee917f063901b8986f038abc6

. "$(dirname "${BASH_SOURCE[0]}")/device-stages.sh"
want() { [[ " $STAGES " == *" $1 "* ]]; }

say "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader 2>&1 | head -1)"
say "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) x$J; nvcc $(nvcc --version | grep -o 'release [0-9.]*')"

rm -rf /tmp/src /tmp/b
git clone -q node_modules/node-llama-cpp/llama/gitRelease.bundle /tmp/src
(cd /tmp/src && git checkout -q $COMMIT && for p in "$ROOT"/native/patches/*.patch; do git apply "$p"; done)
cmake -S /tmp/src -B /tmp/b -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCH" \
  -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=ON -DLLAMA_BUILD_TESTS=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF > "$OUT/cmake.txt" 2>&1 || { tail -30 "$OUT/cmake.txt"; exit 1; }
if ! cmake --build /tmp/b -j"$J" --target $TARGETS > /tmp/build.log 2>&1; then
  grep -B2 -A12 -m8 "error" /tmp/build.log | head -150 | tee "$OUT/build-errors.txt"; exit 1
fi
g++ -O2 -std=c++17 bench/gpu-check.cpp -I/tmp/src/include -I/tmp/src/ggml/include -L/tmp/b/bin -lllama -lggml -lggml-base \
  -Wl,-rpath,/tmp/b/bin -o /tmp/gpu-check
grep -E "ptxas|spill" /tmp/build.log | grep -i -B1 "rq_\|rotorquant" | head -40 > "$OUT/ptxas.txt" || true
say "built (cuda arch $CUDA_ARCH)"

B=/tmp/b/bin
want bytes   && stage bytes /tmp/gpu-check --bytes
want ops     && stage ops /tmp/gpu-check --pairs "$PAIRS,planar4:planar4,iso2:iso2,planar2:planar2,iso4:iso3,q4_0:iso3" --ops
want backend && stage backend $B/test-backend-ops -b CUDA0 -o "SET_ROWS|CPY|GET_ROWS|FLASH_ATTN_EXT" -p "planar|iso"
want greedy  && stage greedy /tmp/gpu-check --pairs "$PAIRS,planar4:planar4,iso2:iso2" --greedy fixtures/trained/voxtral-small-q8_0.gguf
want fa      && stage fa /tmp/gpu-check --pairs "$FA_PAIRS" --fa-bench "$FA_DEPTHS"
want sr      && stage sr /tmp/gpu-check --pairs "f16:f16,q4_0:q4_0,iso3:iso3,iso4:iso4,planar3:planar3,iso3:iso4" --sr-bench 1,512
M=/tmp/voxtral-q4k.gguf
want model   && stage model python3 bench/gpu-model.py /tmp/src "$M"
want kv      && stage kv /tmp/gpu-check --pairs "$PAIRS" --kv "$M" 33024
if want bench; then
  for pair in ${PAIRS//,/ }; do
    stage "bench $pair" $B/llama-bench -m "$M" -ngl 99 -fa 1 -ctk "${pair%%:*}" -ctv "${pair#*:}" -p 512 -n 32 -d "$DEPTHS" \
      -r "$REPS" -o md -oe jsonl
    grep -h '^{' "$OUT/stderr.txt" > "$OUT/bench.jsonl" || true
  done
fi
if want prof; then
  if command -v nsys > /dev/null; then
    stage prof nsys profile -o /tmp/prof --force-overwrite true $B/llama-bench -m "$M" -ngl 99 -fa 1 -ctk iso3 -ctv iso3 \
      -p 0 -n 64 -d 4096 -r 1 -o md
    nsys stats -q --report cuda_gpu_kern_sum --format csv /tmp/prof.nsys-rep 2>&1 | head -30 | tee -a "$LOG"
  elif command -v ncu > /dev/null; then
    NCU="ncu --section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats -c 1"
    stage "prof sr1" $NCU -k regex:k_rq_set_rows /tmp/gpu-check --pairs iso3:iso3 --sr-bench 1
    stage "prof sr512" $NCU -k regex:k_rq_set_rows /tmp/gpu-check --pairs iso3:iso3 --sr-bench 512
    stage "prof fa" $NCU -k regex:k_rq_fattn_decode /tmp/gpu-check --pairs iso3:iso3 --fa-bench 32768
  else
    say "prof: neither nsys nor ncu installed"
  fi
fi
say "done"
