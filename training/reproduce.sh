#!/usr/bin/env bash
# The committed fixture's three stages back to back (about 15 minutes of training on one H200, so more than one
# 10-minute call of our GPU tool: there, run each stage as its own call, carrying the previous stage's hf/ over).
#   stage 1: from scratch, 3600 steps on 32000 utterances (mostly chain text): the encoder learns (CTC 0.38), the
#            decoder does not yet listen (loss 2.85, held-out WER ~100 %)
#   stage 2: from stage 1, 700 steps of 1-6-word utterances first, then mixed: the decoder finds the audio
#   stage 3: from stage 2, 48000 fresh utterances (90 % chain text), 40 % of one-chunk samples packed with several
#            utterances (voices) like a meeting, 40 % multi-chunk batches, 96 chunks a batch, lr 6e-4 decaying by
#            the clock to the 4.7-minute limit (the committed run started from stage 2's Q8_0 export, INIT_GGUF)
set -euo pipefail
WORK=/tmp/rs-stage1 bash training/run-device.sh --workers 16 --chunk-budget 64
WORK=/tmp/rs-stage2 bash training/run-device.sh --workers 16 --chunk-budget 64 --init /tmp/rs-stage1/hf \
  --utterances 16000 --short-utterances 8000 --short-steps 700 --steps 2400 --minutes 3.7
WORK=/tmp/rs-stage3 bash training/run-device.sh --workers 16 --chunk-budget 96 --init /tmp/rs-stage2/hf \
  --utterances 44000 --short-utterances 4000 --real-fraction 0.1 --pack 0.4 --chunk-choices 1,1,1,1,1,1,2,3,4,4 \
  --data-seed 24 --lr 6e-4 --warmup 100 --ctc-weight 0.1 --steps 2000 --minutes 4.7 --time-schedule
