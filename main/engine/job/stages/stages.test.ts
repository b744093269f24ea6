import { describe, expect, it } from 'vitest';
import { CleanupStack } from './cleanup';
import { Reframer } from './front-end';
import { ProgressTracker } from './progress';
import { describeChanges, settingChanges } from './settings';
import { WindowPool } from './window-pool';

describe('Reframer', () => {
  it('re-frames any chunk sizes into fixed chunks with the samples in order', () => {
    const r = new Reframer(5);
    const input = Float32Array.from({ length: 23 }, (_, i) => i);
    const out: Float32Array[] = [];
    for (const [a, b] of [
      [0, 3],
      [3, 4],
      [4, 16],
      [16, 23],
    ] as const)
      out.push(...r.push(input.subarray(a, b)));
    const rest = r.flush();
    expect(out.map((c) => c.length)).toEqual([5, 5, 5, 5]);
    expect(rest?.length).toBe(3);
    expect([...out.flatMap((c) => [...c]), ...rest!]).toEqual([...input]);
    expect(r.flush()).toBeNull();
  });

  it('passes a chunk of the right size through untouched', () => {
    const r = new Reframer(4);
    const chunk = new Float32Array(4);
    expect(r.push(chunk)[0]).toBe(chunk);
  });
});

describe('CleanupStack', () => {
  it('releases in reverse order, keeps going past a failing release, and runs once', async () => {
    const order: string[] = [];
    const c = new CleanupStack();
    c.own('a', 'first', (v) => order.push(v));
    c.defer('broken', () => {
      throw new Error('boom');
    });
    c.defer('last', async () => void order.push('c'));
    const failures = await c.close();
    expect(order).toEqual(['c', 'a']);
    expect(failures.map((f) => f.what)).toEqual(['broken']);
    expect(await c.close()).toEqual([]);
    expect(() => c.defer('late', () => undefined)).toThrow(/already ran/u);
  });
});

describe('WindowPool', () => {
  const deferred = () => {
    let resolve!: (v: string) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<string>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  // A pool whose windows end when the test settles them (runs), recording what it commits and every failure.
  const controlled = (limit: number) => {
    const runs = new Map<string, ReturnType<typeof deferred>>();
    const committed: string[] = [];
    const failures: unknown[] = [];
    const pool = new WindowPool<string, string>(
      limit,
      (w) => {
        const d = deferred();
        runs.set(w, d);
        return d.promise;
      },
      async (r) => void committed.push(r),
      (e) => failures.push(e),
    );
    return { runs, committed, failures, pool };
  };

  it('starts a window as soon as a slot frees and commits in the order added, not the order finished', async () => {
    const { runs, committed, pool } = controlled(2);
    await pool.add('a');
    await pool.add('b');
    let cStarted = false;
    const c = pool.add('c').then(() => (cStarted = true));
    await new Promise((r) => setImmediate(r));
    expect(cStarted).toBe(false); // both slots busy
    runs.get('b')!.resolve('B'); // the second window ends first: its slot takes the next one at once
    await c;
    expect([...runs.keys()]).toEqual(['a', 'b', 'c']);
    runs.get('c')!.resolve('C');
    pool.addDone('restored');
    await new Promise((r) => setImmediate(r));
    expect(committed).toEqual([]); // 'a' is still decoding: nothing after it is committed before it
    runs.get('a')!.resolve('A');
    await pool.drain();
    expect(committed).toEqual(['A', 'B', 'C', 'restored']);
  });

  it('stops at the first failure: the others are told at once, nothing later is committed, add and drain throw', async () => {
    const { runs, committed, failures, pool } = controlled(3);
    for (const w of ['a', 'b', 'c']) await pool.add(w);
    runs.get('b')!.reject(new Error('disk full'));
    await new Promise((r) => setImmediate(r));
    expect(failures).toHaveLength(1); // while 'a' still runs
    runs.get('a')!.resolve('A');
    runs.get('c')!.reject(new Error('cancelled'));
    await expect(pool.add('d')).rejects.toThrow('disk full');
    await expect(pool.drain()).rejects.toThrow('disk full');
    expect(committed).toEqual(['A']); // before the failed window: still committed; 'c' after it: not
    expect(failures).toHaveLength(1);
    expect(runs.has('d')).toBe(false);
  });
});

describe('ProgressTracker', () => {
  it('computes speed from all audio this run worked on and the whole wall time', () => {
    const p = new ProgressTracker({ durationSec: 100, maxWindowSec: 20, startedMs: 1000 });
    p.windowCut({ startSec: 0, endSec: 10, overlapSec: 0 });
    p.windowRestored(10);
    expect(p.snapshot(2000)).toMatchObject({ speedX: null, rtf: null, etaSec: null, windowsRestored: 1 });
    p.windowCut({ startSec: 12, endSec: 30, overlapSec: 0 });
    p.windowDone(30);
    const s = p.snapshot(3000); // 20 s of new audio in 2 s of wall time
    expect(s.speedX).toBeCloseTo(10, 9);
    expect(s.rtf).toBeCloseTo(0.1, 9);
    expect(s.etaSec).toBeCloseTo(7, 9);
    expect(p.finish(100, 11_000)).toMatchObject({
      windowsTotal: 2,
      windowsDone: 2,
      etaSec: 0,
      audioSecDone: 100,
    });
  });

  it('gives a window total that never decreases while windows are cut at uneven pace', () => {
    const p = new ProgressTracker({ durationSec: 600, maxWindowSec: 28, startedMs: 0 });
    const totals: number[] = [];
    let at = 0;
    for (const [len, gap] of [
      [27, 0],
      [5, 40],
      [20, 1],
      [6, 90],
      [28, 0],
      [8, 3],
    ] as const) {
      p.windowCut({ startSec: at + gap, endSec: at + gap + len, overlapSec: 0 });
      at += gap + len;
      p.windowDone(at);
      totals.push(p.snapshot(1).windowsTotal!);
    }
    for (let i = 1; i < totals.length; i++) expect(totals[i]).toBeGreaterThanOrEqual(totals[i - 1]!);
    expect(p.finish(600, 2).windowsTotal).toBe(6);
  });
});

describe('settingChanges', () => {
  it('names each changed setting with its old and new value', () => {
    const saved = {
      settings: { language: null, cutter: { maxWindowSec: 28, padSec: 0.25 } },
      engine: { id: 'x', kvK: 'q8_0' },
    };
    const now = {
      settings: { language: 'de', cutter: { maxWindowSec: 20, padSec: 0.25 } },
      engine: { id: 'x', kvK: 'iso3' },
    };
    const changes = settingChanges(saved, now);
    expect(changes.map((c) => c.key)).toEqual(['cutter.maxWindowSec', 'engine.kvK', 'language']);
    expect(describeChanges(changes)).toBe(
      'window length 28 s → 20 s; K cache type q8_0 → iso3; language detect automatically → de',
    );
    expect(settingChanges(saved, saved)).toEqual([]);
  });
});
