import { useEffect, useState, type DragEvent } from 'react';
import { formatBytes } from './format';
import { useQueueStore } from './store';

/** The main area: drop zone plus the files queued for transcription (the transcript view will sit beside it). */
export function QueuePanel() {
  const { files, busy, error, chooseFiles, dropFiles, remove, listen } = useQueueStore();
  const [over, setOver] = useState(false);
  useEffect(() => listen(), [listen]);

  const onDragOver = (e: DragEvent<HTMLElement>) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };
  const onDrop = (e: DragEvent<HTMLElement>) => {
    e.preventDefault();
    setOver(false);
    const dropped = [...e.dataTransfer.files];
    if (dropped.length) void dropFiles(dropped);
  };

  return (
    <section className="panel" aria-labelledby="queue-heading">
      <div className="panel__header">
        <h1 id="queue-heading">Transcribe</h1>
        <button
          type="button"
          className="button button--primary"
          onClick={() => void chooseFiles()}
          disabled={busy}
        >
          Add files…
        </button>
      </div>
      <div
        className={`dropzone${over ? ' dropzone--over' : ''}`}
        data-testid="dropzone"
        onDragOver={onDragOver}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <svg className="dropzone__icon" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 3v12m0 0-4-4m4 4 4-4M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" />
        </svg>
        <p className="dropzone__title">Drop recordings here</p>
        <p className="dropzone__hint">Audio or video files — WAV, MP3, M4A, FLAC, OGG, MP4, MKV…</p>
      </div>
      {error && (
        <p role="alert" className="notice notice--error">
          {error.message}
          {error.hint ? ` ${error.hint}` : ''}
        </p>
      )}
      <h2 className="section-title">Queue</h2>
      {files.length === 0 ? (
        <p className="empty">Nothing queued. Files you add wait here until they are transcribed.</p>
      ) : (
        <ul className="queue" aria-label="Queued files">
          {files.map((f) => (
            <li key={f.token} className="queue__item">
              <span className="queue__name">{f.name}</span>
              <span className="queue__size">{formatBytes(f.sizeBytes)}</span>
              <button
                type="button"
                className="button button--quiet"
                onClick={() => remove(f.token)}
                aria-label={`Remove ${f.name}`}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
