/**
 * Deterministic stand-ins for the audio front end and the model, used by the scheduler/job tests and by the CLI's
 * `--engine scripted:` mode (which lets a child-process test kill -9 a real CLI run without model weights).
 *
 * A "script" is a timeline of real words with times. From it we synthesise PCM (noise bursts for words, near-silence
 * between them), a streaming VAD that reports regions with a realistic delay, and a transcriber that returns, for a
 * window, exactly the words whose midpoint falls inside it — so overlapping windows hear the overlap words twice.
 */
import { prng as seededRandom } from '../../../fixtures/audio-long';
import { SAMPLE_RATE } from '@common/audio';
import type { SpeechRegion, VadUpdate } from './cutter';
import type { Transcriber, WindowRequest, WindowResult } from './transcriber';

export interface TimedWord {
  word: string;
  startSec: number;
  endSec: number;
}

export interface SpeechScript {
  words: TimedWord[];
  durationSec: number;
}

/** Seeded PRNG shared with the audio fixtures, so tests are reproducible. */
export { seededRandom };

export const SAMPLE_PASSAGE = [
  'Good morning everyone, and thanks for joining the quarterly planning meeting.',
  'Before we start, let me remind you that the budget review moved to Thursday afternoon.',
  'The first item on the agenda is the migration of the billing service to the new cluster.',
  'Maria, could you give us a short update on where the team stands?',
  'Sure. We finished the data export last week, and the dry run went better than expected.',
  'There were two failures in the invoice reconciliation step, both caused by rounding differences.',
  'We fixed the rounding by switching every amount to integer cents before comparing them.',
  'The plan is to run a second rehearsal on Monday night, when traffic is lowest.',
  'If that succeeds, the cut-over happens on the fourteenth, with a rollback window of two hours.',
  'What happens to customers who open the portal during the cut-over?',
  'They will see a maintenance banner, and payments will be queued rather than rejected.',
  'Good. The second item is hiring: we have three open positions and only one offer accepted.',
  'The market is slow, so I suggest we widen the search to remote candidates in nearby time zones.',
  'I agree, although we should check the payroll rules for contractors in each country first.',
  'Let us take that offline with legal and come back to it next week.',
  'Last item: the customer survey closed yesterday with four hundred and twelve responses.',
  'Satisfaction went up by six points, mostly thanks to the faster support replies.',
  'The main complaint is still the mobile app, which crashes when uploading large attachments.',
  'We have a fix in review, and it should ship with the next release at the end of the month.',
  'Thanks everyone. I will send the notes and the action items this afternoon.',
];

export interface ScriptOptions {
  seed: number;
  /** Repeat the passage until at least this many words. */
  minWords?: number;
  /** Probability that a sentence is followed by a long silence (5-40 s). */
  longSilenceProb?: number;
  /** Probability that a sentence is glued to the next one without a pause (builds regions > 30 s). */
  monologueProb?: number;
  leadingSilenceSec?: number;
}

export function buildScript(options: ScriptOptions): SpeechScript {
  const rnd = seededRandom(options.seed);
  const minWords = options.minWords ?? 0;
  const words: TimedWord[] = [];
  let t = options.leadingSilenceSec ?? 1;
  let round = 0;
  while (round === 0 || words.length < minWords) {
    for (const sentence of SAMPLE_PASSAGE) {
      for (const word of sentence.split(' ')) {
        const dur = 0.12 + 0.045 * word.length + rnd() * 0.05;
        words.push({ word, startSec: t, endSec: t + dur });
        t += dur + 0.06 + rnd() * 0.05;
      }
      const r = rnd();
      if (r < (options.monologueProb ?? 0)) continue;
      if (r < (options.monologueProb ?? 0) + (options.longSilenceProb ?? 0)) t += 5 + rnd() * 35;
      else t += 0.4 + rnd() * 1.6;
    }
    round++;
  }
  return { words, durationSec: t + 1 };
}

