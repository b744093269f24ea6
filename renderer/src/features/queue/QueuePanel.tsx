import { useCallback, type ReactNode } from 'react';
import type { QueueStatus } from '@common/library-schema';
import { useAppStore } from '../../shell/app-store';
import { BusyButton } from '../../ui/BusyButton';
import { DismissButton } from '../../ui/DismissButton';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { JobRow } from './JobRow';
import { LiveText } from './LiveText';
import { useQueueStore } from './store';
import './queue.css';

/** Why jobs cannot run, and what to do: the empty state for a missing model, an alert for a failed engine. */
function QueueStatusNotice({ status }: { status: QueueStatus }) {
  if (status.ready) return null;
  if (status.reason === 'no_model') {
    return (
      <section className="empty-state" aria-labelledby="no-model-heading">
        <h2 id="no-model-heading" className="empty-state__title">
          No transcription model yet
        </h2>
        <p>{status.message ?? 'RotorScribe needs a Voxtral model file before it can transcribe.'}</p>
        {status.hint && <p className="empty-state__hint">{status.hint}</p>}
        <p className="empty-state__note">Files you add stay queued and start once a model is set up.</p>
      </section>
    );
  }
  return (
    <div role="alert" className="notice notice--error">
      <p className="notice__title">{status.message ?? 'The transcription engine is not working.'}</p>
      {status.hint && <p>{status.hint}</p>}
    </div>
  );
}

/**
 * The queue's heading and rows (or, when empty, what the queue is for). The heading takes focus when a removed row
 * takes the focused button with it. Shown by the Transcribe view and, while no model is set up, by the setup screen.
 */
export function QueueList({ heading, intro }: { heading: string; intro?: ReactNode }) {
  const jobs = useQueueStore((s) => s.jobs);
  const openTranscript = useAppStore((s) => s.openTranscript);
  const onOpen = useCallback((id: string) => openTranscript(id), [openTranscript]);
  return (
    <>
      <h2 id="queue-heading" className="section-title" tabIndex={-1}>
        {heading}
      </h2>
      {intro}
      {jobs.length === 0 ? (
        <p className="empty">Nothing queued. Files you add wait here until they are transcribed.</p>
      ) : (
        <ol className="queue" aria-label="Queued files">
          {jobs.map((job, i) => (
            <JobRow key={job.id} job={job} index={i} count={jobs.length} onOpenTranscript={onOpen} />
          ))}
        </ol>
      )}
    </>
  );
}

/** What the last add did that the rows do not show; a polite status, so a drop that added nothing is heard. */
export function AddNotice() {
  const notice = useQueueStore((s) => s.notice);
  const { dismissNotice } = useQueueStore.getState();
  if (!notice) return null;
  return (
    <p role="status" className="notice queue__notice">
      {notice}
      <DismissButton onClick={dismissNotice} label="Dismiss message" />
    </p>
  );
}

/** The Transcribe view: add files (buttons, or a drop anywhere on the window), the queue and the live text. */
export function QueuePanel() {
  const jobs = useQueueStore((s) => s.jobs);
  const status = useQueueStore((s) => s.status);
  const busy = useQueueStore((s) => s.busy);
  const error = useQueueStore((s) => s.error);
  const dragging = useQueueStore((s) => s.dragging);
  const { chooseFiles, chooseFolder, dismissError } = useQueueStore.getState();

  return (
    <section className="panel" aria-labelledby="transcribe-heading">
      <div className="panel__header">
        <h1 id="transcribe-heading">Transcribe</h1>
        <div className="panel__actions">
          <BusyButton className="button" busy={busy} onClick={() => void chooseFolder()}>
            Add folder…
          </BusyButton>
          <BusyButton className="button button--primary" busy={busy} onClick={() => void chooseFiles()}>
            Add files…
          </BusyButton>
        </div>
      </div>
      {status && <QueueStatusNotice status={status} />}
      {status?.ready && status.engine && <p className="queue__engine">Runs on {status.engine}</p>}
      <div
        className={`dropzone${dragging ? ' dropzone--over' : ''}${jobs.length > 0 ? ' dropzone--compact' : ''}`}
        data-testid="dropzone"
      >
        <svg className="dropzone__icon" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 3v12m0 0-4-4m4 4 4-4M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" />
        </svg>
        <p className="dropzone__title">
          {dragging ? 'Drop to transcribe' : 'Drop recordings or folders here'}
        </p>
        <p className="dropzone__hint">
          Anywhere on the window. Audio or video files — WAV, MP3, M4A, FLAC, OGG, MP4, MKV…
        </p>
      </div>
      {error && <ErrorNotice error={error} onDismiss={dismissError} />}
      <AddNotice />
      <QueueList heading="Queue" />
      <LiveText />
    </section>
  );
}
