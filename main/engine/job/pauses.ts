/**
 * Long pauses inside a window, shortened before the model hears them (pure). On a CPU every second sent costs
 * encoder and prefill time (375 audio tokens per 30 s at the reference rate) whether it holds speech or not, and a
 * meeting's windows carry many seconds of silence between turns. The VAD already knows where speech is (the
 * window's `speechRegions`): a pause longer than `maxPauseSec` keeps its first and last `maxPauseSec / 2` — the
 * model still hears a pause there, and the VAD's region edges keep half a second of margin for soft word endings —
 * and loses its middle. Speech itself is never touched. The same for the window's leading and trailing silence.
 *
 * The window cutter budgets windows in this heard length (scheduler/heard.ts: the same rule as arithmetic).
 *
 * Times of the transcript are unaffected: sentences are timed against the VAD regions in the recording's clock
 * (timing.ts), not against the audio the model heard.
 */
import { pauseKeepSamples } from '../scheduler/heard';

/** Pauses up to this long reach the model as they are. */
export const DEFAULT_MAX_PAUSE_SEC = 1;

/**
 * The window's PCM with every pause longer than `maxPauseSec` shortened to it. `regions` are [start, end) samples
 * in the stream's clock, `windowStartSample` the window's first sample there. Returns `pcm` itself when nothing is
 * shortened.
 */
export function shortenPauses(
  pcm: Float32Array,
  windowStartSample: number,
  regions: readonly (readonly [number, number])[],
  maxPauseSec = DEFAULT_MAX_PAUSE_SEC,
): Float32Array {
  const keep = pauseKeepSamples(maxPauseSec);
  const speech = regions
    .map(
      ([a, b]) => [Math.max(0, a - windowStartSample), Math.min(pcm.length, b - windowStartSample)] as const,
    )
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  if (speech.length === 0) return pcm;
  // the parts kept, as [start, end) in the window; overlapping or touching parts merge
  const parts: [number, number][] = [];
  const add = (a: number, b: number): void => {
    if (b <= a) return;
    const last = parts.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else parts.push([a, b]);
  };
  add(Math.max(0, speech[0]![0] - keep), speech[0]![0]);
  for (let i = 0; i < speech.length; i++) {
    const [a, b] = speech[i]!;
    add(a, b);
    const next = speech[i + 1]?.[0] ?? pcm.length;
    add(b, Math.min(next, b + keep));
    if (i + 1 < speech.length) add(Math.max(b, next - keep), next);
  }
  const total = parts.reduce((n, [a, b]) => n + b - a, 0);
  if (total >= pcm.length) return pcm;
  const out = new Float32Array(total);
  let at = 0;
  for (const [a, b] of parts) {
    out.set(pcm.subarray(a, b), at);
    at += b - a;
  }
  return out;
}
