import { describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { SAMPLE_RATE } from '@common/audio';
import { maxTokensFor } from './quality';
import { runWindows, type PendingWindow } from './retry';
import { buildScript, ScriptedTranscriber, synthPcm, wordsInSpan } from './testkit';
import type { Transcriber, WindowRequest, WindowResult } from './transcriber';

const script = buildScript({ seed: 5 });

function windowAt(id: string, startSec: number, sec: number): PendingWindow {
  const a = Math.round(startSec * SAMPLE_RATE);
  return { id, startSec: a / SAMPLE_RATE, pcm: synthPcm(script, a, a + Math.round(sec * SAMPLE_RATE)) };
}

/** A model that always loops: the random-weight case. */
class LoopingTranscriber implements Transcriber {
  readonly maxParallel = 2;
  readonly calls: WindowRequest[] = [];
  async transcribe(windows: WindowRequest[]): Promise<WindowResult[]> {
    this.calls.push(...windows);
    return windows.map((w) => ({
      text: 'la '.repeat(w.maxTokens).trim(),
      tokenCount: w.maxTokens,
      stopReason: 'max_tokens' as const,
    }));
  }
}

describe('runWindows', () => {
  it('retries a looping window with a repetition penalty and keeps the clean output', async () => {
    const t = new ScriptedTranscriber(script, { loopOn: new Set(['w000001']), maxParallel: 2 });
    const windows = [windowAt('w000000', 1, 12), windowAt('w000001', 13, 12), windowAt('w000002', 25, 12)];
    const out = await runWindows(t, windows);
    // the retry passed every check: nothing left to flag, the attempts say it was retried
    expect(out.map((o) => o.flags)).toEqual([[], [], []]);
    expect(out.map((o) => o.attempts.length)).toEqual([1, 2, 1]);
    const expected = wordsInSpan(script, windows[1]!.startSec, windows[1]!.startSec + 12)
      .map((w) => w.word)
      .join(' ');
    expect(out[1]!.text).toBe(expected);
    expect(out[1]!.attempts.map((a) => a.issues.length > 0)).toEqual([true, false]);
    const retry = t.calls.find((c) => c.windowId === 'w000001' && c.attempt === 2)!;
    expect(retry.repetitionPenalty).toBeGreaterThan(1);
    expect(t.calls.length).toBe(4);
  });

  it('bounds a model that always loops: 3 attempts, split on the last, best kept, collapsed and flagged', async () => {
    const t = new LoopingTranscriber();
    const windows = [windowAt('w000000', 1, 20), windowAt('w000001', 21, 4)];
    const out = await runWindows(t, windows);
    for (const o of out) {
      expect(o.attempts).toHaveLength(3);
      expect(o.flags).toEqual(['loop', 'max_tokens']);
      expect(o.text).toBe('la la');
    }
    expect(t.calls.filter((c) => c.windowId.startsWith('w000000.')).map((c) => c.windowId)).toEqual([
      'w000000.a',
      'w000000.b',
    ]);
    // Short windows are not split; their last try gets a lower cap instead.
    const short = t.calls.filter((c) => c.windowId === 'w000001').map((c) => c.maxTokens);
    expect(short[2]).toBeLessThan(short[0]!);
    const total = t.calls.reduce((s, c) => s + c.maxTokens, 0);
    // Bounded by attempts × per-window cap, plus the split's second base and its 1 s overlap.
    expect(total).toBeLessThanOrEqual(3 * (maxTokensFor(20) + maxTokensFor(4)) + 16 + 8 * 1 + 1);
    expect(t.calls).toHaveLength(7);
  });

  it('a window whose split halves end cleanly on EOS is not flagged; one whose halves still loop is', async () => {
    // loops whole on attempts 1 and 2; attempt 3's halves transcribe the script (or keep looping for 'w000001')
    const clean = new ScriptedTranscriber(script, { maxParallel: 2 });
    const t: Transcriber = {
      maxParallel: 2,
      async transcribe(windows) {
        const split = windows.filter((w) => w.windowId.includes('.') && !w.windowId.startsWith('w000001'));
        const done = await clean.transcribe(split);
        return windows.map((w) => {
          const i = split.indexOf(w);
          if (i >= 0) return done[i]!;
          return { text: 'so we so we so we so we so we so we', tokenCount: 12, stopReason: 'eos' as const };
        });
      },
    };
    const out = await runWindows(t, [windowAt('w000000', 1, 20), windowAt('w000001', 21, 20)]);
    expect(out[0]!.attempts.map((a) => a.kind)).toEqual(['whole', 'whole', 'split']);
    expect(out[0]!.attempts[2]!.issues).toEqual([]);
    expect(out[0]!.stopReason).toBe('eos');
    expect(out[0]!.flags).toEqual([]);
    expect(out[0]!.text).toContain(wordsInSpan(script, 2, 6)[0]!.word);
    expect(out[1]!.attempts).toHaveLength(3);
    expect(out[1]!.flags).toEqual(['loop']);
  });

  it('never sends more than maxParallel windows per call', async () => {
    const sizes: number[] = [];
    const t = new ScriptedTranscriber(script, { maxParallel: 3 });
    const orig = t.transcribe.bind(t);
    t.transcribe = (w, o) => {
      sizes.push(w.length);
      return orig(w, o);
    };
    const windows = Array.from({ length: 7 }, (_, i) => windowAt(`w${i}`, 1 + i * 5, 5));
    await runWindows(t, windows);
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('turns a cancelled call into CANCELLED', async () => {
    const ac = new AbortController();
    const t = new ScriptedTranscriber(script, { delayMs: 200 });
    const p = runWindows(t, [windowAt('w0', 1, 5)], {}, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toSatisfy((e) => e instanceof RotorError && e.code === 'CANCELLED');
  });
});
