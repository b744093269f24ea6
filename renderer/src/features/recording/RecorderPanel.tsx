import { useEffect } from 'react';
import type { JobWindowEvent } from '@common/library-schema';
import { useAppStore } from '../../shell/app-store';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { useLiveTextStore } from '../queue/live-store';
import { formatTimestamp } from '../transcript/timeline';
import { formatElapsed, formatTimeLeft, levelPercent, liveBehindText, liveLagSec } from './format';
import { isCapturing, useRecordingStore } from './store';
import './recording.css';
import { BusyButton } from '../../ui/BusyButton';
import { useFollowEnd } from '../../ui/follow-end';

const NO_WINDOWS: readonly JobWindowEvent[] = [];

function LevelMeter({ peaks, names }: { peaks: number[]; names: string[] }) {
  return (
    <div className="meter" aria-hidden="true">
      {names.map((name, i) => (
        <div key={name} className="meter__row">
          <span className="meter__label">{name}</span>
          <span className="meter__track">
            <span className="meter__fill" style={{ width: `${levelPercent(peaks[i] ?? 0)}%` }} />
          </span>
        </div>
      ))}
    </div>
  );
}

function SystemAudioPicker({ disabled }: { disabled: boolean }) {
  const caps = useRecordingStore((s) => s.caps);
  const monitors = useRecordingStore((s) => s.monitors);
  const system = useRecordingStore((s) => s.system);
  const choose = useRecordingStore((s) => s.chooseSystem);
  if (!caps) return null;
  const unavailable =
    caps.systemAudio === 'unavailable' || (caps.systemAudio === 'monitor' && monitors.length === 0);
  return (
    <div className="recorder__field">
      <label htmlFor="system-audio">System audio (the other side of a call)</label>
      <select
        id="system-audio"
        value={system}
        disabled={disabled || unavailable}
        onChange={(e) => choose(e.target.value)}
      >
        <option value="none">Not recorded</option>
        {caps.systemAudio === 'loopback' && <option value="loopback">Computer sound (loopback)</option>}
        {caps.systemAudio === 'monitor' &&
          monitors.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
      </select>
      <p className="recorder__hint">
        {caps.systemAudio === 'monitor' && monitors.length === 0
          ? 'No PulseAudio/PipeWire monitor input was found: only the microphone can be recorded.'
          : caps.systemAudioNote}
      </p>
    </div>
  );
}

function StatusLine({ lagSec }: { lagSec: number }) {
  const status = useRecordingStore((s) => s.status);
  const openTranscript = useAppStore((s) => s.openTranscript);
  if (status.phase === 'finishing')
    return (
      <p className="recorder__state" role="status">
        Recording saved. {status.live === 'catching_up' ? liveBehindText('finishing', lagSec) : 'Finishing…'}
      </p>
    );
  if (status.phase === 'saved' && status.transcriptId)
    return (
      <p className="recorder__state" role="status">
        “{status.title}” is in the library.{' '}
        <button type="button" className="recorder__link" onClick={() => openTranscript(status.transcriptId!)}>
          Open transcript
        </button>
      </p>
    );
  if (status.phase === 'queued')
    return (
      <p className="recorder__state" role="status">
        “{status.title}” is saved and waits in the transcription queue.
      </p>
    );
  return null;
}

/** The Record view: inputs, the big button, the recording indicator, level, time, and the text as it comes. */
export function RecorderPanel() {
  const s = useRecordingStore();
  const windows = useLiveTextStore((st) =>
    s.status.id ? (st.byJob[s.status.id] ?? NO_WINDOWS) : NO_WINDOWS,
  );
  const [liveRef, onLiveScroll] = useFollowEnd<HTMLOListElement>(windows);
  const capturing = isCapturing(s.status.phase);
  const recording = s.status.phase === 'recording';

  useEffect(() => {
    void useRecordingStore.getState().refreshDevices();
  }, []);

  const names = s.status.channels === 2 && capturing ? ['Mic', 'System'] : ['Mic'];
  const lagSec = liveLagSec(s.status.elapsedSec, s.status.liveAudioSec, windows);
  // A note from main (live text waits for the previous recording, or is off) explains the lag better than 'this
  // computer is slow' would.
  const behind =
    capturing && s.status.live === 'on' && !s.status.liveNote
      ? liveBehindText(s.status.phase === 'paused' ? 'paused' : 'recording', lagSec)
      : null;
  return (
    <section className="panel recorder" aria-labelledby="record-heading">
      <div className="panel__header">
        <h1 id="record-heading">Record</h1>
        {capturing && (
          <p className={`rec-indicator${recording ? '' : ' rec-indicator--paused'}`} role="status">
            <span className="rec-indicator__dot" aria-hidden="true" />
            {recording ? 'Recording' : 'Paused'}
            <span className="rec-indicator__time">{formatElapsed(s.status.elapsedSec)}</span>
          </p>
        )}
      </div>
      {s.error && <ErrorNotice error={s.error} onDismiss={s.dismissError} />}
      {s.status.error && !capturing && (
        <div role="alert" className="notice notice--error">
          <p className="notice__title">{s.status.error.message}</p>
          {s.status.error.hint && <p>{s.status.error.hint}</p>}
        </div>
      )}

      <div className="recorder__inputs">
        <div className="recorder__field">
          <label htmlFor="mic">Microphone</label>
          <select
            id="mic"
            value={s.micId ?? ''}
            disabled={capturing || s.busy}
            onChange={(e) => s.chooseMic(e.target.value || null)}
          >
            <option value="">System default</option>
            {s.mics.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
          {s.micMissing && (
            <p className="recorder__hint">Your usual microphone is not connected: the default one is used.</p>
          )}
        </div>
        <SystemAudioPicker disabled={capturing || s.busy} />
      </div>

      <div className="recorder__controls">
        <BusyButton
          className={`button record-button${capturing ? ' record-button--stop' : ''}`}
          onClick={() => void (capturing ? s.stop() : s.start())}
          busy={s.busy}
        >
          {capturing ? 'Stop recording' : 'Start recording'}
        </BusyButton>
        {capturing && (
          <button type="button" className="button" onClick={() => void (recording ? s.pause() : s.resume())}>
            {recording ? 'Pause' : 'Resume'}
          </button>
        )}
        <span className="recorder__time" aria-label="Elapsed time">
          {formatElapsed(capturing ? s.status.elapsedSec : 0)}
        </span>
        {capturing && <LevelMeter peaks={s.level} names={names} />}
        {s.caps?.shortcut && (
          <span className="recorder__shortcut">Start/stop from anywhere: {s.caps.shortcut}</span>
        )}
      </div>
      {s.status.phase === 'finishing' && s.status.live === 'catching_up' && (
        // starting is allowed (a meeting cannot wait), but its live text cannot run beside this catch-up
        <p className="recorder__hint" data-testid="start-waits">
          You can start a new recording now: it is recorded in full, and its live text starts once this one is
          transcribed.
        </p>
      )}

      {capturing && s.status.disk.level !== 'ok' && (
        <p role="alert" className="notice notice--warning">
          Disk space is low: {formatTimeLeft(s.status.disk.secondsLeft)} of recording left. The recording
          stops by itself before the disk is full, and keeps everything.
        </p>
      )}
      {capturing && s.status.liveNote && <p className="recorder__hint">{s.status.liveNote}</p>}
      {behind && (
        // a note, not a live region: its figure changes every few seconds and would be read out each time
        <p className="notice recorder__behind" role="note" data-testid="live-behind">
          {behind}
        </p>
      )}
      <StatusLine lagSec={lagSec} />

      <section className="recorder__live" aria-labelledby="rec-live-heading">
        <h2 id="rec-live-heading">Live text</h2>
        {windows.length === 0 ? (
          <p className="recorder__hint">
            {capturing
              ? s.status.liveNote
                ? 'No live text for now: see the note above.'
                : 'Text appears here a few seconds after it is said.'
              : s.status.phase === 'finishing'
                ? 'The text appears here as the rest of the recording is transcribed.'
                : 'Start a recording to see its text here.'}
          </p>
        ) : (
          <ol className="recorder__windows" aria-live="polite" ref={liveRef} onScroll={onLiveScroll}>
            {windows.map((w) => (
              <li key={w.windowId} className="recorder__window">
                <span className="recorder__wtime">{formatTimestamp(w.startSec)}</span>
                <span>{w.text || '…'}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </section>
  );
}
