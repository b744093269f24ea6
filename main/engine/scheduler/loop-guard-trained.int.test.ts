/**
 * The loop guard on purpose (issue 20), on the trained model (fixtures/trained) through the real runtime: a window
 * whose decoding is made to loop must be caught by the guard (`runWindows`), retried, split when retries keep looping,
 * and flagged — instead of waiting for random weights to loop by accident.
 *
 * How the model is made to loop, deterministically (greedy decoding, fixed threads):
 * - teacher forcing: the runtime forces `prefixTokens` into the sequence before it decodes freely (what a resumed
 *   window does with its saved tokens); the prefix is the utterance's first words four times over, the guard's limit.
 *   (Three forced copies are not enough: this model goes back to the audio and transcribes on — tried on the first 12
 *   held-out windows, as it also does on noise, a tone, reversed, chopped or 3x-fast speech and at the pooled audio
 *   token rate: it ends every one of them on EOS without repeating. It does not loop by itself.)
 * - audio that repeats itself: a 1.2 s clip played 12 times over. The model writes what it hears, so its own output
 *   repeats on every attempt, the repetition penalty and the split included.
 */
import { mkdir, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcmFromWav } from '../../../fixtures/audio';
import { heldOut, heldOutWav, trainedVoxtral, type HeldOutUtterance } from '../../../fixtures/trained';
import { wordErrors } from '../../../fixtures/wer';
import { RuntimeTranscriber } from '../job/runtime-transcriber';
import { runtimeTestDir } from '../runtime/testkit';
import { loadVoxtral, type VoxtralContext, type VoxtralModel } from '../runtime/voxtral';
import { collapseRepeats, longestRepeat } from './quality';
import { runWindows, type AttemptRecord } from './retry';
import type { TranscribeOptions, Transcriber, WindowRequest, WindowResult } from './transcriber';

const dir = runtimeTestDir('loop-guard');
let model: VoxtralModel;
let ctx: VoxtralContext;
let runtime: RuntimeTranscriber;
let u: HeldOutUtterance;
let pcm: Float32Array;
let cleanWer = Number.NaN;

function wer(text: string): number {
  const { errors, words: n } = wordErrors(u.text, text);
  return errors / n;
}

/** The real transcriber with a prefix forced into the requests `forceOn` selects; records what was asked. */
class ForcedPrefix implements Transcriber {
  readonly requests: WindowRequest[] = [];
  constructor(
    private readonly inner: Transcriber,
    private readonly prefix: readonly number[],
    private readonly forceOn: (req: WindowRequest) => boolean,
  ) {}
  get maxParallel(): number {
    return this.inner.maxParallel;
  }
  transcribe(windows: WindowRequest[], opts?: TranscribeOptions): Promise<WindowResult[]> {
    const reqs = windows.map((w) => (this.forceOn(w) ? { ...w, prefixTokens: this.prefix } : w));
    this.requests.push(...reqs);
    return this.inner.transcribe(reqs, opts);
  }
}

const words = (text: string): string[] =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(' ')
    .filter(Boolean);

/** The utterance's first `n` words said `times` times, as tokens. */
function repeated(n: number, times: number): { phrase: string[]; tokens: number[] } {
  const phrase = words(u.text).slice(0, n);
  const text = Array.from({ length: times }, () => phrase.join(' ')).join(' ');
  return { phrase, tokens: Array.from(model.tokenize(text, { parseSpecial: false })) };
}

beforeAll(async () => {
  await mkdir(dir, { recursive: true });
  const trained = await trainedVoxtral();
  // a window long enough for the last attempt to split it (≥ 6 s), short enough to decode quickly
  u = heldOut(trained.manifest, 'short').find((x) => x.words >= 25 && x.words <= 40)!;
  pcm = await pcmFromWav(await heldOutWav(u, dir, 0.5));
  model = await loadVoxtral({ modelPath: trained.modelPath, mmprojPath: trained.mmprojPath, threads: 2 });
  ctx = await model.createContext({ contextSize: 2048, parallel: 2, typeK: 'f16', typeV: 'f16', threads: 2 });
  runtime = new RuntimeTranscriber(ctx, 2);
}, 120_000);

