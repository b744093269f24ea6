/** What a queue row shows and offers, from a job as main reports it: pure functions, tested without a DOM. */
import type { JobProgress, JobStage, JobState, QueueAction, QueueJob } from '@common/library-schema';
import { formatDateTime, formatRecent } from '@common/format-date';
import { formatTimestamp } from '../transcript/timeline';

export const STATE_LABELS: Record<JobState, string> = {
  queued: 'Queued',
  probing: 'Checking file…',
  running: 'Transcribing',
  paused: 'Paused',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** The queue controls a job in this state accepts (what main's queue allows, in the order the row shows them). */
export function actionsFor(state: JobState): readonly QueueAction[] {
  switch (state) {
    case 'queued':
      return ['pause', 'cancel', 'remove'];
    case 'probing':
    case 'running':
      return ['pause', 'cancel'];
    case 'paused':
      return ['resume', 'cancel', 'remove'];
    case 'failed':
    case 'cancelled':
      return ['retry', 'remove'];
    case 'done':
      return ['remove'];
  }
}

export const ACTION_LABELS: Record<QueueAction, string> = {
  pause: 'Pause',
  resume: 'Resume',
  cancel: 'Cancel',
  retry: 'Retry',
  remove: 'Remove',
};

const FINISHED: readonly JobState[] = ['done', 'failed', 'cancelled'];

/**
 * When the job was added, or when it ended once it has: short in the row ("finished 14:05"), the full date and time in
 * its tooltip and datetime attribute.
 */
export function jobMoment(
  job: Pick<QueueJob, 'state' | 'createdAt' | 'updatedAt'>,
  nowMs: number,
): { text: string; full: string; iso: string } {
  const ended = FINISHED.includes(job.state);
  const at = ended ? job.updatedAt : job.createdAt;
  const verb = ended ? (job.state === 'done' ? 'finished' : job.state) : 'added';
  return {
    text: `${verb} ${formatRecent(at, nowMs)}`,
    full: `${verb[0]!.toUpperCase()}${verb.slice(1)} ${formatDateTime(at)}`,
    iso: new Date(at).toISOString(),
  };
}

/** Jobs still waiting for their turn can change places; a running or finished one stays where it is. */
export function canMove(state: JobState): boolean {
  return state === 'queued' || state === 'paused';
}

/** Whole percent done, by audio time when the duration is known, else by windows; null when nothing is known. */
export function percentDone(job: Pick<QueueJob, 'state' | 'progress'>): number | null {
  if (job.state === 'done') return 100;
  const p = job.progress;
  if (!p) return null;
  let fraction: number | null = null;
  if (p.durationSec !== null && p.durationSec > 0) fraction = p.audioSecDone / p.durationSec;
  else if (p.windowsTotal > 0) fraction = p.windowsDone / p.windowsTotal;
  if (fraction === null || !Number.isFinite(fraction)) return null;
  return Math.max(0, Math.min(100, Math.floor(fraction * 100)));
}

export function formatSpeed(speed: number | null): string | null {
  if (speed === null || !Number.isFinite(speed) || speed <= 0) return null;
  return `${speed.toFixed(1)}× real time`;
}

/** "about 2:05 left"; nothing when unknown or (nearly) finished. */
export function formatEta(etaSec: number | null): string | null {
  if (etaSec === null || !Number.isFinite(etaSec)) return null;
  return etaSec < 1 ? null : `about ${formatTimestamp(Math.ceil(etaSec))} left`;
}

/** Nothing transcribed yet: no window finished, no audio covered. */
const untouched = (p: JobProgress): boolean => p.windowsDone === 0 && p.audioSecDone <= 0;

/**
 * How a row's bar looks: none for a job that is not running and has nothing done (a queued, cancelled or failed
 * file's empty bar looked stuck), moving without a number while the job runs but no window has finished yet (a
 * first 60 s window takes a while on a laptop: a bar parked at 0 % read as frozen), else the percentage.
 */
export function barOf(job: Pick<QueueJob, 'state' | 'progress'>): 'none' | 'unknown' | 'percent' {
  const active = job.state === 'running' || job.state === 'probing';
  if (job.state === 'done') return 'percent';
  const p = job.progress;
  if (active) return p === null || untouched(p) || percentDone(job) === null ? 'unknown' : 'percent';
  return p !== null && !untouched(p) ? 'percent' : 'none';
}

/** A running job before the engine has said which step it is in (the first stage arrives within moments). */
export const STARTING_FACT = 'Starting…';

/**
 * The step a running job is in before its first window is done, with what it knows (the first window of a long
 * meeting can take minutes on a laptop; a row that only said "starting" read as stuck).
 */
export function stageFact(stage: JobStage, durationSec: number | null): string {
  switch (stage.name) {
    case 'loading_model':
      return stage.fraction === null
        ? 'Loading the model…'
        : `Loading the model: ${Math.floor(stage.fraction * 100)} %`;
    case 'reading_audio':
      return 'Opening the recording…';
    case 'finding_speech': {
      const read = formatTimestamp(stage.audioSecRead);
      return durationSec === null
        ? `Finding speech: ${read} read`
        : `Finding speech: ${read} of ${formatTimestamp(durationSec)} read`;
    }
    case 'first_window': {
      const bounds = `(${formatTimestamp(stage.startSec)}–${formatTimestamp(stage.endSec)})`;
      return onlyWindow(stage, durationSec)
        ? `Transcribing ${bounds}…`
        : `Transcribing the first part ${bounds}…`;
    }
  }
}

/**
 * Seconds of audio after a window too short to hold another one: the cutter ends a window where speech ends, so a
 * short file's only window can stop a little before the file does.
 */
const TAIL_SEC = 1;

/**
 * The first window reaches the end of the recording: it is the only one ("the first part (0:00–0:10)" of a 10 s
 * file promised parts that never came). The stage does not say how many windows the cutter will make (it cuts as
 * it reads); a window ending well before a silent tail still reads as the first part.
 */
function onlyWindow(stage: { endSec: number }, durationSec: number | null): boolean {
  return durationSec !== null && stage.endSec >= durationSec - TAIL_SEC;
}

/** The facts under a job's bar: windows, audio time, speed, ETA; what is happening while nothing is done yet. */
export function progressFacts(progress: JobProgress | null, state: JobState): string[] {
  if (progress === null) return state === 'running' ? [STARTING_FACT] : [];
  if (state !== 'done' && untouched(progress)) {
    const length = progress.durationSec === null ? [] : [`${formatTimestamp(progress.durationSec)} of audio`];
    // "0 windows so far · audio 0:00 / 0:05" said nothing of what the job was doing, and looked stuck
    if (state !== 'running') return length;
    const doing = progress.stage ? stageFact(progress.stage, progress.durationSec) : STARTING_FACT;
    // finding speech already names the length
    return progress.stage?.name === 'finding_speech' && progress.durationSec !== null
      ? [doing]
      : [doing, ...length];
  }
  // The engine's total is a low estimate until the end: one that the running job has caught up with says nothing.
  const known = state === 'done' || progress.windowsTotal > progress.windowsDone;
  const facts = [
    known
      ? `windows ${progress.windowsDone}/${progress.windowsTotal}`
      : `${progress.windowsDone} window${progress.windowsDone === 1 ? '' : 's'} so far`,
  ];
  const total = progress.durationSec === null ? '?' : formatTimestamp(progress.durationSec);
  facts.push(`audio ${formatTimestamp(progress.audioSecDone)} / ${total}`);
  const speed = formatSpeed(progress.speed);
  if (speed) facts.push(speed);
  if (state === 'running') {
    const eta = formatEta(progress.etaSec);
    if (eta) facts.push(eta);
  }
  return facts;
}

function sameProgress(a: JobProgress | null, b: JobProgress | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.windowsDone === b.windowsDone &&
    a.windowsTotal === b.windowsTotal &&
    a.audioSecDone === b.audioSecDone &&
    a.durationSec === b.durationSec &&
    a.speed === b.speed &&
    a.etaSec === b.etaSec &&
    JSON.stringify(a.stage) === JSON.stringify(b.stage)
  );
}

/** Whether a new snapshot's job shows the same as the old one (then the old object is kept, and its row skipped). */
export function sameJob(a: QueueJob, b: QueueJob): boolean {
  return (
    a.id === b.id &&
    a.state === b.state &&
    a.position === b.position &&
    a.displayName === b.displayName &&
    a.sizeBytes === b.sizeBytes &&
    a.transcriptId === b.transcriptId &&
    a.createdAt === b.createdAt &&
    // a finished row shows when it ended; a waiting or running one only when it was added
    (!FINISHED.includes(b.state) || a.updatedAt === b.updatedAt) &&
    a.error?.code === b.error?.code &&
    a.error?.message === b.error?.message &&
    a.error?.hint === b.error?.hint &&
    sameProgress(a.progress, b.progress)
  );
}

/**
 * What the setup screen says above the queue while no model is set up: how many dropped files are waiting for one
 * (queued, paused or still being checked), or null when none is.
 */
export function waitingForModel(jobs: readonly Pick<QueueJob, 'state'>[]): string | null {
  const waiting = jobs.filter((j) => j.state === 'queued' || j.state === 'paused' || j.state === 'probing');
  if (waiting.length === 0) return null;
  return waiting.length === 1
    ? '1 file is waiting: it is transcribed as soon as a model is set up.'
    : `${waiting.length} files are waiting: they are transcribed as soon as a model is set up.`;
}

/**
 * Main queues a file only once while its job waits or runs: when fewer jobs came back than files were added, says so
 * (a second drop of the same recording otherwise seemed to do nothing). Null when every file was queued.
 */
/** Names the dropped or picked files that could not be added and why ("standup.mp3 was not added: moved or …"). */
export function notAddedText(skipped: readonly { name: string; reason: string }[]): string | null {
  if (skipped.length === 0) return null;
  if (skipped.length === 1) return `${skipped[0]!.name} was not added: ${skipped[0]!.reason}.`;
  const more = skipped.length > 3 ? ` and ${skipped.length - 3} more` : '';
  const reasons = new Set(skipped.map((s) => s.reason));
  // different reasons (a file gone, a folder too big to read to the end): each name with its own
  if (reasons.size > 1) {
    const each = skipped.slice(0, 3).map((s) => `${s.name} (${s.reason})`);
    return `${skipped.length} were not added: ${each.join('; ')}${more}.`;
  }
  const names = skipped.slice(0, 3).map((s) => s.name);
  return `${skipped.length} files were not added (${names.join(', ')}${more}): moved, deleted or unreadable.`;
}

export function notQueuedAgain(files: readonly { name: string }[], added: number): string | null {
  const skipped = files.length - added;
  if (skipped <= 0) return null;
  if (files.length === 1) return `${files[0]!.name} is already in the queue.`;
  return skipped === 1
    ? '1 of these files is already in the queue and was not added again.'
    : `${skipped} of these files are already in the queue and were not added again.`;
}
