import { memo, useLayoutEffect, useRef } from 'react';
import type { QueueAction, QueueJob } from '@common/library-schema';
import { formatTimestamp } from '../transcript/timeline';
import { formatBytes } from './format';
import {
  ACTION_LABELS,
  STATE_LABELS,
  actionsFor,
  barOf,
  canMove,
  jobMoment,
  percentDone,
  progressFacts,
  stageFact,
} from './job-view';
import { useNow } from '../../ui/use-now';
import { useQueueStore } from './store';

interface JobRowProps {
  job: QueueJob;
  /** Place in the list and its length: the move buttons at either end do nothing. */
  index: number;
  count: number;
  onOpenTranscript: (transcriptId: string) => void;
}

/** After a row disappears its buttons go with it: focus lands on the queue's heading rather than on nothing. */
function focusQueueHeading() {
  document.getElementById('queue-heading')?.focus();
}

/** One job: name, size, state, progress and the controls its state accepts. */
export const JobRow = memo(function JobRow({ job, index, count, onOpenTranscript }: JobRowProps) {
  const { control, move } = useQueueStore.getState();
  // a re-transcription is named after what it rewrites: "Re-transcribe 3:12–4:05 of Weekly sync"
  const name =
    job.kind === 'retranscribe' && job.range
      ? `Re-transcribe ${formatTimestamp(job.range.startSec)}–${formatTimestamp(job.range.endSec)} of ${job.displayName}`
      : job.displayName;
  const pct = percentDone(job);
  const facts = progressFacts(job.progress, job.state);
  const bar = barOf(job);
  // a bar without a number says the step the job is in, as the facts under it do
  const stage = job.state === 'running' ? job.progress?.stage : undefined;
  const step = stage ? stageFact(stage, job.progress?.durationSec ?? null) : undefined;
  const now = useNow();
  const moment = jobMoment(job, now);

  // Pause, cancel, retry and resume replace the pressed button with the ones the new state offers: focus would drop
  // to the page's body, and a keyboard user would start again from the top of the window. It goes to the row's
  // first control instead (Resume after Pause, Retry after Cancel, Pause after Retry), once the new state is shown.
  const actions = useRef<HTMLDivElement>(null);
  const refocus = useRef(false);
  const shown = useRef(job.state);
  const focusFirstControl = () => {
    const group = actions.current;
    if (group && !group.contains(document.activeElement)) group.querySelector('button')?.focus();
  };
  useLayoutEffect(() => {
    shown.current = job.state;
    if (!refocus.current) return;
    refocus.current = false;
    focusFirstControl();
  }, [job.state]);

  const act = async (action: QueueAction) => {
    const hadFocus = actions.current?.contains(document.activeElement) ?? false;
    const before = job.state;
    await control(job.id, action);
    if (action === 'remove') focusQueueHeading();
    else if (!hadFocus) return;
    // the new state is on screen already, or comes with a later snapshot: focus follows it either way
    else if (shown.current !== before) focusFirstControl();
    else refocus.current = true;
  };
  // aria-disabled rather than disabled: the button keeps focus when a move takes it to the end of the list
  const moveButton = (dir: -1 | 1) => {
    const blocked = dir === -1 ? index === 0 : index === count - 1;
    return (
      <button
        type="button"
        className="button button--quiet job__move"
        aria-label={`Move ${name} ${dir === -1 ? 'up' : 'down'}`}
        aria-disabled={blocked}
        title={dir === -1 ? 'Move up' : 'Move down'}
        onClick={() => {
          if (!blocked) void move(job.id, job.position + dir);
        }}
      >
        {dir === -1 ? '↑' : '↓'}
      </button>
    );
  };

  return (
    <li className={`job job--${job.state}`} aria-label={name}>
      <div className="job__head">
        <span className="job__name" title={name}>
          {name}
        </span>
        {job.sizeBytes !== null && <span className="job__size">{formatBytes(job.sizeBytes)}</span>}
        <span className={`job__state job__state--${job.state}`}>{STATE_LABELS[job.state]}</span>
        <time className="job__time" dateTime={moment.iso} title={moment.full}>
          {moment.text}
        </time>
      </div>
      {bar !== 'none' && (
        <div
          className={`job__progress${bar === 'unknown' ? ' job__progress--unknown' : ''}`}
          role="progressbar"
          aria-label={`Progress of ${name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={bar === 'unknown' ? undefined : (pct ?? 0)}
          aria-valuetext={bar === 'unknown' ? (step ?? 'Starting') : `${pct ?? 0}%`}
        >
          <div className="job__bar" style={{ width: bar === 'unknown' ? undefined : `${pct ?? 0}%` }} />
        </div>
      )}
      {facts.length > 0 && <p className="job__facts">{facts.join(' · ')}</p>}
      {job.error && job.state === 'failed' && (
        <p className="job__error">
          <span className="job__error-message">{job.error.message}</span>
          {job.error.hint && <span className="job__error-hint"> {job.error.hint}</span>}
        </p>
      )}
      <div className="job__actions" role="group" aria-label={`Actions for ${name}`} ref={actions}>
        {job.state === 'done' && job.transcriptId && (
          <button
            type="button"
            className="button button--primary"
            aria-label={`Open transcript of ${name}`}
            onClick={() => job.transcriptId && onOpenTranscript(job.transcriptId)}
          >
            Open transcript
          </button>
        )}
        {actionsFor(job.state).map((a) => (
          <button
            key={a}
            type="button"
            className="button"
            aria-label={`${ACTION_LABELS[a]} ${name}`}
            onClick={() => void act(a)}
          >
            {ACTION_LABELS[a]}
          </button>
        ))}
        {canMove(job.state) && count > 1 && (
          <>
            {moveButton(-1)}
            {moveButton(1)}
          </>
        )}
      </div>
    </li>
  );
});
