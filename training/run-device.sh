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
if [ -n "${INIT_GGUF:-}" ]; then
  # start from a committed export (text GGUF + mmproj in this folder), dequantized back to an HF checkpoint
  python3 training/from_gguf.py --llama .train-kit/llama --text "$INIT_GGUF/voxtral-small-q8_0.gguf" \
    --mmproj "$INIT_GGUF/voxtral-small-mmproj-q8_0.gguf" --out "$WORK/init-hf"
  set -- "$@" --init "$WORK/init-hf"
fi
python3 training/train.py --fortunes /tmp/x/usr/share/games/fortunes --llama .train-kit/llama --out "$WORK" "$@" \
  2>&1 | tee "$OUT/log"
cp "$WORK/summary.json" "$WORK/heldout.json" "$OUT/"
cp "$WORK"/*.gguf "$OUT/" || true
ls -la "$WORK" "$OUT"
# the bf16 HF checkpoint (config, tokenizer, weights) comes back in 15 MB parts: cat hf.tar.part-* | tar -x
tar -C "$WORK" -cf - hf | split -b 15M - "$OUT/hf.tar.part-"
