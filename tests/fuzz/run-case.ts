/** One fuzz case through the real code: the media front end (probe, then decode) or the GGUF checks. */
import { truncate, writeFile } from 'node:fs/promises';
import { type ErrorCode, RotorError } from '@common/errors';
import { decodeAudio, probeAudio } from '../../main/engine/audio/decode';
import { type GgmlTypeSize, readGgufHeader, tensorDataExtent } from '../../main/engine/gguf';

export type Outcome =
  /** Decoded to PCM (possibly none) that the transcriber can take, or a GGUF that passed the checks. */
  | { kind: 'ok'; samples: number; warnings: number }
  /** A RotorError with its code: the contract for bad input. INTERNAL here is a bug. */
  | { kind: 'error'; code: ErrorCode }
  /** Still running at the bound: a hang. */
  | { kind: 'hang' }
  /** Anything thrown that is not a RotorError: a bug. */
  | { kind: 'exception'; detail: string };

/** [values, bytes] per block of the ggml types a Voxtral GGUF uses (ggml.c's type_traits). */
const GGML_BLOCKS: Record<number, readonly [number, number]> = {
  0: [1, 4], // F32
  1: [1, 2], // F16
  2: [32, 18], // Q4_0
  3: [32, 20], // Q4_1
  6: [32, 22], // Q5_0
  7: [32, 24], // Q5_1
  8: [32, 34], // Q8_0
  10: [256, 84], // Q2_K
  11: [256, 110], // Q3_K
  12: [256, 144], // Q4_K
  13: [256, 176], // Q5_K
  14: [256, 210], // Q6_K
  30: [1, 2], // BF16
};
const typeSize: GgmlTypeSize = (t) => GGML_BLOCKS[t] ?? null;

function classify(error: unknown): Outcome {
  if (error instanceof RotorError) return { kind: 'error', code: error.code };
  return {
    kind: 'exception',
    detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}

/** Probe (when asked) then decode `path`, as a dropped file goes through the app; `boundMs` caps the case. */
export async function runMediaCase(path: string, boundMs: number, probe: boolean): Promise<Outcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, boundMs);
  try {
    if (probe) await probeAudio(path, { signal: controller.signal });
    const stream = decodeAudio(path, { signal: controller.signal });
    let samples = 0;
    for await (const chunk of stream) {
      samples += chunk.length;
      for (let i = 0; i < chunk.length; i++) {
        // what the transcriber gets must be numbers it can use
        if (!Number.isFinite(chunk[i]!))
          return { kind: 'exception', detail: `non-finite sample ${chunk[i]}` };
      }
    }
    return { kind: 'ok', samples, warnings: stream.stats().warnings.length };
  } catch (error) {
    return timedOut ? { kind: 'hang' } : classify(error);
  } finally {
    clearTimeout(timer);
  }
}

/** Writes a mutated GGUF header over a sparse tail as long as the real tensor data, then runs the model checks. */
export async function runGgufCase(path: string, header: Uint8Array, dataBytes: number): Promise<Outcome> {
  await writeFile(path, header);
  await truncate(path, header.length + dataBytes);
  try {
    const parsed = await readGgufHeader(path);
    const end = tensorDataExtent(parsed, typeSize);
    if (end > parsed.fileSize) return { kind: 'error', code: 'MODEL_TRUNCATED' };
    return { kind: 'ok', samples: 0, warnings: 0 };
  } catch (error) {
    return classify(error);
  }
}