/** Speech regions as a VAD with `minSilenceSec` hysteresis would see them. */
export function scriptRegions(script: SpeechScript, minSilenceSec = 0.3): SpeechRegion[] {
  const out: SpeechRegion[] = [];
  for (const w of script.words) {
    const last = out.at(-1);
    if (last && w.startSec - last.endSec < minSilenceSec) last.endSec = w.endSec;
    else out.push({ startSec: w.startSec, endSec: w.endSec });
  }
  return out;
}

/** PCM for [fromSample, toSample): words are noise at ~0.3 amplitude, gaps a faint hiss (deterministic). */
export function synthPcm(script: SpeechScript, fromSample: number, toSample: number): Float32Array {
  const out = new Float32Array(toSample - fromSample);
  // Binary search the first word that may overlap.
  let lo = 0;
  let hi = script.words.length;
  const fromSec = fromSample / SAMPLE_RATE;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (script.words[mid]!.endSec < fromSec) lo = mid + 1;
    else hi = mid;
  }
  for (let i = 0; i < out.length; i++) {
    const n = fromSample + i;
    // Hash noise: value depends only on the absolute sample index.
    let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    out[i] = ((h >>> 0) / 4294967296 - 0.5) * 0.004;
  }
  for (let w = lo; w < script.words.length; w++) {
    const word = script.words[w]!;
    const a = Math.max(fromSample, Math.round(word.startSec * SAMPLE_RATE));
    const b = Math.min(toSample, Math.round(word.endSec * SAMPLE_RATE));
    if (Math.round(word.startSec * SAMPLE_RATE) >= toSample) break;
    for (let n = a; n < b; n++) out[n - fromSample]! *= 150;
  }
  return out;
}

/**
 * A streaming VAD over a known region list: a region is reported open `onsetSec` after it starts (with its true
 * start) and closed `closeSec` after it ends, like Silero's hysteresis.
 */
export class ScriptedVad {
  private position = 0;
  private nextClosed = 0;

  constructor(
    private readonly regions: readonly SpeechRegion[],
    private readonly onsetSec = 0.25,
    private readonly closeSec = 0.35,
  ) {}

  push(samples: number): VadUpdate {
    this.position += samples;
    const now = this.position / SAMPLE_RATE;
    const closed: SpeechRegion[] = [];
    while (
      this.nextClosed < this.regions.length &&
      this.regions[this.nextClosed]!.endSec + this.closeSec <= now
    ) {
      closed.push(this.regions[this.nextClosed++]!);
    }
    const candidate = this.regions[this.nextClosed];
    const openStartSec = candidate && candidate.startSec + this.onsetSec <= now ? candidate.startSec : null;
    return { closed, openStartSec };
  }

  flush(): SpeechRegion[] {
    const now = this.position / SAMPLE_RATE;
    const rest: SpeechRegion[] = [];
    while (this.nextClosed < this.regions.length && this.regions[this.nextClosed]!.startSec < now) {
      const r = this.regions[this.nextClosed++]!;
      rest.push({ startSec: r.startSec, endSec: Math.min(r.endSec, now) });
    }
    return rest;
  }
}

/** Words whose midpoint lies in [startSec, endSec). */
export function wordsInSpan(script: SpeechScript, startSec: number, endSec: number): TimedWord[] {
  return script.words.filter((w) => {
    const mid = (w.startSec + w.endSec) / 2;
    return mid >= startSec && mid < endSec;
  });
}

export interface ScriptedTranscriberOptions {
  maxParallel?: number;
  /** Capitalise the first word of each window, as models do; the stitcher must see through it. */
  capitalise?: boolean;
  /** Wall-clock delay per batch (for kill tests). */
  delayMs?: number;
  /** Return a repetition loop (runaway) for these window ids on attempt 1. */
  loopOn?: ReadonlySet<string>;
}

export class ScriptedTranscriber implements Transcriber {
  readonly maxParallel: number;
  readonly calls: WindowRequest[] = [];

