import { describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { parseJobParams } from './job-method';
import { parserOf, pcmStatsParamsSchema } from './method-params';
import type { JobParams } from './protocol';

const base: JobParams = {
  input: '/rec/meeting.mp3',
  jobDir: '/jobs/1',
  existing: 'resume',
  engine: { kind: 'echo' },
  plan: { kvK: 'q8_0', kvV: 'q8_0', maxWindowSec: 10, parallel: 2 },
};

function detailOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RotorError);
    expect((error as RotorError).code).toBe('IPC_INVALID_PAYLOAD');
    return (error as RotorError).detail ?? '';
  }
  throw new Error('expected a refusal');
}

describe('engine method params (valibot schemas)', () => {
  it('passes good job params through, a range included', () => {
    expect(parseJobParams(base)).toEqual(base);
    const ranged = { ...base, range: { startSec: 12.5, endSec: 40 }, language: 'pt-BR', title: 'Weekly' };
    expect(parseJobParams(ranged)).toEqual(ranged);
    const runtime = {
      ...base,
      engine: { kind: 'runtime', modelPath: '/m/model.gguf', mmprojPath: '/m/mmproj.gguf', threads: 4 },
    } as const;
    expect(parseJobParams(runtime)).toEqual(runtime);
  });

  it('names the field of every refusal', () => {
    const cases: [unknown, string][] = [
      [{ ...base, input: 'relative.mp3' }, 'input: expected an absolute path'],
      [{ ...base, jobDir: '' }, 'jobDir:'],
      [{ ...base, plan: { ...base.plan, kvK: 'q3_k' } }, 'plan.kvK:'],
      [{ ...base, plan: { ...base.plan, parallel: 1.5 } }, 'plan.parallel: expected an integer'],
      [{ ...base, plan: { ...base.plan, parallel: 17 } }, 'plan.parallel: too large'],
      [{ ...base, plan: { ...base.plan, maxWindowSec: 4000 } }, 'plan.maxWindowSec: too large'],
      [{ ...base, engine: { kind: 'runtime', modelPath: '/m.gguf' } }, 'engine.mmprojPath: missing'],
      [{ ...base, engine: { kind: 'runtime', modelPath: 'm.gguf', mmprojPath: '/p' } }, 'engine.modelPath:'],
      [{ ...base, engine: { kind: 'magic' } }, 'engine.kind:'],
      [{ ...base, engine: { kind: 'echo', extra: 1 } }, 'engine.extra: unexpected field'],
      [{ ...base, existing: 'maybe' }, 'existing:'],
      [{ ...base, language: 'EN' }, 'language: does not match'],
      [{ ...base, extra: 1 }, 'extra: unexpected field'],
      [{ ...base, range: { startSec: 5, endSec: 5 } }, 'range: endSec must be at least 0.1 s after startSec'],
      [{ ...base, range: { startSec: 9, endSec: 3 } }, 'range: endSec must be'],
      [{ ...base, range: { startSec: -1, endSec: 5 } }, 'range.startSec: too small'],
      [{ ...base, range: { startSec: 1, endSec: 1e9 } }, 'range.endSec: too large'],
      [{ ...base, range: { startSec: 1, endSec: Infinity } }, 'range.endSec: expected a finite number'],
      [{ ...base, range: { startSec: 1 } }, 'range.endSec: missing'],
      [{ ...base, range: { startSec: 1, endSec: 4, step: 1 } }, 'range.step: unexpected field'],
      [null, 'payload:'],
    ];
    for (const [params, expected] of cases) {
      expect(
        detailOf(() => parseJobParams(params)),
        JSON.stringify(params),
      ).toContain(expected);
    }
  });

  it('takes PCM only as a Float32Array', () => {
    const parse = parserOf(pcmStatsParamsSchema);
    const pcm = new Float32Array(4);
    expect(parse({ pcm, sampleRate: 16_000 }).pcm).toBe(pcm);
    expect(detailOf(() => parse({ pcm: [0, 0], sampleRate: 16_000 }))).toContain('pcm:');
    expect(detailOf(() => parse({ pcm, sampleRate: 100 }))).toContain('sampleRate: too small');
  });
});
