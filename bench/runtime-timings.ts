/**
 * A loaded runtime model whose contexts add up what the runtime timed inside every transcribe call (encoder, prefill,
 * decode), for the benches that run whole jobs through it (bench/gpu-engine.ts, bench/e2e.ts).
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
}

export const zeroTotals = (): RuntimeTotals => ({
  calls: 0,
  encodeMs: 0,
  prefillMs: 0,
  audioPrefillMs: 0,
  decodeMs: 0,
  prefillTokens: 0,
  decodedTokens: 0,
});

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
          const t = res.timings;
          if (t) {
            totals.calls++;
            totals.encodeMs += t.encodeMs;
            totals.prefillMs += t.prefillMs;
            totals.audioPrefillMs += t.audioPrefillMs;
            totals.decodeMs += t.decodeMs;
            totals.prefillTokens += t.prefillTokens;
            totals.decodedTokens += t.decodedTokens;
          }
          return res;
        },
      };
    },
  };
}
