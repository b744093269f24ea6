/**
 * A loaded runtime model whose contexts add up what the runtime timed inside every transcribe call and every stream
 * (encoder, prefill, decode, log-mel), for the benches that run whole jobs through it (bench/gpu-engine.ts,
 * bench/e2e.ts).
 */
import type { RuntimeModelLike } from '../main/engine/job/runtime-transcriber';
import type { GenerationTimings } from '../main/engine/runtime/voxtral';

export interface RuntimeTotals {
  calls: number;
  encodeMs: number;
  prefillMs: number;
  audioPrefillMs: number;
  decodeMs: number;
  prefillTokens: number;
  decodedTokens: number;
  decodeSteps: number;
  /** The log-mel spectrograms in all, and what the decode waited for of them (not computed ahead). */
  tokenizeMs: number;
  tokenizeWaitMs: number;
  /** A stream with every slot empty, waiting for the job's next window. */
  idleMs: number;
}

export const zeroTotals = (): RuntimeTotals => ({
  calls: 0,
  encodeMs: 0,
  prefillMs: 0,
  audioPrefillMs: 0,
  decodeMs: 0,
  prefillTokens: 0,
  decodedTokens: 0,
  decodeSteps: 0,
  tokenizeMs: 0,
  tokenizeWaitMs: 0,
  idleMs: 0,
});

function add(totals: RuntimeTotals, t: GenerationTimings): void {
  totals.calls++;
  totals.encodeMs += t.encodeMs;
  totals.prefillMs += t.prefillMs;
  totals.audioPrefillMs += t.audioPrefillMs;
  totals.decodeMs += t.decodeMs;
  totals.prefillTokens += t.prefillTokens;
  totals.decodedTokens += t.decodedTokens;
  totals.decodeSteps += t.decodeSteps;
  totals.tokenizeMs += t.tokenizeMs;
  totals.tokenizeWaitMs += t.tokenizeWaitMs;
  totals.idleMs += t.idleMs;
}

function isTimings(t: unknown): t is GenerationTimings {
  return typeof t === 'object' && t !== null && 'encodeMs' in t && 'decodeMs' in t;
}

export function timedModel(model: RuntimeModelLike, totals: RuntimeTotals): RuntimeModelLike {
  return {
    info: model.info,
    audioTokenRate: model.audioTokenRate,
    paths: model.paths,
    dispose: () => model.dispose(),
    createContext: async (opts) => {
      const ctx = await model.createContext(opts);
      return {
        dispose: () => ctx.dispose(),
        ...(ctx.memory ? { memory: () => ctx.memory!() } : {}),
        transcribe: async (windows, o) => {
          const res = (await ctx.transcribe(windows, o)) as Awaited<ReturnType<typeof ctx.transcribe>> & {
            timings?: GenerationTimings;
          };
          if (res.timings) add(totals, res.timings);
          return res;
        },
        ...(ctx.openStream
          ? {
              openStream: (o) => {
                const stream = ctx.openStream!(o);
                return {
                  submit: (w) => stream.submit(w),
                  cancel: () => stream.cancel(),
                  close: async () => {
                    const t = await stream.close();
                    if (isTimings(t)) add(totals, t);
                    return t;
                  },
                };
              },
            }
          : {}),
      };
    },
  };
}
