#!/bin/bash
# The whole engine on a CUDA host with no Node, in one device call (issues 19 and 23), from .gpukit (see
# bench/gpu-engine-kit.sh; carried). Stages, in priority order, each under what is left of BUDGET_S (default 540 s):
#   build      the addon's CMake project (native/CMakeLists.txt) on the patched llama.cpp with GGML_CUDA for
#              CUDA_ARCH (default 90) and one CPU module (haswell; GGML_NATIVE cannot be a loaded module):
#              rotorscribe.node + ggml/llama/mtmd + the CUDA backend, as native/scripts/build.mjs lays them out
#   models     (while the addon builds) the real vocabulary and the real-dimension encoder (bench/gpu-engine.ts
#              --fixtures), then the real-dimension Q4_K text model from them (bench/gpu-engine-model.py)
#   window     WINDOW_SEC (default 1500 = 25 min) in one context, iso3, all layers + encoder on the GPU (decode capped)
#   meeting    the 1-hour meeting through the job pipeline with parallel windows (PLANS_PARALLEL, one process)
#   window f16 the same window with an f16 cache, for comparison
#   meeting    the meeting one window at a time (PLANS_SERIAL, another process)
#   rec        the advisor's own plan for this machine on the meeting
# Everything is tee'd into $OUT/gpu-engine.txt, result lines into $OUT/engine.jsonl:
#   npx tsx bench/gpu-engine.ts --from <dir> prints the tables.
# knobs: BUDGET_S, CUDA_ARCH, WINDOW_SEC, MAX_DECODE, PLANS_PARALLEL, PLANS_SERIAL, LAYERS and ENCODER_LAYERS (fewer layers, for dry
#        runs), SRC (an unpacked patched llama.cpp), ADDON_DIR (skip the build: a built addon's folder, e.g. native/build/Release for a CPU dry run),
#        GPU_LAYERS (0 on a CPU dry run), REPLAY (another front-end recording), STAGES
set -e
ROOT=$(pwd); OUT=${OUT:-/tmp/out}; J=$(nproc); mkdir -p "$OUT"
LOG="$OUT/gpu-engine.txt"; T0=$(date +%s); BUDGET_S=${BUDGET_S:-540}
K=$ROOT/.gpukit
CUDA_ARCH=${CUDA_ARCH:-90}
WINDOW_SEC=${WINDOW_SEC:-1500}
MAX_DECODE=${MAX_DECODE:-64}
PLANS_PARALLEL=${PLANS_PARALLEL:-iso3:120:16,iso3:120:8}
PLANS_SERIAL=${PLANS_SERIAL:-iso3:120:1}
GPU_LAYERS=${GPU_LAYERS:-99}
STAGES=${STAGES:-"window meeting window-f16 rec"}
want() { [[ " $STAGES " == *" $1 "* ]]; }
. "$ROOT/bench/device-stages.sh"

say "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)"
say "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) x$J; $(nvcc --version 2>/dev/null | grep -o 'release [0-9.]*' || echo 'no nvcc')"

W=/tmp/gpu-engine; mkdir -p $W
xz -dc "$K/node.xz" > $W/node && chmod +x $W/node
$W/node --version > /dev/null 2>&1 || export LD_LIBRARY_PATH=$K:${LD_LIBRARY_PATH:-}
say "node $($W/node --version)"

SRC=${SRC:-$W/src}
if [ ! -d "$SRC/gguf-py" ]; then rm -rf "$SRC" && mkdir -p "$SRC" && tar -C "$SRC" -xJf "$K/llama-src.tar.xz"; fi
E=($W/node "$K/gpu-engine.mjs")
M=$W/text-q4k.gguf; FX=$W/fx; MM=$FX/mmproj-encoder.gguf

# the models are written while the addon builds (Node, then one Python core; the compilers take the rest)
models() {
  "${E[@]}" --fixtures $FX ${ENCODER_LAYERS:+--encoder-layers $ENCODER_LAYERS} && python3 bench/gpu-engine-model.py "$SRC" $FX/vocab.gguf $M ${LAYERS:+--layers $LAYERS}
}
models > $W/models.log 2>&1 &
MODELS=$!

if [ -z "${ADDON_DIR:-}" ]; then
  rm -rf $W/hdr $W/nb $W/native && mkdir -p $W/hdr
  tar -C $W -xJf "$K/native-src.tar.xz"
  tar -C $W/hdr -xJf "$K/headers.tar.xz"
  cmake -S $W/native -B $W/nb -G Ninja -DCMAKE_BUILD_TYPE=Release -DROTORSCRIBE_LLAMA_SOURCE="$SRC" \
    -DROTORSCRIBE_TOOLS=OFF -DROTORSCRIBE_BACKEND_DL=ON -DGGML_NATIVE=OFF -DGGML_CPU_ALL_VARIANTS=ON -DGGML_CPU_VARIANTS=haswell \
    -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCH" \
    -DNODE_ADDON_API_DIR=$W/hdr/node-addon-api -DCMAKE_JS_INC=$W/hdr/node-api-headers/include \
    > "$OUT/cmake.txt" 2>&1 || { tail -30 "$OUT/cmake.txt"; exit 1; }
  if ! cmake --build $W/nb -j"$J" --target rotorscribe ggml-cpu-haswell ggml-cuda > $W/build.log 2>&1; then
    grep -B2 -A12 -m8 "error" $W/build.log | head -150 | tee "$OUT/build-errors.txt"; exit 1
  fi
  ADDON_DIR=$W/nb/Release
  say "built $(ls $ADDON_DIR | tr '\n' ' ')"
fi
export ROTORSCRIBE_NATIVE_ADDON=$ADDON_DIR/rotorscribe.node
set +e; wait $MODELS; rc=$?; set -e
tee -a "$LOG" < $W/models.log
say "models written (exit $rc)"

WIN=("${E[@]}" --window --model $M --mmproj $MM --window-sec "$WINDOW_SEC" --max-decode "$MAX_DECODE"
  --gpu-layers "$GPU_LAYERS")
MEET=("${E[@]}" --meeting --model $M --mmproj $MM --replay "${REPLAY:-$K/front-end.json}")
want window && stage "window $WINDOW_SEC s iso3" "${WIN[@]}" --type iso3
want meeting && stage "meeting $PLANS_PARALLEL" "${MEET[@]}" --plans "$PLANS_PARALLEL"
want window-f16 && stage "window $WINDOW_SEC s f16" "${WIN[@]}" --type f16
want meeting && stage "meeting $PLANS_SERIAL" "${MEET[@]}" --plans "$PLANS_SERIAL"
want rec && stage "meeting rec" "${MEET[@]}" --plans rec
grep -h '^ENGINE ' "$LOG" | sed 's/^ENGINE //' > "$OUT/engine.jsonl" || true
tail -40 "$OUT/stderr.txt" > "$OUT/stderr-tail.txt" 2> /dev/null || true
say "done"