afterAll(async () => {
  ctx?.dispose();
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('the loop guard on a trained model made to loop', () => {
  it('without forcing, the window is clean: one attempt, no flag', async () => {
    const [out] = await runWindows(runtime, [{ id: 'w0', pcm, startSec: 0, language: 'en' }]);
    expect(out!.attempts).toHaveLength(1);
    expect(out!.flags).toEqual([]);
    expect(out!.stopReason).toBe('eos');
    cleanWer = wer(out!.text);
    console.log(`loop guard: clean window WER ${(100 * cleanWer).toFixed(1)} %`);
  }, 120_000);

  it('a loop forced into the first attempt is caught; the fresh retry has no loop, so the window is not flagged', async () => {
    // four copies of the utterance's first words: the guard's limit for a repeated n-gram (n ≥ 2)
    const { phrase, tokens } = repeated(3, 4);
    const forced = new ForcedPrefix(runtime, tokens, (r) => r.attempt === 1);
    const attempts: AttemptRecord[] = [];
    const [out] = await runWindows(
      forced,
      [{ id: 'w0', pcm, startSec: 0, language: 'en' }],
      {},
      { onAttempt: (_id, a) => attempts.push(a) },
    );
    // the first attempt decoded the forced loop (the runtime returns forced and free tokens as one text)
    const first = attempts[0]!;
    expect(words(first.text).slice(0, 4 * phrase.length)).toEqual(Array(4).fill(phrase).flat());
    expect(first.tokenCount).toBeGreaterThan(tokens.length);
    expect(first.issues).toContain('repeated_ngram');
    // the guard retried without the forced start (fresh, with the repetition penalty) and kept that attempt
    expect(forced.requests[1]).toMatchObject({ attempt: 2, repetitionPenalty: 1.3 });
    expect(forced.requests[1]!.prefixTokens).toBeUndefined();
    expect(out!.attempts).toHaveLength(2);
    expect(out!.attempts[1]!.issues).toEqual([]);
    // the kept attempt passed every check: nothing left to flag (the attempts say it was retried)
    expect(out!.flags).toEqual([]);
    expect(out!.stopReason).toBe('eos');
    expect(longestRepeat(words(out!.text)).times).toBeLessThan(4);
    // the penalty costs words on this model (it penalises every word said before, "the" and "of" included), so the
    // retry is judged against noise (~100 %), and its cost is printed next to the clean window's
    const retried = wer(out!.text);
    console.log(
      `loop guard: retried window WER ${(100 * retried).toFixed(1)} % (clean ${(100 * cleanWer).toFixed(1)} %)`,
    );
    expect(retried).toBeLessThan(0.75);
  }, 180_000);

  it('audio that repeats itself (a stuck 1.2 s clip) makes the model repeat on every attempt: split, collapsed, flagged', async () => {
    // no forcing: the model's own output repeats because the audio does, through every attempt and both halves
    const clip = pcm.subarray(8000, 8000 + Math.round(16000 * 1.2));
    const stuck = new Float32Array(clip.length * 12);
    for (let k = 0; k < 12; k++) stuck.set(clip, k * clip.length);
    const seen: WindowRequest[] = [];
    const spy: Transcriber = {
      maxParallel: runtime.maxParallel,
      transcribe: (reqs, opts) => {
        seen.push(...reqs);
        return runtime.transcribe(reqs, opts);
      },
    };
    const [out] = await runWindows(spy, [{ id: 'w0', pcm: stuck, startSec: 0, language: 'en' }]);
    expect(out!.attempts.map((a) => a.kind)).toEqual(['whole', 'whole', 'split']);
    // whole attempts repeat an n-gram past the limit (the penalty only varies the copies); the halves still compress
    // like a loop
    for (const a of out!.attempts.slice(0, 2)) {
      expect(a.issues).toContain('repeated_ngram');
      expect(longestRepeat(words(a.text)).times).toBeGreaterThanOrEqual(4);
    }
    expect(out!.attempts[2]!.issues.some((i) => i === 'repeated_ngram' || i === 'compression')).toBe(true);
    expect(seen.every((r) => r.prefixTokens === undefined)).toBe(true);
    // the split halves went to the runtime as two sequences of one batch, overlapping by the split's 1 s
    const halves = seen.filter((r) => r.attempt === 3);
    expect(halves.map((r) => r.windowId)).toEqual(['w0.a', 'w0.b']);
    expect(halves[0]!.pcm.length + halves[1]!.pcm.length).toBe(stuck.length + 16000);
    expect(out!.flags).toEqual(['loop']);
    // what is kept is collapsed: no n-gram more than twice back to back
    const best = out!.attempts.reduce((x, y) => (y.badness < x.badness ? y : x));
    expect(out!.text).toBe(collapseRepeats(best.text));
    expect(longestRepeat(words(out!.text)).times).toBeLessThanOrEqual(2);
    expect(out!.text.length).toBeLessThan(out!.attempts[0]!.text.length);
  }, 240_000);
});
