#!/bin/bash
# The RotorQuant NEON kernels on an x86-64 Linux box: cross-compile ggml from the patched tree for aarch64 and run
# test-quantize-fns and test-rotorquant under qemu user-mode emulation (correctness only; emulated timings mean
# nothing). Not part of `npm test`: the emulated test-rotorquant takes ~20 minutes on 2 cores.
#
# needs: Debian packages g++-aarch64-linux-gnu and qemu-user; the patched tree from `npm install` (native/build/llama.cpp)
# usage: native/scripts/check-aarch64.sh [build dir, default native/build/aarch64] [--bytes-only]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SRC="$ROOT/native/build/llama.cpp"
B=${1:-$ROOT/native/build/aarch64}
ARCH=armv8.2-a+dotprod+fp16
[ -f "$SRC/CMakeLists.txt" ] || { echo "no patched tree at $SRC: run npm install first" >&2; exit 1; }
command -v aarch64-linux-gnu-g++ > /dev/null && command -v qemu-aarch64 > /dev/null ||
  { echo "needs g++-aarch64-linux-gnu and qemu-user (apt-get install g++-aarch64-linux-gnu qemu-user)" >&2; exit 1; }

mkdir -p "$B"
cat > "$B/toolchain.cmake" <<TC
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
TC
cmake -S "$SRC" -B "$B/cmake" -DCMAKE_TOOLCHAIN_FILE="$B/toolchain.cmake" -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=OFF -DGGML_CPU_ARM_ARCH=$ARCH -DBUILD_SHARED_LIBS=OFF -DGGML_OPENMP=OFF -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_COMMON=OFF \
  -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF > "$B/cmake.log"
cmake --build "$B/cmake" --target ggml -j"$(nproc)" > "$B/build.log"
L="$B/cmake/ggml/src"
for t in test-quantize-fns test-rotorquant; do
  aarch64-linux-gnu-g++ -std=c++17 -O2 -march=$ARCH -I"$SRC/ggml/include" "$SRC/tests/$t.cpp" \
    "$L/libggml.a" "$L/libggml-cpu.a" "$L/libggml-base.a" -lpthread -static -o "$B/$t"
done
echo "## quantized bytes, aarch64 (compare with native/build/bin/test-rotorquant --bytes)"
qemu-aarch64 "$B/test-rotorquant" --bytes
[ "${2:-}" = "--bytes-only" ] && exit 0
rc=0
echo "## test-quantize-fns"
qemu-aarch64 "$B/test-quantize-fns" > "$B/test-quantize-fns.out" || rc=$?
grep -E "^ ?(planar|iso)[234] " "$B/test-quantize-fns.out"
echo "## test-rotorquant (every check; the last line is the verdict)"
qemu-aarch64 "$B/test-rotorquant" > "$B/test-rotorquant.out" || rc=$?
grep -v "^RQ fa " "$B/test-rotorquant.out" | tail -3
exit $rc
