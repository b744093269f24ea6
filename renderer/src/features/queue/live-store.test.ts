import { beforeEach, describe, expect, it } from 'vitest';
import type { JobWindowEvent } from '@common/library-schema';
import { KEPT_JOBS, insertWindow, resetLiveTextStore, useLiveTextStore } from './live-store';

const w = (jobId: string, index: number, startSec = index * 10): JobWindowEvent => ({
  jobId,
  windowId: `w${index}`,
  index,
  startSec,
  endSec: startSec + 10,
  text: `t${index}`,
  status: 'done',
  flags: [],
});

beforeEach(() => resetLiveTextStore());

describe('live text store', () => {
  it('keeps windows in time order whatever order they arrive in', () => {
    let list: JobWindowEvent[] = [];
    for (const i of [2, 0, 3, 1]) list = insertWindow(list, w('j', i));
    expect(list.map((x) => x.index)).toEqual([0, 1, 2, 3]);
    const replaced = insertWindow(list, { ...w('j', 1), text: 'new' });
    expect(replaced.map((x) => x.text)).toEqual(['t0', 'new', 't2', 't3']);
  });

  it('one update per event, and only the newest jobs are kept', () => {
    const updates: unknown[] = [];
    const off = useLiveTextStore.subscribe((s) => updates.push(s));
    for (let j = 0; j <= KEPT_JOBS; j++) useLiveTextStore.getState().add(w(`job${j}`, 0));
    off();
    expect(updates).toHaveLength(KEPT_JOBS + 1);
    const { byJob, lastJobId } = useLiveTextStore.getState();
    expect(Object.keys(byJob)).toHaveLength(KEPT_JOBS);
    expect(byJob.job0).toBeUndefined();
    expect(lastJobId).toBe(`job${KEPT_JOBS}`);
  });
});
