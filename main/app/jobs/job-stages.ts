/**
 * The step each running job is in before its first window is done (the engine's `stage` events), kept in memory
 * beside the queue's database rows and merged into the jobs the window sees. A stage is transient: a restart or the
 * first window's progress ends it, so it is never written to the queue.
 */
import * as v from 'valibot';
import { jobStageSchema, type JobProgress, type JobStage, type QueueJob } from '@common/library-schema';

const NO_PROGRESS: JobProgress = {
  windowsDone: 0,
  windowsTotal: 0,
  audioSecDone: 0,
  durationSec: null,
  speed: null,
  etaSec: null,
};

export class JobStages {
  private readonly stages = new Map<string, JobStage>();

  /** The engine said the job is in this step; false (and nothing kept) for an event that is not a valid stage. */
  set(id: string, stage: unknown): boolean {
    const parsed = v.safeParse(jobStageSchema, stage);
    if (!parsed.success) return false;
    this.stages.set(id, parsed.output);
    return true;
  }

  clear(id: string): void {
    this.stages.delete(id);
  }

  /** The job as the window sees it: a running job's progress carries its stage. */
  withStage(job: QueueJob): QueueJob {
    const stage = this.stages.get(job.id);
    if (!stage || job.state !== 'running') return job;
    return { ...job, progress: { ...(job.progress ?? NO_PROGRESS), stage } };
  }
}
