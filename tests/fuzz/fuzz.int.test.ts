import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveWasmDecoders } from '../../main/engine/audio/wasm/backend';
import { type CaseResult, runCases, summarize } from './cases';
import { type CorpusSeed, buildCorpus } from './corpus';
import { runGgufCase, runMediaCase } from './run-case';

// The short seeded run of `npm run fuzz`: 16 mutated files of each media format (probed, then decoded) and 96
// mutated GGUF headers. The long run (20,000 cases) is in the README.
const CASES = 192;
const BOUND_MS = 30_000;

describe('fuzzing the untrusted-input parsers (short seeded run)', () => {
  let work: string;
  let seeds: CorpusSeed[];
  let results: CaseResult[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'rs-fuzz-'));
    seeds = await buildCorpus(resolve(import.meta.dirname, '..', '..', '.cache', 'fuzz', 'corpus'));
    results = await runCases(seeds, {
      seed: 20_261_202,
      from: 0,
      to: CASES,
      boundMs: BOUND_MS,
      workDir: work,
      probe: true,
    });
  }, 300_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('decodes every unmutated seed and accepts every unmutated GGUF header', async () => {
    expect(seeds.map((x) => x.kind).sort()).toEqual([
      'flac',
      'gguf',
      'gguf',
      'm4a',
      'mp3',
      'mp4',
      'opus',
      'wav',
    ]);
    for (const seed of seeds) {
      const path = join(work, `clean-${seed.kind}`);
      if (seed.kind === 'gguf') {
        const dataBytes = seed.fileSize! - seed.bytes.length;
        expect(await runGgufCase(path, seed.bytes, dataBytes)).toEqual({
          kind: 'ok',
          samples: 0,
          warnings: 0,
        });
      } else {
        await writeFile(path, seed.bytes);
        const outcome = await runMediaCase(path, BOUND_MS, true);
        // 2 s at 16 kHz, give or take a codec frame
        expect(outcome).toMatchObject({ kind: 'ok' });
        expect(Math.abs((outcome as { samples: number }).samples - 32_000)).toBeLessThan(2_000);
      }
    }
  });

  it('ends every case in PCM or a coded error within the bound, with the host alive', () => {
    const s = summarize(results);
    expect(s.cases).toBe(CASES);
    expect(Object.keys(s.byKind).sort()).toEqual(['flac', 'gguf', 'm4a', 'mp3', 'mp4', 'opus', 'wav']);
    const broken = results.filter((r) => r.outcome.kind === 'hang' || r.outcome.kind === 'exception');
    expect(broken).toEqual([]);
    expect(s.internal).toBe(0);
    expect(s.maxCaseMs).toBeLessThan(BOUND_MS);
    // the mutations reach past the parsers' front doors: some files still decode, some are refused, per kind
    for (const kind of ['wav', 'mp3', 'm4a', 'opus', 'flac', 'mp4']) {
      const mine = results.filter((r) => r.kind === kind);
      expect(mine.some((r) => r.outcome.kind === 'ok' && r.outcome.samples > 0)).toBe(true);
    }
    expect(Object.keys(s.errorCodes)).toEqual(expect.arrayContaining(['AUDIO_CORRUPT', 'MODEL_NOT_GGUF']));
    // no decoder thread outlives its case
    expect(liveWasmDecoders()).toBe(0);
  });
});
