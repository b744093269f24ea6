import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticVoxtral } from '../../fixtures/voxtral';
import type { AdvisorReport } from '@common/advisor-types';
import { recommendationFlags, runDoctor } from './doctor';
import { createAdvisor, variantIdFromFile } from './report';
import { PROFILES } from './test-profiles';

describe('doctor', () => {
  it('prints hardware, the recommendation with its reason, rejected options and every cache type', async () => {
    const { text, report } = await runDoctor({ hardware: PROFILES.laptop6 });
    expect(text).toMatch(/^Hardware\n {2}OS: linux/);
    expect(text).toContain('GPU: CUDA0 NVIDIA GeForce RTX 3060 Laptop GPU, 5.9 GB free of 6.4 GB');
    expect(text).toContain(report.recommendation.why);
    expect(text).toMatch(/f16 cache: would need [\d.]+ (GB|MB) more than the [\d.]+ GB VRAM budget/);
    for (const t of ['f16', 'q8_0', 'iso4', 'planar4', 'q4_0', 'iso3', 'planar3'])
      expect(text).toMatch(new RegExp(`\\n  ${t} +[\\d.]+ KiB`));
    expect(text).toMatch(/VRAM: weights [\d.]+ GB \+ mmproj/);
  });

  it('gives the same report as JSON', async () => {
    const { text, report } = await runDoctor({ hardware: PROFILES.cpu8, json: true });
    const parsed = JSON.parse(text) as AdvisorReport;
    expect(parsed).toEqual(report);
    expect(parsed.recommendation.config.gpuLayers).toBe(0);
  });

  it("prints a CPU plan's speed with the audio and the encoder chunks each window pays for", async () => {
    const { text, report } = await runDoctor({ hardware: PROFILES.cpu8 });
    const speed = report.recommendation.speed!;
    expect(speed.chunksPerWindow).toBeGreaterThan(0);
    expect(text).toContain(
      `(${speed.audioSecPerWindow.toFixed(2)} s of audio in ${speed.chunksPerWindow} encoder chunk`,
    );
  });

  it('says plainly that nothing fits on a 4 GB machine', async () => {
    const { text, report } = await runDoctor({ hardware: PROFILES.ram4 });
    expect(report.recommendation.ok).toBe(false);
    expect(text).toMatch(/No configuration fits\n {2}Voxtral cannot run on this machine/);
    expect(text).not.toContain('rotorscribe transcribe');
  });

  it('prints the transcribe flags that run its recommendation', async () => {
    for (const hardware of [PROFILES.laptop6, PROFILES.cpu8]) {
      const { text, report } = await runDoctor({ hardware });
      const c = report.recommendation.config;
      const flags = recommendationFlags(report.recommendation);
      expect(flags).toEqual([
        '--kv-k',
        c.kvTypeK,
        '--kv-v',
        c.kvTypeV,
        '--parallel',
        String(c.parallelWindows),
      ]);
      expect(text).toContain(`Run it with\n  rotorscribe transcribe <file…> ${flags.join(' ')}`);
    }
  });

  it('marks cache types the runtime was not built with', async () => {
    const { text } = await runDoctor({ hardware: PROFILES.cpu8, supportedKvTypes: ['f16', 'q8_0', 'q4_0'] });
    expect(text).toMatch(/iso3 .*\(not built\)/);
    expect(text).not.toMatch(/q8_0 .*\(not built\)/);
  });

  it('replaces a catalog estimate with the header of a local model file', async () => {
    expect(variantIdFromFile('/m/Voxtral-Mini-3B-2507-Q4_K_M.gguf')).toBe('Q4_K_M');
    expect(variantIdFromFile('/m/voxtral-tiny.gguf')).toBeUndefined();
    const dir = await mkdtemp(join(tmpdir(), 'doctor-'));
    try {
      const fx = await writeSyntheticVoxtral({ dir, size: 'tiny' });
      const advisor = await createAdvisor({
        hardware: PROFILES.cpu8,
        modelPath: fx.modelPath,
        mmprojPath: fx.mmprojPath,
      });
      const local = advisor.report().variants.find((v) => v.id === 'local')!;
      expect(local.approximate).toBe(false);
      expect(local.weightBytes).toBeLessThan(fx.meta.modelBytes);
      expect(advisor.evaluate({ weights: 'local' }).estimate.pools[0]!.breakdown.weights).toBe(
        local.weightBytes,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('rotorscribe doctor (CLI)', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        stdout: { write: (t: string) => out.push(t) },
        stderr: { write: (t: string) => err.push(t) },
        env: {},
        cwd: process.cwd(),
      },
    };
  };

  it('prints the JSON report of this machine and exits 0', async () => {
    const { main } = await import('../cli');
    const t = io();
    expect(await main(['doctor', '--json'], t.io)).toBe(0);
    const report = JSON.parse(t.out.join('')) as AdvisorReport;
    expect(report.hardware.cpu.logicalCores).toBeGreaterThan(0);
    expect(report.cacheTable.map((r) => r.kvType)).toContain('q8_0');
  });

  it('refuses unknown options as a usage error', async () => {
    const { main } = await import('../cli');
    const t = io();
    expect(await main(['doctor', '--bogus'], t.io)).toBe(2);
    expect(t.err.join('')).toMatch(/INVALID_ARGUMENT/);
  });
});
