/**
 * Audio constants every layer agrees on (decoder, VAD, window cutter, model, memory advisor, fixtures). Pure: no
 * Node imports, so the renderer (live recording) can use it too.
 */

/** The rate and layout of all PCM past the decoder: 16 kHz mono float32 (Voxtral's and Silero's input rate). */
export const SAMPLE_RATE = 16_000;

/** libmtmd encodes audio in independent 30 s chunks; a transcription window must fit in one. */
export const MTMD_CHUNK_SEC = 30;

/** Samples per decoded chunk by default: 2.048 s (128 KiB of float32), a few pipe reads. */
export const DEFAULT_CHUNK_SAMPLES = 32_768;

export function samplesToSec(samples: number): number {
  return samples / SAMPLE_RATE;
}

/** Rounded to whole samples: cut decisions are made in integer samples so they reproduce bit for bit. */
export function secToSamples(sec: number): number {
  return Math.round(sec * SAMPLE_RATE);
}

/** Chunks of PCM joined into one buffer, in order. */
export function concatPcm(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
