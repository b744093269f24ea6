#!/bin/bash
# Packs what bench/gpu-engine-device.sh needs on a CUDA host with no Node, into .gpukit/ (ignored by git; carried by
# the device call, 29 MB; the device call's limit is 64 MiB with the working tree):
#   llama-src.tar.xz   the patched llama.cpp (bundle + native/patches) minus the backends the build does not use
#   native-src.tar.xz  the addon's sources and CMake project (native/src, native/CMakeLists.txt)
#   headers.tar.xz     node-addon-api and node-api-headers (the addon's CMake project compiles against them)
#   node.xz            this machine's Node binary (plus its libstdc++, used only if the host's is too old)
#   gpu-engine.mjs     bench/gpu-engine.ts bundled into one file
#   front-end.json     the meeting's front end recorded by bench/gpu-engine-prep.ts (run it first: ~2 min here)
# usage: bash bench/gpu-engine-kit.sh     then, on the device: bash bench/gpu-engine-device.sh (carry .gpukit)
set -euo pipefail
cd "$(dirname "$0")/.."
K=.gpukit
COMMIT=de3ff815ea7d559ee917f063901b8986f038abc6
grep -qx '/.gpukit/' .git/info/exclude 2> /dev/null || echo '/.gpukit/' >> .git/info/exclude
mkdir -p $K
[ -f $K/front-end.json ] || { echo "no $K/front-end.json: run npx tsx bench/gpu-engine-prep.ts first"; exit 1; }

# the committed tree (FROM, default HEAD), so that others' edits in progress in this checkout do not reach the build;
# FROM=worktree packs this checkout as it is (dry runs of uncommitted work)
SNAP=$PWD
if [ "${FROM:-HEAD}" != worktree ]; then
  SNAP=/tmp/gpukit-snap; rm -rf $SNAP && mkdir -p $SNAP
  git archive "${FROM:-HEAD}" | tar -x -C $SNAP && ln -s "$PWD/node_modules" $SNAP/node_modules
fi
S=/tmp/gpukit-src
rm -rf $S && git clone -q node_modules/node-llama-cpp/llama/gitRelease.bundle $S
git -C $S -c advice.detachedHead=false checkout -q $COMMIT
for p in "$SNAP"/native/patches/*.patch; do git -C $S apply --whitespace=nowarn "$p"; done
tar -C $S --exclude='ggml/src/ggml-'{sycl,vulkan,opencl,hexagon,metal,et,webgpu,openvino,cann,virtgpu,zdnn,musa,hip} \
  -cf - CMakeLists.txt LICENSE cmake include src ggml vendor tools/mtmd gguf-py | xz -T0 -6 > $K/llama-src.tar.xz
tar -C "$SNAP" -cf - native/CMakeLists.txt native/src | xz -6 > $K/native-src.tar.xz

tar -C node_modules -cf - node-addon-api node-api-headers/include | xz -6 > $K/headers.tar.xz
NODE_BIN=${NODE_BIN:-$(command -v node)}
if [ ! -f $K/node.xz ] || [ "$NODE_BIN" -nt $K/node.xz ]; then xz -T0 -9 -c "$NODE_BIN" > $K/node.xz; fi
cp -L "$(g++ -print-file-name=libstdc++.so.6)" $K/
# the VAD runtimes are imported lazily (main/engine/vad/runtime.ts) and never by this bench: left out of the bundle
(cd "$SNAP" && npx esbuild bench/gpu-engine.ts --bundle --platform=node --format=esm --target=node20 \
  --external:onnxruntime-node --external:onnxruntime-web \
  --outfile="$OLDPWD/$K/gpu-engine.mjs" --log-level=warning)
du -sh $K/*
du -shc $K | tail -1
