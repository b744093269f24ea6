/**
 * The disk-full path on a real small disk: a 16 MiB tmpfs mounted for the test (root on the build machines; where
 * mounting is not allowed, the same ENOSPC is injected at the fs layer by testkit's fillingDisk — the test says
 * which ran). Two ways to the end of the disk: the once-a-second guard stops before the reserve, and a burst that
 * outruns the guard meets the real ENOSPC. Both stop cleanly, with a clear message and everything written kept.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRecordingService, type RecordingServiceDeps, type RecordingStatus } from './service';
import { fillingDisk, testPort } from './testkit';
import { WAV_HEADER_BYTES, parseWavHeader } from './wav';

const root = mkdtempSync(join(tmpdir(), 'rs-rec-disk-'));
const disk = join(root, 'disk');
const SIZE = 16 * 1024 * 1024;
let mounted = false;

beforeAll(() => {
  mkdirSync(disk);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE}`, 'tmpfs', disk], { stdio: 'ignore' });
    mounted = true;
  } catch {
    // no mount privilege: ENOSPC is injected instead (below)
  }
  console.log(
    mounted ? 'disk-full: real 16 MiB tmpfs' : 'disk-full: ENOSPC injected at the fs layer (no tmpfs)',
  );
});
afterAll(() => {
  if (mounted) execFileSync('umount', [disk]);
  rmSync(root, { recursive: true, force: true });
});

afterEach(() => {
  for (const name of readdirSync(disk)) rmSync(join(disk, name), { recursive: true, force: true });
});

const RATE = 48_000;
const BPS = RATE * 2; // mono 16-bit

function service(dir: string, over: Partial<RecordingServiceDeps> = {}) {
  const statuses: RecordingStatus[] = [];
  let tick: () => Promise<void> = async () => undefined;
  const s = createRecordingService({
    dir,
    jobsDir: join(root, 'jobs'),
    engine: { request: () => Promise.reject(new Error('no engine')) },
    library: { save: () => ({ id: 'unused' }) },
    queue: { add: async () => undefined, kick: () => undefined },
    planLive: async () => null,
    onStatus: (st) => statuses.push(st),
    every: (_ms, t) => {
      tick = t;
      return () => undefined;
    },
    ...(mounted
      ? {}
      : {
          openFile: fillingDisk({ bytes: SIZE - 64 * 1024 }),
          freeSpace: async () => SIZE - 64 * 1024,
        }),
    ...over,
  });
  return { s, statuses, tick: () => tick() };
}

function second(seq: number): { seq: number; pcm: Float32Array } {
  const pcm = new Float32Array(RATE / 10);
  for (let i = 0; i < pcm.length; i++)
    pcm[i] = 0.25 * Math.sin((2 * Math.PI * 300 * (seq * pcm.length + i)) / RATE);
  return { seq, pcm };
}

function sealed(dir: string): { seconds: number; fileBytes: number } {
  const name = readdirSync(dir).find((n) => n.endsWith('.wav'))!;
  const bytes = readFileSync(join(dir, name));
  const h = parseWavHeader(bytes);
  expect(h.dataBytes % 2).toBe(0);
  expect(h.dataBytes).toBeLessThanOrEqual(bytes.length - WAV_HEADER_BYTES);
  expect(bytes.length - WAV_HEADER_BYTES - h.dataBytes).toBeLessThan(2);
  expect(readdirSync(dir).filter((n) => n.endsWith('.json'))).toEqual([]);
  return { seconds: h.dataBytes / BPS, fileBytes: bytes.length };
}

describe('recording until the disk is full', () => {
  it('the guard warns, then stops before the reserve; the recording is sealed and kept', async () => {
    const dir = join(disk, 'guarded');
    const reserve = 4 * 1024 * 1024;
    const { s, statuses, tick } = service(dir, {
      diskReserveBytes: reserve,
      ...(mounted ? {} : { freeSpace: async () => SIZE - s.status().bytes }),
    });
    const { id } = await s.start({ sampleRate: RATE, channels: 1, channelNames: ['Microphone'] });
    const port = testPort();
    s.attachPort(id!, port);
    let seq = 0;
    // one second at a time, one guard check per second, as in a real recording
    while (s.status().phase === 'recording' && seq < 10 * 200) {
      for (let i = 0; i < 10; i++) port.send(second(seq++));
      await tick();
    }
    await s.whenSettled();
    const stop = statuses.find((st) => st.error);
    expect(stop?.error).toMatchObject({ code: 'DISK_FULL', message: expect.stringMatching(/almost full/u) });
    expect(stop?.error?.hint).toMatch(/Everything recorded until now is saved/u);
    expect(statuses.some((st) => st.disk.level === 'low')).toBe(true);
    const { seconds } = sealed(dir);
    // stopped with the reserve still free, one second of audio at most past it
    if (mounted) expect(statfsSync(disk).bavail * statfsSync(disk).bsize).toBeGreaterThan(reserve - 2 * BPS);
    expect(seconds).toBeGreaterThan(50);
    expect(seconds * BPS).toBe(s.status().bytes);
  }, 60_000);

  it('a burst the guard cannot see meets ENOSPC: stopped, sealed with every whole frame that fit', async () => {
    const dir = join(disk, 'burst');
    const { s, statuses, tick } = service(dir, { diskReserveBytes: 0 });
    const { id } = await s.start({ sampleRate: RATE, channels: 1, channelNames: ['Microphone'] });
    const port = testPort();
    s.attachPort(id!, port);
    for (let seq = 0; seq < 10 * 200; seq++) port.send(second(seq)); // 200 s ≈ 18 MiB, more than the disk
    await tick();
    await s.whenSettled();
    const stop = statuses.find((st) => st.error);
    expect(stop?.error).toMatchObject({ code: 'DISK_FULL', detail: 'ENOSPC' });
    const { seconds, fileBytes } = sealed(dir);
    expect(seconds).toBeGreaterThan(100);
    expect(seconds).toBeLessThan(200);
    if (mounted) expect(fileBytes).toBeGreaterThan(SIZE - 256 * 1024);
  }, 60_000);
});
