import { describe, expect, it } from 'vitest';
import type { QueueJob } from '@common/library-schema';
import { JobStages } from './job-stages';

const job = (over: Partial<QueueJob>): QueueJob => ({
  id: 'j1',
  displayName: 'talk.wav',
  kind: 'file',
  sizeBytes: 10,
  state: 'running',
  position: 0,
  error: null,
  progress: null,
  transcriptId: null,
  createdAt: 1,
  updatedAt: 1,
  ...over,
});

describe('JobStages', () => {
  it("merges a running job's stage into its progress, and only a running job's", () => {
    const stages = new JobStages();
    expect(stages.set('j1', { name: 'finding_speech', audioSecRead: 12 })).toBe(true);
    // a job main has no progress for yet: nothing done, nothing known, and the stage
    expect(stages.withStage(job({})).progress).toMatchObject({
      windowsDone: 0,
      audioSecDone: 0,
      durationSec: null,
      stage: { name: 'finding_speech', audioSecRead: 12 },
    });
    const probed = { ...job({}).progress, windowsDone: 0, windowsTotal: 0, audioSecDone: 0 };
    const withLength = job({ progress: { ...probed, durationSec: 90, speed: null, etaSec: null } });
    expect(stages.withStage(withLength).progress).toMatchObject({
      durationSec: 90,
      stage: { audioSecRead: 12 },
    });
    expect(stages.withStage(job({ state: 'paused' })).progress).toBeNull();
    expect(stages.withStage(job({ id: 'j2' })).progress).toBeNull();
    stages.clear('j1');
    expect(stages.withStage(job({})).progress).toBeNull();
  });

  it('refuses what is not a stage (the engine process is not trusted to send only valid ones)', () => {
    const stages = new JobStages();
    for (const bad of [
      { name: 'warming_up' },
      { name: 'loading_model', fraction: 2 },
      { name: 'finding_speech', audioSecRead: -1 },
      { name: 'first_window', startSec: 0 },
      { name: 'reading_audio', extra: 1 },
      null,
    ]) {
      expect(stages.set('j1', bad), JSON.stringify(bad)).toBe(false);
    }
    expect(stages.withStage(job({})).progress).toBeNull();
  });
});
