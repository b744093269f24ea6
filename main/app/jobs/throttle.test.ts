import { describe, expect, it } from 'vitest';
import { throttle, type Clock } from './throttle';

function fakeClock(): Clock & { advance(ms: number): void } {
  let t = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let ids = 0;
  return {
    now: () => t,
    setTimeout(fn, ms) {
      const id = ++ids;
      timers.push({ at: t + ms, fn, id });
      return id;
    },
    clearTimeout(handle) {
      timers = timers.filter((x) => x.id !== handle);
    },
    advance(ms) {
      const end = t + ms;
      for (;;) {
        const next = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        timers = timers.filter((x) => x !== next);
        t = next.at;
        next.fn();
      }
      t = end;
    },
  };
}

describe('throttle', () => {
  it('sends the first value at once, collapses a burst into one trailing call with the newest value', () => {
    const clock = fakeClock();
    const sent: [number, number][] = [];
    const t = throttle<number>((v) => sent.push([clock.now(), v]), 250, clock);
    for (let i = 1; i <= 10; i++) {
      t(i);
      clock.advance(20);
    }
    clock.advance(500);
    expect(sent).toEqual([
      [0, 1],
      [250, 10],
    ]);
  });

  it('flush sends the pending value now; cancel drops it', () => {
    const clock = fakeClock();
    const sent: number[] = [];
    const t = throttle<number>((v) => sent.push(v), 250, clock);
    t(1);
    t(2);
    t.flush();
    expect(sent).toEqual([1, 2]);
    t(3);
    t.cancel();
    clock.advance(1000);
    expect(sent).toEqual([1, 2]);
  });
});
