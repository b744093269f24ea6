import { useEffect } from 'react';
import { formatBytes } from '@common/format-bytes';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { useSetupStore } from './store';
import './setup.css';

/**
 * Settings → Models: which model transcribes, the downloaded ones (use, show in folder, delete), more to download and
 * import. The first-run screen covers the case with no usable model; this is the same store after that.
 */
export function ModelsSection() {
  const models = useSetupStore((s) => s.models);
  const busy = useSetupStore((s) => s.busy);
  const error = useSetupStore((s) => s.error);
  const { use, remove, reveal, download, importFiles, dismissError } = useSetupStore.getState();

  useEffect(() => {
    const off = useSetupStore.getState().listen();
    void useSetupStore.getState().load();
    return off;
  }, []);

  if (!models) return null;
  const job = models.download;
  const running = job !== null && ['resolving', 'downloading', 'verifying'].includes(job.state);
  return (
    <section className="setup-models" aria-labelledby="models-heading">
      <h2 id="models-heading" className="section-title">
        Models
      </h2>
      <p>
        Transcribing with <strong>{models.active.name ?? 'no model'}</strong>
        {models.active.source === 'env' ? ' (set by the environment)' : ''}.
      </p>
      {error && <ErrorNotice error={error} onDismiss={dismissError} />}
      <ul className="setup-models__list" aria-label="Available models">
        {models.variants.map((v) => {
          const inUse = models.active.id === v.id;
          return (
            <li key={v.id} className="setup-models__row" aria-label={v.label}>
              <span className="setup-models__name">
                {v.label}
                {inUse && <span className="setup__badge">In use</span>}
              </span>
              <span className="setup-models__size">
                {v.installed ? 'downloaded' : `about ${formatBytes(v.approxBytes)}`}
              </span>
              <span className="setup-models__actions">
                {v.installed ? (
                  <>
                    {!inUse && (
                      <button type="button" className="button" disabled={busy} onClick={() => void use(v.id)}>
                        Use
                      </button>
                    )}
                    <button type="button" className="button button--quiet" onClick={() => void reveal(v.id)}>
                      Show in folder
                    </button>
                    {!inUse && (
                      <button
                        type="button"
                        className="button button--quiet"
                        disabled={busy}
                        onClick={() => void remove(v.id)}
                      >
                        Delete
                      </button>
                    )}
                  </>
                ) : (
                  <button
                    type="button"
                    className="button"
                    disabled={busy || running}
                    onClick={() => void download(v.id)}
                  >
                    {job?.id === v.id && job.state === 'paused' ? 'Resume download' : 'Download'}
                  </button>
                )}
              </span>
            </li>
          );
        })}
      </ul>
      {job && running && (
        <p className="setup-models__progress" aria-live="polite">
          Downloading {models.variants.find((v) => v.id === job.id)?.label}:{' '}
          {job.bytesTotal > 0 ? `${Math.floor((job.bytesDone / job.bytesTotal) * 100)} %` : 'starting'}
        </p>
      )}
      <button type="button" className="button" disabled={busy} onClick={() => void importFiles()}>
        Import model files…
      </button>
    </section>
  );
}
