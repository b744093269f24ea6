#!/usr/bin/env bash
# The whole training run on the GPU machine, from the repository root:
#   bash training/run-device.sh [train.py options]      (outputs under $OUT, or ./training-out without it)
# Needs .train-kit/ (ignored): debs/ (espeak-ng and its libraries, fortunes, fortunes-min as Debian packages) and
# llama/ (convert_hf_to_gguf.py, conversion/, gguf-py/ from native/build/llama.cpp). training/README.md says how.
set -euo pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-$PWD/training-out}
WORK=${WORK:-/tmp/rs-train}
mkdir -p "$OUT" "$WORK" /tmp/x
for f in .train-kit/debs/*.deb; do dpkg -x "$f" /tmp/x; done
export ESPEAK_ROOT=/tmp/x
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 training/train.py --fortunes /tmp/x/usr/share/games/fortunes --llama .train-kit/llama --out "$WORK" "$@" \
  2>&1 | tee "$OUT/log"
cp "$WORK/summary.json" "$WORK/heldout.json" "$OUT/"
cp "$WORK"/*.gguf "$OUT/" || true
ls -la "$WORK" "$OUT"
# the bf16 HF checkpoint (config, tokenizer, weights) comes back in 15 MB parts: cat hf.tar.part-* | tar -x
tar -C "$WORK" -cf - hf | split -b 15M - "$OUT/hf.tar.part-"