  constructor(
    private readonly script: SpeechScript,
    private readonly options: ScriptedTranscriberOptions = {},
  ) {
    this.maxParallel = options.maxParallel ?? 2;
  }

  async transcribe(
    windows: WindowRequest[],
    opts: { signal?: AbortSignal; onPiece?: (windowId: string, piece: string) => void } = {},
  ): Promise<WindowResult[]> {
    if (windows.length > this.maxParallel)
      throw new Error(`batch of ${windows.length} > ${this.maxParallel}`);
    this.calls.push(...windows);
    if (this.options.delayMs) await abortableDelay(this.options.delayMs, opts.signal);
    return windows.map((w) => {
      if (opts.signal?.aborted) return { text: '', tokenCount: 0, stopReason: 'cancelled' };
      const span = { startSec: w.startSec, endSec: w.startSec + w.pcm.length / SAMPLE_RATE };
      checkPcmMatchesScript(this.script, w);
      const baseId = w.windowId.split('.')[0]!;
      if (this.options.loopOn?.has(baseId) && w.attempt === 1) {
        const text = 'and the and the and the and the and the and the and the and the'.repeat(8);
        return { text, tokenCount: w.maxTokens, stopReason: 'max_tokens' };
      }
      const words = wordsInSpan(this.script, span.startSec, span.endSec).map((x) => x.word);
      if (this.options.capitalise && words.length > 0) {
        words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
      }
      const text = words.join(' ');
      opts.onPiece?.(w.windowId, text);
      const tokenCount = Math.min(w.maxTokens, Math.ceil(text.length / 4));
      return { text, tokenCount, stopReason: 'eos' };
    });
  }
}

/** The PCM a window carries must be the script's audio at that position (catches off-by-one slicing). */
function checkPcmMatchesScript(script: SpeechScript, w: WindowRequest): void {
  const from = Math.round(w.startSec * SAMPLE_RATE);
  const probe = Math.min(w.pcm.length, 64);
  const expected = synthPcm(script, from, from + probe);
  for (let i = 0; i < probe; i++) {
    if (expected[i] !== w.pcm[i])
      throw new Error(`window ${w.windowId}: pcm does not match the audio at ${w.startSec}s`);
  }
}

function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** The script's audio as a decoder would stream it: fixed-size chunks. */
export function scriptedDecode(
  script: SpeechScript,
  opts: { chunkSamples?: number; signal?: AbortSignal } = {},
): AsyncIterable<Float32Array> & {
  stats(): { samples: number; corruptPackets: number; warnings: string[] };
} {
  const chunk = opts.chunkSamples ?? 32_768;
  const total = Math.round(script.durationSec * SAMPLE_RATE);
  let delivered = 0;
  return {
    stats: () => ({ samples: delivered, corruptPackets: 0, warnings: [] }),
    async *[Symbol.asyncIterator]() {
      for (let pos = 0; pos < total; pos += chunk) {
        if (opts.signal?.aborted) throw Object.assign(new Error('cancelled'), { code: 'CANCELLED' });
        const pcm = synthPcm(script, pos, Math.min(total, pos + chunk));
        delivered += pcm.length;
        yield pcm;
      }
    },
  };
}

/** ScriptedVad behind the streaming interface of main/engine/vad/silero.ts (push PCM, openStartSec, flush). */
export class ScriptedSpeechVad {
  private readonly inner: ScriptedVad;
  private open: number | null = null;

  constructor(regions: readonly SpeechRegion[]) {
    this.inner = new ScriptedVad(regions);
  }

  get openStartSec(): number | null {
    return this.open;
  }

  async push(pcm: Float32Array): Promise<SpeechRegion[]> {
    const u = this.inner.push(pcm.length);
    this.open = u.openStartSec;
    return [...u.closed];
  }

  async flush(): Promise<SpeechRegion[]> {
    this.open = null;
    return this.inner.flush();
  }

  dispose(): void {}
}
