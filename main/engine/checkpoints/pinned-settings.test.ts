import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pinnedSettings, withPinnedLayout } from './pinned-settings';
import { CheckpointStore, type JobManifest } from './store';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function jobFolder(
  settings: Record<string, unknown>,
  kv = { kvK: 'iso3', kvV: 'iso4' },
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rs-pinned-'));
  dirs.push(dir);
  const manifest: JobManifest = {
    version: 1,
    createdAt: new Date(0).toISOString(),
    input: { size: 1, mtimeMs: 0, headSha256: 'a', tailSha256: 'b' } as unknown as JobManifest['input'],
    settings,
    engine: { id: 'voxtral-llama.cpp', ...kv },
  };
  await CheckpointStore.create(dir, manifest);
  return dir;
}

const plan = {
  kvK: 'q8_0',
  kvV: 'q8_0',
  maxWindowSec: 60,
  parallel: 1,
  maxGapSec: 15,
  maxPauseSec: 1,
} as const;

describe('pinned settings of a job folder', () => {
  it('a job started before pauses were shortened resumes with its own gap and whole pauses', async () => {
    const dir = await jobFolder({ cutter: { maxWindowSec: 120, maxGapSec: 3 }, language: 'en' });
    const pinned = await pinnedSettings(dir);
    expect(pinned).toEqual({
      kvK: 'iso3',
      kvV: 'iso4',
      maxWindowSec: 120,
      maxGapSec: 3,
      maxPauseSec: null,
      language: 'en',
    });
    const out = withPinnedLayout({ ...plan }, pinned);
    expect(out).toEqual({ kvK: 'q8_0', kvV: 'q8_0', maxWindowSec: 120, parallel: 1, maxGapSec: 3 });
    expect('maxPauseSec' in out).toBe(false);
  });

  it('keeps a shortened-pause job shortened, and leaves the plan alone without a manifest', async () => {
    const dir = await jobFolder({
      cutter: { maxWindowSec: 60, maxGapSec: 15 },
      maxPauseSec: 1.5,
      language: null,
    });
    expect(withPinnedLayout({ ...plan }, await pinnedSettings(dir)).maxPauseSec).toBe(1.5);
    const empty = await mkdtemp(join(tmpdir(), 'rs-pinned-'));
    dirs.push(empty);
    expect(await pinnedSettings(empty)).toBeNull();
    expect(withPinnedLayout(plan, null)).toBe(plan);
  });
});
