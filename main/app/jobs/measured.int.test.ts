/**
 * The job service on the native runtime (tiny synthetic Voxtral): the plan comes from the advisor, the engine
 * reports what the job's context allocated, and the advisor service receives it next to its prediction.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeasuredAllocation } from '@common/advisor-types';
import { DEFAULT_SETTINGS } from '@common/settings';
import { generateRecording } from '../../../fixtures/audio-long';
import { writeSyntheticVoxtral } from '../../../fixtures/voxtral';
import { sourceHost } from '../../engine/host/testkit';
import { openLibraryStore } from '../../library/db';
import { createJobService } from './job-service';

const root = mkdtempSync(path.join(tmpdir(), 'rs-jobs-rt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let modelPath = '';
let mmprojPath = '';
let audio = '';
beforeAll(async () => {
  const fx = await writeSyntheticVoxtral({ dir: path.join(root, 'model'), size: 'tiny', seed: 4 });
  modelPath = fx.modelPath;
  mmprojPath = fx.mmprojPath;
  audio = await generateRecording({
    outDir: path.join(root, 'audio'),
    durationSec: 25,
    format: 'wav',
    seed: 9,
  });
}, 180_000);

describe('job service on the native runtime', () => {
  it('plans with the advisor, runs the job, saves the transcript and feeds the measured allocation', async () => {
    const engine = sourceHost();
    const store = openLibraryStore(path.join(root, 'library.sqlite'));
    const measured: MeasuredAllocation[] = [];
    const service = createJobService({
      engine,
      queue: store.queue,
      library: store.library,
      jobsDir: path.join(root, 'jobs'),
      settings: {
        get: async () => ({
          ...DEFAULT_SETTINGS,
          runConfig: { kvTypeK: 'q8_0', kvTypeV: 'q8_0', windowSeconds: 12, parallelWindows: 1 },
        }),
      },
      modelConfig: async () => ({
        ready: true,
        source: 'env',
        engine: { kind: 'runtime', modelPath, mmprojPath },
      }),
      advisor: { setMeasured: (m) => void (m && measured.push(m)) },
    });
    try {
      await service.start();
      expect(service.status()).toEqual({ ready: true, engine: 'runtime', model: path.basename(modelPath) });
      const { added } = await service.add([audio]);
      await service.whenIdle();
      const job = store.queue.get(added[0]!.id);
      expect(job.error).toBeNull();
      expect(job.state).toBe('done');
      const stored = store.library.get(job.transcriptId!);
      expect(stored.summary).toMatchObject({ kvK: 'q8_0', kvV: 'q8_0', model: path.basename(modelPath) });

      expect(measured).toHaveLength(1);
      const m = measured[0]!;
      expect(m.config).toMatchObject({
        kvTypeK: 'q8_0',
        kvTypeV: 'q8_0',
        parallelWindows: 1,
        windowSeconds: 12,
      });
      expect(m.reported).toEqual(expect.arrayContaining(['weights', 'mmproj', 'kv', 'computeDecoder']));
      expect(m.measured.kv).toBeGreaterThan(0);
      expect(m.measured.weights).toBeGreaterThan(0);
      // same cell count on both sides: the cache prediction is exact arithmetic
      expect(Math.abs(m.predicted.kv - m.measured.kv) / m.measured.kv).toBeLessThan(0.02);
    } finally {
      await service.stop();
      await engine.stop();
      store.close();
    }
  });
});
