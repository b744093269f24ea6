#!/bin/bash
# Packs what `npm run bench:engine` needs to run on a machine with no Node, no npm and no compiler (the project's
# 16-core benchmark hosts): Node, the built addon and llama.cpp tools from native/build (built for AVX2 without
# GGML_NATIVE, so one build runs on both machines and ours/llama.cpp share the same ggml), their C++ runtime, and
# bench/engine.ts bundled into one file. Output: .devkit/ (ignored by git; ~40 MB).
# On the host (repo root, .devkit carried): bash bench/device-engine.sh [bench:engine args]
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.devkit/' .git/info/exclude 2>/dev/null || echo '/.devkit/' >> .git/info/exclude
rm -rf .devkit /tmp/devkit && mkdir -p .devkit /tmp/devkit/native/build/bin /tmp/devkit/lib
cp native/build/Release/rotorscribe.node /tmp/devkit/
cp native/build/bin/llama-bench native/build/bin/llama-mtmd-cli native/build/bin/llama-quantize /tmp/devkit/native/build/bin/
cp -L "$(g++ -print-file-name=libstdc++.so.6)" "$(g++ -print-file-name=libgomp.so.1)" /tmp/devkit/lib/
tar -C /tmp/devkit -cf - . | xz -T0 -6 > .devkit/bin.tar.xz
xz -T0 -6 -c "$(readlink -f node_modules/.bin/node)" > .devkit/node.xz
npx esbuild bench/engine.ts --bundle --platform=node --format=esm --target=node22 --outfile=.devkit/bench-engine.mjs --log-level=warning
du -sh .devkit
