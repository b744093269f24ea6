import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { savedTokenPrefixes } from './partial-tokens';
import {
  CheckpointStore,
  encodeLine,
  LOG_FILE,
  parseLog,
  type JobManifest,
  type TokensRecord,
  type WindowRecord,
} from './store';

const root = mkdtempSync(join(tmpdir(), 'rs-tokens-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const manifest: JobManifest = {
  version: 1,
  createdAt: '2026-12-02T00:00:00.000Z',
  input: { path: '/x.mp3', size: 10, mtimeMs: 1, headSha256: 'a', tailSha256: 'b' },
  settings: { maxWindowSec: 120 },
  engine: { id: 'scripted' },
};

function tokens(windowId: string, from: number, list: number[], attempt = 1): TokensRecord {
  return { type: 'tokens', windowId, attempt, from, tokens: list };
}

function windowRec(windowId: string, index: number): WindowRecord {
  return {
    type: 'window',
    windowId,
    index,
    startSample: index * 1000,
    endSample: index * 1000 + 900,
    speechStartSample: index * 1000 + 10,
    speechEndSample: index * 1000 + 800,
    hardStart: false,
    hardEnd: false,
    overlapSamples: 0,
    text: 'hello',
    tokenCount: 2,
    stopReason: 'eos',
    attempts: 1,
    flags: [],
  };
}

describe('token records in the job log', () => {
  it('are saved durably and read back in order, next to window records', async () => {
    const dir = join(root, 'roundtrip');
    const store = await CheckpointStore.create(dir, manifest);
    await store.append(tokens('w0', 0, [5, 6, 7]));
    await store.append(tokens('w0', 3, [8]));
    await store.append(windowRec('w0', 0));
    await store.append(tokens('w1', 0, [9, 10]));
    expect(store.finishedWindows).toBe(1);
    await store.close();
    const { store: again, log } = await CheckpointStore.open(dir, manifest);
    await again.close();
    expect(log.records.map((r) => r.type)).toEqual(['tokens', 'tokens', 'window', 'tokens']);
    expect(log.droppedTail).toBe(false);
    expect([...savedTokenPrefixes(log.records)]).toEqual([['w1', [9, 10]]]);
  });

  it('drop a torn last token record (cut at every byte) and keep the records before it', async () => {
    const dir = join(root, 'torn');
    const store = await CheckpointStore.create(dir, manifest);
    await store.append(tokens('w0', 0, [1, 2, 3]));
    await store.close();
    const path = join(dir, LOG_FILE);
    const good = readFileSync(path).length;
    const last = encodeLine(tokens('w0', 3, [4, 5]));
    for (let cut = 1; cut < Buffer.byteLength(last); cut++) {
      const content = Buffer.concat([
        readFileSync(path).subarray(0, good),
        Buffer.from(last).subarray(0, cut),
      ]);
      const parsed = parseLog(content);
      expect(parsed.droppedTail).toBe(true);
      expect(parsed.validBytes).toBe(good);
      expect([...savedTokenPrefixes(parsed.records)]).toEqual([['w0', [1, 2, 3]]]);
    }
    // The store truncates the torn tail on open, so the next record continues the valid prefix.
    appendFileSync(path, Buffer.from(last).subarray(0, 20));
    const { store: reopened, log } = await CheckpointStore.open(dir, manifest);
    expect(log.droppedTail).toBe(true);
    await reopened.append(tokens('w0', 3, [4]));
    await reopened.close();
    const final = parseLog(readFileSync(path));
    expect(final.droppedTail).toBe(false);
    expect(savedTokenPrefixes(final.records).get('w0')).toEqual([1, 2, 3, 4]);
    truncateSync(path, 0);
  });

  it('refuse a damaged token record followed by good lines', () => {
    const bad = encodeLine(tokens('w0', 0, [1])).replace('"from":0', '"from":1');
    const content = Buffer.from(bad + encodeLine(tokens('w0', 0, [2])));
    expect(() => parseLog(content)).toThrow(/damaged/);
  });
});

describe('savedTokenPrefixes', () => {
  it('concatenates the records of each unfinished window', () => {
    const m = savedTokenPrefixes([tokens('a', 0, [1, 2]), tokens('b', 0, [7]), tokens('a', 2, [3])]);
    expect(m.get('a')).toEqual([1, 2, 3]);
    expect(m.get('b')).toEqual([7]);
  });

  it('forgets a window whose window record exists (the record is the authority)', () => {
    const m = savedTokenPrefixes([tokens('a', 0, [1, 2]), windowRec('a', 0)]);
    expect(m.has('a')).toBe(false);
  });

  it('voids a window the loop guard was retrying, even if first-attempt tokens follow', () => {
    const m = savedTokenPrefixes([tokens('a', 0, [1, 2]), tokens('a', 0, [], 2), tokens('a', 0, [9])]);
    expect(m.has('a')).toBe(false);
  });

  it('voids a window whose records leave a gap (nothing that cannot be forced exactly)', () => {
    const m = savedTokenPrefixes([tokens('a', 0, [1, 2]), tokens('a', 3, [4]), tokens('b', 0, [5])]);
    expect(m.has('a')).toBe(false);
    expect(m.get('b')).toEqual([5]);
  });

  it('ignores windows with no tokens and records with invalid token ids', () => {
    const m = savedTokenPrefixes([tokens('a', 0, []), tokens('b', 0, [1.5])]);
    expect(m.size).toBe(0);
  });
});
