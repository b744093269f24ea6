import { describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { savedTokenPrefixes } from '../../checkpoints/partial-tokens';
import type { TokensRecord } from '../../checkpoints/store';
import type {
  TranscribeOptions,
  Transcriber,
  WindowRequest,
  WindowResult,
} from '../../scheduler/transcriber';
import { TokenCheckpointer, type TokenLog } from './token-checkpoints';

/** A log whose appends complete one tick later, recording any overlap. */
function slowLog(fail?: Error): TokenLog & { records: TokensRecord[]; overlapped: boolean } {
  let busy = false;
  const log = {
    records: [] as TokensRecord[],
    overlapped: false,
    async append(r: TokensRecord) {
      if (busy) log.overlapped = true;
      busy = true;
      await new Promise((resolve) => setTimeout(resolve, 1));
      busy = false;
      if (fail) throw fail;
      log.records.push(r);
    },
  };
  return log;
}

/** Decodes `count` tokens (ids 100, 101, …) per window, after any prefix it is given. */
function counting(count: number, seen: WindowRequest[] = [], abort?: AbortController): Transcriber {
  return {
    maxParallel: 2,
    async transcribe(windows: WindowRequest[], opts: TranscribeOptions = {}): Promise<WindowResult[]> {
      seen.push(...windows);
      for (const w of windows) {
        for (let t = w.prefixTokens?.length ?? 0; t < count; t++) {
          opts.onTokens?.(w.windowId, [100 + t]);
          if (abort && t === 9) abort.abort();
        }
      }
      return windows.map(() => ({ text: 'x', tokenCount: count, stopReason: 'eos' }));
    },
  };
}

const req = (windowId: string, attempt = 1, maxTokens = 100): WindowRequest => ({
  windowId,
  pcm: new Float32Array(16),
  startSec: 0,
  maxTokens,
  attempt,
});

describe('TokenCheckpointer', () => {
  it('saves tokens every N, one write at a time, continuing each other; drops the tail of a finished window', async () => {
    const log = slowLog();
    const cp = new TokenCheckpointer(log, new Map(), { everyTokens: 4, everyMs: 1e9 });
    await cp.wrap(counting(10), new Set(['a', 'b'])).transcribe([req('a'), req('b')]);
    await cp.settle();
    expect(log.overlapped).toBe(false);
    expect(log.records.map((r) => [r.windowId, r.from, r.tokens.length])).toEqual([
      ['a', 0, 4],
      ['a', 4, 4],
      ['b', 0, 4],
      ['b', 4, 4],
    ]);
    expect(savedTokenPrefixes(log.records).get('a')).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
  });

  it('saves at least every everyMs while tokens come', async () => {
    const log = slowLog();
    let clock = 0;
    const cp = new TokenCheckpointer(log, new Map(), {
      everyTokens: 1000,
      everyMs: 50,
      now: () => (clock += 20),
    });
    await cp.wrap(counting(6), new Set(['a'])).transcribe([req('a')]);
    await cp.settle();
    expect(log.records.length).toBeGreaterThan(0);
    expect(log.records.every((r) => r.tokens.length <= 3)).toBe(true);
  });

  it('keeps what was decoded when the call is cancelled', async () => {
    const log = slowLog();
    const abort = new AbortController();
    const cp = new TokenCheckpointer(log, new Map(), { everyTokens: 4, everyMs: 1e9 });
    await cp.wrap(counting(50, [], abort), new Set(['a'])).transcribe([req('a')], { signal: abort.signal });
    await cp.settle();
    expect(savedTokenPrefixes(log.records).get('a')).toHaveLength(50);
  });

  it('hands a saved prefix to the first attempt and continues the records after it', async () => {
    const log = slowLog();
    const seen: WindowRequest[] = [];
    const saved = new Map([['a', [100, 101, 102]]]);
    const cp = new TokenCheckpointer(log, saved, { everyTokens: 2, everyMs: 1e9 });
    await cp.wrap(counting(8, seen), new Set(['a'])).transcribe([req('a')]);
    await cp.settle();
    expect(seen[0]!.prefixTokens).toEqual([100, 101, 102]);
    expect(log.records.map((r) => r.from)).toEqual([3, 5]);
    expect(savedTokenPrefixes([...log.records]).has('a')).toBe(false); // continues a prefix this log does not hold
  });

  it('ignores a prefix as long as the cap (that attempt had finished): the window starts over', async () => {
    const seen: WindowRequest[] = [];
    const cp = new TokenCheckpointer(slowLog(), new Map([['a', [1, 2, 3]]]));
    await cp.wrap(counting(3, seen), new Set(['a'])).transcribe([req('a', 1, 3)]);
    expect(seen[0]!.prefixTokens).toBeUndefined();
  });

  it('voids a window once its retry starts (whole or split), and does not checkpoint retries', async () => {
    const log = slowLog();
    const seen: WindowRequest[] = [];
    const saved = new Map([
      ['a', [1]],
      ['b', [2]],
    ]);
    const cp = new TokenCheckpointer(log, saved, { everyTokens: 1, everyMs: 1e9 });
    const t = cp.wrap(counting(2, seen), new Set(['a', 'b']));
    await t.transcribe([req('a', 2), req('b.a', 3), req('b.b', 3)]);
    await cp.settle();
    expect(seen.every((w) => w.prefixTokens === undefined)).toBe(true);
    expect(log.records).toEqual([
      { type: 'tokens', windowId: 'a', attempt: 2, from: 0, tokens: [] },
      { type: 'tokens', windowId: 'b', attempt: 3, from: 0, tokens: [] },
    ]);
    expect(saved.size).toBe(0);
  });

  it('reports a failed write at settle (and writes nothing after it)', async () => {
    const log = slowLog(new RotorError('DISK_FULL', 'full'));
    const cp = new TokenCheckpointer(log, new Map(), { everyTokens: 1, everyMs: 1e9 });
    await cp.wrap(counting(3), new Set(['a'])).transcribe([req('a')]);
    await expect(cp.settle()).rejects.toSatisfy((e) => e instanceof RotorError && e.code === 'DISK_FULL');
    await expect(cp.settle()).resolves.toBeUndefined();
  });
});
