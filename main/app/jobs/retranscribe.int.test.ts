/**
 * Re-transcribing a selected range, end to end in main: the job service against a real engine host (child-process
 * worker from source, echo engine), real ffmpeg decode + Silero VAD and a real library database.
 */
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Segment } from '@common/transcript';
import { generateRecording } from '../../../fixtures/audio-long';
import { rejection } from '../../engine/host/testkit';
import { overlapsRange } from './replace-range';
import { echoJobServices, until, type EchoJobService } from './testkit';
import type { WindowText } from './types';

const root = mkdtempSync(path.join(tmpdir(), 'rs-retranscribe-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let recording = '';
beforeAll(async () => {
  recording = await generateRecording({
    outDir: path.join(root, 'audio'),
    durationSec: 90,
    format: 'wav',
    seed: 5,
  });
}, 300_000);

interface Harness extends EchoJobService {
  dir: string;
  changed: string[];
  windows: WindowText[];
}

const echoService = echoJobServices();

let dirs = 0;
async function harness(delayMs = 0, reopen?: string): Promise<Harness> {
  const dir = reopen ?? path.join(root, `app-${++dirs}`);
  mkdirSync(dir, { recursive: true });
  const changed: string[] = [];
  const windows: WindowText[] = [];
  const s = echoService(dir, {
    delayMs,
    deps: () => ({
      onLibraryChanged: (id) => changed.push(id),
      onWindowText: (w) => windows.push(w),
    }),
  });
  await s.service.start();
  return { ...s, dir, changed, windows };
}

/** Transcribes `file` whole and answers its transcript id. */
async function transcribe(h: Harness, file: string): Promise<string> {
  const { added } = await h.service.add([file]);
  await h.service.whenIdle();
  const job = h.store.queue.get(added[0]!.id);
  expect(job.state).toBe('done');
  return job.transcriptId!;
}

/** The range the editor asks for when segments [from, to] are selected: from the first start to the last end. */
function selection(
  segments: readonly Segment[],
  from: number,
  to: number,
): { startSec: number; endSec: number } {
  return { startSec: segments[from]!.startSec, endSec: segments[to]!.endSec };
}

describe('re-transcribe a selected range (echo engine, real library)', () => {
  it('replaces the segments in the range; everything outside, edits included, is untouched', async () => {
    const h = await harness();
    const id = await transcribe(h, recording);
    const original = h.store.library.get(id).transcript.segments;
    expect(original.length).toBeGreaterThanOrEqual(6);
    const n = original.length;
    const first = Math.floor(n / 3);
    const last = Math.floor((2 * n) / 3);
    const range = selection(original, first, last);

    // the user edited one segment before the range, one after and one inside it
    const edited = original.map((s, i) => {
      if (i === 0) return { ...s, text: 'EDITED BEFORE', speaker: 'Ana' };
      if (i === n - 1) return { ...s, text: 'EDITED AFTER' };
      if (i === first) return { ...s, text: 'EDITED INSIDE' };
      return s;
    });
    h.store.library.updateSegments(id, edited);
    h.changed.length = 0;

    const job = await h.service.retranscribe(id, range);
    expect(job).toMatchObject({
      kind: 'retranscribe',
      range,
      displayName: h.store.library.summary(id).title,
    });
    expect(['probing', 'queued', 'running']).toContain(job.state);
    await h.service.whenIdle();

    const done = h.service.list().find((j) => j.id === job.id)!;
    expect(done).toMatchObject({ state: 'done', transcriptId: id, kind: 'retranscribe', range });
    expect(h.store.library.list().total).toBe(1); // rewritten, not added
    expect(h.changed).toEqual([id]);
    // live text of the job carried the recording's times
    const live = h.windows.filter((w) => w.jobId === job.id);
    expect(live.length).toBeGreaterThan(0);
    expect(live.every((w) => w.startSec >= range.startSec - 1e-3 && w.endSec <= range.endSec + 1e-3)).toBe(
      true,
    );

    const after = h.store.library.get(id).transcript.segments;
    const outside = (list: readonly Segment[]): Segment[] => list.filter((s) => !overlapsRange(s, range));
    // outside the range: the very same segments, the edits before and after kept
    expect(outside(after)).toEqual(outside(edited));
    expect(after[0]).toMatchObject({ text: 'EDITED BEFORE', speaker: 'Ana' });
    expect(after.at(-1)).toMatchObject({ text: 'EDITED AFTER' });
    // inside: only new segments, inside the range, the edit there gone
    const inside = after.filter((s) => overlapsRange(s, range));
    expect(inside.length).toBeGreaterThan(0);
    expect(inside.length).toBe(after.length - outside(edited).length);
    for (const s of inside) {
      expect(s.id).toMatch(/-r[0-9a-f]{6}$/u);
      expect(s.startSec).toBeGreaterThanOrEqual(range.startSec);
      expect(s.endSec).toBeLessThanOrEqual(range.endSec);
      expect(s.text.length).toBeGreaterThan(0);
    }
    expect(after.some((s) => s.text === 'EDITED INSIDE')).toBe(false);
    // in order, ids unique
    const starts = after.map((s) => s.startSec);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(new Set(after.map((s) => s.id)).size).toBe(after.length);
    // the search index follows the new text
    expect(h.store.library.search('EDITED INSIDE')).toHaveLength(0);
    expect(h.store.library.search('EDITED AFTER').length).toBeGreaterThan(0);
  });

  it('refuses an unknown transcript, a recording that is gone and a range past its end', async () => {
    const h = await harness();
    const copy = path.join(root, 'moved-meeting.wav');
    copyFileSync(recording, copy);
    const id = await transcribe(h, copy);
    const duration = h.store.library.summary(id).durationSec!;

    expect((await rejection(h.service.retranscribe('nope', { startSec: 1, endSec: 2 }))).code).toBe(
      'TRANSCRIPT_NOT_FOUND',
    );
    const past = await rejection(
      h.service.retranscribe(id, { startSec: duration + 5, endSec: duration + 9 }),
    );
    expect(past.code).toBe('INVALID_ARGUMENT');

    renameSync(copy, `${copy}.away`);
    const gone = await rejection(h.service.retranscribe(id, { startSec: 1, endSec: 5 }));
    expect(gone.code).toBe('FILE_NOT_FOUND');
    expect(gone.message).toContain('moved-meeting.wav');
    expect(gone.hint).toContain('moved-meeting.wav');
    expect(gone.message).not.toContain(root); // a file name, never a path
    // nothing was queued by the refusals
    expect(h.service.list().filter((j) => j.kind === 'retranscribe')).toEqual([]);
  });

  it('a transcript deleted while its re-transcription runs: the job fails with TRANSCRIPT_NOT_FOUND, nothing written', async () => {
    const h = await harness(250);
    const id = await transcribe(h, recording);
    const before = JSON.stringify(h.store.library.get(id).transcript.segments);
    const segments = h.store.library.get(id).transcript.segments;
    const job = await h.service.retranscribe(id, selection(segments, 1, segments.length - 2));
    await until(h, () => h.windows.some((w) => w.jobId === job.id));
    h.store.library.remove(id);
    await h.service.whenIdle();

    const failed = h.service.list().find((j) => j.id === job.id)!;
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'TRANSCRIPT_NOT_FOUND' });
    expect(failed.error?.hint).toBeTruthy();
    h.store.library.restore(id);
    expect(JSON.stringify(h.store.library.get(id).transcript.segments)).toBe(before);

    // restored, then retried: it finishes from its saved windows and rewrites the range
    h.service.retry(job.id);
    await h.service.whenIdle();
    expect(h.service.list().find((j) => j.id === job.id)).toMatchObject({ state: 'done', transcriptId: id });
    expect(JSON.stringify(h.store.library.get(id).transcript.segments)).not.toBe(before);
  });

  it('quit in the middle of a re-transcription, start again: it resumes and rewrites the range as an uninterrupted run does', async () => {
    /** Fresh ids carry the job's mark, which differs between the two runs. */
    const unmarked = (list: readonly Segment[]): string =>
      JSON.stringify(list.map((s) => ({ ...s, id: s.id.replace(/-r[0-9a-f]{6}$/u, '-r') })));

    const ref = await harness();
    const refId = await transcribe(ref, recording);
    const segments = ref.store.library.get(refId).transcript.segments;
    const range = selection(segments, 1, segments.length - 2);
    await ref.service.retranscribe(refId, range);
    await ref.service.whenIdle();
    const expected = unmarked(ref.store.library.get(refId).transcript.segments);

    const first = await harness(200);
    const id = await transcribe(first, recording);
    const job = await first.service.retranscribe(id, range);
    await until(first, () => first.windows.filter((w) => w.jobId === job.id).length >= 2);
    await first.close();

    const again = await harness(0, first.dir);
    await again.service.whenIdle();
    expect(again.service.list().find((j) => j.id === job.id)).toMatchObject({
      state: 'done',
      kind: 'retranscribe',
      range,
    });
    expect(
      again.windows.filter((w) => w.jobId === job.id && w.status === 'restored').length,
    ).toBeGreaterThanOrEqual(2);
    expect(unmarked(again.store.library.get(id).transcript.segments)).toBe(expected);
  });
});
