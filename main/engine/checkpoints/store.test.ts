import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import {
  CheckpointStore,
  encodeLine,
  LOG_FILE,
  parseLog,
  type JobManifest,
  type WindowRecord,
} from './store';

const root = mkdtempSync(join(tmpdir(), 'rs-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const manifest: JobManifest = {
  version: 1,
  createdAt: '2026-11-27T00:00:00.000Z',
  input: { path: '/x.mp3', size: 10, mtimeMs: 1, headSha256: 'a', tailSha256: 'b' },
  settings: { maxWindowSec: 28 },
  engine: { id: 'scripted' },
};

function rec(index: number, text = `window ${index} says hello`): WindowRecord {
  return {
    type: 'window',
    windowId: `w${index}`,
    index,
    startSample: index * 1000,
    endSample: index * 1000 + 900,
    speechStartSample: index * 1000,
    speechEndSample: index * 1000 + 900,
    hardStart: false,
    hardEnd: false,
    overlapSamples: 0,
    text,
    tokenCount: 5,
    stopReason: 'eos',
    attempts: 1,
    flags: [],
  };
}

const isCode = (code: string) => (e: unknown) => e instanceof RotorError && e.code === code;

describe('CheckpointStore', () => {
  it('takes appends made while another is being written one after the other, in call order', async () => {
    const dir = join(root, 'concurrent');
    const store = await CheckpointStore.create(dir, manifest);
    // token records of windows still decoding and window records of finished ones arrive at the same time
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 3 ? store.append(rec(i)) : store.appendMany([rec(i)]))),
    );
    await store.close();
    const { store: again, log } = await CheckpointStore.open(dir, manifest);
    await again.close();
    expect(log.records).toEqual(Array.from({ length: 20 }, (_, i) => rec(i)));
    expect(log.droppedTail).toBe(false);
  });

  it('persists records and reads them back after reopening', async () => {
    const dir = join(root, 'a');
    const store = await CheckpointStore.create(dir, manifest);
    for (let i = 0; i < 3; i++) await store.append(rec(i));
    await store.close();
    expect(await CheckpointStore.readManifest(dir)).toEqual(manifest);
    const { store: again, log } = await CheckpointStore.open(dir, manifest);
    expect(log.records).toEqual([rec(0), rec(1), rec(2)]);
    expect(log.droppedTail).toBe(false);
    await again.append(rec(3));
    await again.close();
    expect(parseLog(readFileSync(join(dir, LOG_FILE))).records).toHaveLength(4);
  });

  it('drops a torn last line (cut at every byte) and appends cleanly after it', async () => {
    const full = encodeLine(rec(0)) + encodeLine(rec(1, 'the second window, with ünïcödé'));
    const firstLen = Buffer.byteLength(encodeLine(rec(0)));
    const total = Buffer.byteLength(full);
    // Every byte of the JSON head and tail, sparser in the middle (each case pays two fsyncs).
    for (let cut = firstLen + 1; cut < total; cut += cut < firstLen + 24 || cut > total - 24 ? 1 : 7) {
      const dir = join(root, `torn-${cut}`);
      const s = await CheckpointStore.create(dir, manifest);
      await s.close();
      writeFileSync(join(dir, LOG_FILE), full);
      truncateSync(join(dir, LOG_FILE), cut);
      const { store, log } = await CheckpointStore.open(dir, manifest);
      expect(log.records).toEqual([rec(0)]);
      expect(log.droppedTail).toBe(true);
      await store.append(rec(2));
      await store.close();
      expect(
        parseLog(readFileSync(join(dir, LOG_FILE))).records.map((r) => (r as WindowRecord).index),
      ).toEqual([0, 2]);
      rmSync(dir, { recursive: true });
    }
  });

  it('drops a last line whose bytes were flipped, but refuses damage before good lines', async () => {
    const good = encodeLine(rec(0));
    const bad = encodeLine(rec(1)).replace('window 1', 'window X');
    expect(parseLog(Buffer.from(good + bad))).toMatchObject({ droppedTail: true, records: [rec(0)] });
    expect(() => parseLog(Buffer.from(bad + good))).toThrow(
      expect.objectContaining({ code: 'CHECKPOINT_CORRUPT' }) as unknown as Error,
    );
  });

  it('turns ENOSPC into DISK_FULL and leaves no partial line (simulated)', async () => {
    const dir = join(root, 'enospc');
    const store = await CheckpointStore.create(dir, manifest);
    await store.append(rec(0));
    // Reach the private handle: make the next write fail the way a full disk does, after writing a few bytes.
    const fh = (store as unknown as { fh: { write: (...a: unknown[]) => Promise<{ bytesWritten: number }> } })
      .fh;
    const realWrite = fh.write.bind(fh);
    let calls = 0;
    fh.write = async (buf: unknown, off: unknown, _len: unknown, pos: unknown) => {
      if (calls++ === 0) return realWrite(buf, off, 10, pos);
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    };
    await expect(store.append(rec(1))).rejects.toSatisfy(isCode('DISK_FULL'));
    await store.close();
    expect(readFileSync(join(dir, LOG_FILE), 'utf8')).toBe(encodeLine(rec(0)));
  });

  const canMount = process.platform === 'linux' && process.getuid?.() === 0 && tryMount();
  it.runIf(canMount)('reports DISK_FULL on a really full file system and keeps what was saved', async () => {
    const mnt = join(root, 'tiny');
    try {
      const store = await CheckpointStore.create(mnt, manifest);
      let saved = 0;
      let error: unknown;
      try {
        for (let i = 0; i < 10_000; i++) {
          await store.append(rec(i, 'x'.repeat(2000)));
          saved++;
        }
      } catch (e) {
        error = e;
      }
      await store.close();
      expect(error).toSatisfy(isCode('DISK_FULL'));
      expect((error as RotorError).hint).toContain(`${saved} finished`);
      const log = parseLog(readFileSync(join(mnt, LOG_FILE)));
      expect(log.droppedTail).toBe(false);
      expect(log.records).toHaveLength(saved);
      expect(saved).toBeGreaterThan(5);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  function tryMount(): boolean {
    const mnt = join(root, 'tiny');
    try {
      execFileSync('mkdir', ['-p', mnt]);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  }

  it('reports a manifest that is not JSON as CHECKPOINT_CORRUPT', async () => {
    const dir = join(root, 'badmanifest');
    await (await CheckpointStore.create(dir, manifest)).close();
    appendFileSync(join(dir, 'manifest.json'), '}{');
    await expect(CheckpointStore.readManifest(dir)).rejects.toSatisfy(isCode('CHECKPOINT_CORRUPT'));
    expect(await CheckpointStore.readManifest(join(root, 'none'))).toBeNull();
  });
});
