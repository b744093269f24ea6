import { describe, expect, it } from 'vitest';
import { withoutQueued, type QueuedSource } from './already-queued';

const job = (sourcePath: string, state: QueuedSource['state'], kind = 'file'): QueuedSource => ({
  sourcePath,
  state,
  kind,
});

describe('withoutQueued', () => {
  it('skips a path whose file job still waits or runs; a finished, failed or cancelled one can be queued again', () => {
    const jobs = [
      job('/a/standup.wav', 'running'),
      job('/a/queued.wav', 'queued'),
      job('/a/paused.wav', 'paused'),
      job('/a/probing.wav', 'probing'),
      job('/a/done.wav', 'done'),
      job('/a/failed.wav', 'failed'),
      job('/a/cancelled.wav', 'cancelled'),
      // a re-transcription of a range reads the same file: it does not make the whole file "queued"
      job('/a/range.wav', 'queued', 'retranscribe'),
    ];
    const files = [
      'standup.wav',
      'queued.wav',
      'paused.wav',
      'probing.wav',
      'done.wav',
      'failed.wav',
      'cancelled.wav',
      'range.wav',
      'new.wav',
    ].map((n) => ({ path: `/a/${n}`, sizeBytes: 1 }));
    const { files: kept, skipped } = withoutQueued(files, jobs);
    expect(kept.map((f) => f.path)).toEqual([
      '/a/done.wav',
      '/a/failed.wav',
      '/a/cancelled.wav',
      '/a/range.wav',
      '/a/new.wav',
    ]);
    expect(skipped).toEqual(['/a/standup.wav', '/a/queued.wav', '/a/paused.wav', '/a/probing.wav']);
    // the same name in another folder is another file
    expect(withoutQueued([{ path: '/b/standup.wav' }], jobs).skipped).toEqual([]);
  });
});
