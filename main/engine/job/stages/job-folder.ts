/**
 * The checkpoints stage, on the way in: decides what an existing job folder means for this run (continue it, return
 * its finished transcript, replace it, or refuse) and, when continuing, hands out the saved windows as the replayed
 * front end reaches them, each checked against its saved bounds.
 */
import {
  CheckpointStore,
  type EndRecord,
  type EngineIdentity,
  type InputIdentity,
  type JobManifest,
  type WindowRecord,
} from '../../checkpoints/store';
import { savedTokenPrefixes } from '../../checkpoints/partial-tokens';
import type { CutWindow } from '../../scheduler/cutter';
import { sameInput } from '../input-identity';
import { mismatchError, START_OVER_HINT } from './errors';
import { describeChanges, settingChanges } from './settings';

export type ExistingJobPolicy = 'resume' | 'restart' | 'refuse';

export type OpenedJob =
  /** The folder holds this job, finished: its transcript is returned as saved, nothing is redone or rewritten. */
  | { kind: 'finished'; manifest: JobManifest; records: WindowRecord[]; end: EndRecord }
  /** Work to do: a new job, or the saved one continued (`restored` holds its finished windows). */
  | {
      kind: 'open';
      store: CheckpointStore;
      manifest: JobManifest;
      restored: RestoredWindows;
      /** Tokens of windows that were decoding when the job stopped (resumed from there). */
      savedTokens: Map<string, number[]>;
    };

export interface OpenJobRequest {
  jobDir: string;
  existing: ExistingJobPolicy;
  input: InputIdentity;
  settings: Record<string, unknown>;
  engine: EngineIdentity;
  onWarning(code: string, message: string): void;
}

/** Why the saved job is not this one (null when it is). */
function differs(previous: JobManifest, req: OpenJobRequest): Error | null {
  if (!sameInput(previous.input, req.input)) {
    return mismatchError(
      'other_input',
      `The saved job in ${req.jobDir} was made for a different recording (${previous.input.path}).`,
      START_OVER_HINT,
    );
  }
  const changes = settingChanges(previous, req);
  if (changes.length > 0) {
    return mismatchError(
      'settings_changed',
      `The saved job in ${req.jobDir} was made with other settings: ${describeChanges(changes)}.`,
      `Resume it with the settings it was started with (${changes.map((c) => `${c.label} ${c.before}`).join(', ')}), or start it over.`,
    );
  }
  return null;
}

export async function openJob(req: OpenJobRequest): Promise<OpenedJob> {
  const previous = req.existing === 'restart' ? null : await CheckpointStore.readManifest(req.jobDir);
  if (previous) {
    const log = await CheckpointStore.peek(req.jobDir);
    const end = log.records.find((r): r is EndRecord => r.type === 'end');
    const windows = log.records.filter((r): r is WindowRecord => r.type === 'window');
    const mismatch = differs(previous, req);
    // An empty unfinished job holds nothing worth protecting: it is simply replaced.
    const worthKeeping =
      end !== undefined || windows.length > 0 || log.records.some((r) => r.type === 'tokens');
    if (mismatch && (req.existing === 'resume' || worthKeeping)) throw mismatch;
    if (!mismatch && end) {
      return {
        kind: 'finished',
        manifest: previous,
        records: windows.sort((a, b) => a.index - b.index),
        end,
      };
    }
    if (!mismatch && req.existing === 'refuse' && worthKeeping) {
      throw mismatchError(
        'unfinished',
        `An unfinished job for this recording is saved in ${req.jobDir} (${windows.length} window(s) done).`,
        'Resume the job to continue it, or start it over to discard its saved progress.',
      );
    }
    if (!mismatch && req.existing === 'resume') {
      const opened = await CheckpointStore.open(req.jobDir, previous);
      if (opened.log.droppedTail) {
        req.onWarning(
          'CHECKPOINT_CORRUPT',
          'The last saved record was incomplete (interrupted write): that part will be redone.',
        );
      }
      const saved = opened.log.records.filter((r): r is WindowRecord => r.type === 'window');
      return {
        kind: 'open',
        store: opened.store,
        manifest: previous,
        restored: new RestoredWindows(saved),
        savedTokens: savedTokenPrefixes(opened.log.records),
      };
    }
  }
  const manifest: JobManifest = {
    version: 1,
    createdAt: new Date().toISOString(),
    input: req.input,
    settings: req.settings,
    engine: req.engine,
  };
  const store = await CheckpointStore.create(req.jobDir, manifest);
  return { kind: 'open', store, manifest, restored: new RestoredWindows([]), savedTokens: new Map() };
}

/** The saved windows of a resumed job, handed out as the replayed cutter decides the same windows again. */
export class RestoredWindows {
  private readonly byId = new Map<string, WindowRecord>();
  /** Windows per transcriber call in the run that saved them (kept on resume: same neighbours, same rounding). */
  readonly batch: number | undefined;

  constructor(records: readonly WindowRecord[]) {
    for (const r of records) this.byId.set(r.windowId, r);
    this.batch = records.find((r) => r.batch !== undefined)?.batch;
  }

  get size(): number {
    return this.byId.size;
  }

  /** The saved record for this window, or null when it still has to be transcribed. */
  take(w: CutWindow): WindowRecord | null {
    const saved = this.byId.get(w.id);
    if (!saved) return null;
    if (
      saved.startSample !== w.startSample ||
      saved.endSample !== w.endSample ||
      saved.hardEnd !== w.hardEnd
    ) {
      throw mismatchError(
        'decodes_differently',
        `Window ${w.id} no longer matches the saved job: the audio decodes differently than when it was saved.`,
        START_OVER_HINT,
      );
    }
    this.byId.delete(w.id);
    return saved;
  }

  /** After the whole audio: every saved window must have been found again. */
  checkAllFound(): void {
    if (this.byId.size > 0) {
      throw mismatchError(
        'decodes_differently',
        `${this.byId.size} saved window(s) were not found again in the audio.`,
        START_OVER_HINT,
      );
    }
  }
}
