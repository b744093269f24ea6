import { useEffect, type ReactNode } from 'react';
import { formatBytes } from '@common/format-bytes';
import type { DownloadView, ModelsState, ModelVariant } from '@common/models-schema';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { downloadLine, percentOf } from './format';
import { useSetupStore } from './store';
import './setup.css';
import { BusyButton } from '../../ui/BusyButton';

const RUNNING = new Set<DownloadView['state']>(['resolving', 'downloading', 'verifying']);

function Choice({
  variant,
  checked,
  recommended,
  exactBytes,
  disabled,
}: {
  variant: ModelVariant;
  checked: boolean;
  recommended: boolean;
  exactBytes: number | undefined;
  disabled: boolean;
}) {
  const { select } = useSetupStore.getState();
  const size =
    exactBytes !== undefined ? formatBytes(exactBytes) : `about ${formatBytes(variant.approxBytes)}`;
  return (
    <label className={`setup__choice${checked ? ' setup__choice--checked' : ''}`}>
      <input
        type="radio"
        name="model-variant"
        value={variant.id}
        checked={checked}
        disabled={disabled}
        onChange={() => select(variant.id)}
      />
      <span className="setup__choice-main">
        <span className="setup__choice-label">
          {variant.label}
          {recommended && <span className="setup__badge">Recommended</span>}
          {variant.installed && <span className="setup__badge setup__badge--ok">Downloaded</span>}
        </span>
        <span className="setup__choice-note">
          {variant.note} Published by {variant.publisher}.
        </span>
      </span>
      <span className="setup__choice-size">{size}</span>
    </label>
  );
}

function DownloadProgress({ download, label }: { download: DownloadView; label: string }) {
  const { control } = useSetupStore.getState();
  const busy = useSetupStore((s) => s.busy);
  const pct = percentOf(download);
  return (
    <section className="setup__progress" aria-labelledby="setup-progress-heading">
      <h2 id="setup-progress-heading" className="setup__progress-title">
        {download.state === 'paused' ? 'Download paused' : `Downloading ${label}`}
      </h2>
      <div
        className="setup__bar"
        role="progressbar"
        aria-label={`Downloading ${label}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`${pct} %, ${downloadLine(download)}`}
      >
        <div className="setup__bar-fill" style={{ width: `${pct}%` }} />
      </div>
      <p className="setup__progress-line" aria-live="polite">
        {pct} % · {downloadLine(download)}
      </p>
      <div className="setup__actions">
        {download.state === 'paused' ? (
          <button
            type="button"
            className="button button--primary"
            disabled={busy}
            onClick={() => void control('resume')}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            className="button"
            disabled={busy || download.state === 'verifying'}
            onClick={() => void control('pause')}
          >
            Pause
          </button>
        )}
        <button
          type="button"
          className="button button--quiet"
          disabled={busy}
          onClick={() => void control('cancel')}
        >
          Cancel download
        </button>
      </div>
      <p className="setup__note">
        You can quit RotorScribe: the download continues from where it stopped the next time.
      </p>
    </section>
  );
}

function ProblemNotice({ models }: { models: ModelsState }) {
  const { download } = useSetupStore.getState();
  const problem = models.active.problem;
  if (!problem) return null;
  const id = models.active.id;
  return (
    <div role="alert" className="notice notice--error setup__problem">
      <p className="notice__title">{problem.message}</p>
      {problem.hint && <p>{problem.hint}</p>}
      {id && (
        <button type="button" className="button button--primary" onClick={() => void download(id)}>
          Download again
        </button>
      )}
    </div>
  );
}

/**
 * The first-run screen (and what the Transcribe view shows while no usable model is set up): the catalog with the
 * advisor's pick pre-selected and its reason, one download with one progress, import of files already on disk.
 * `children` (the files waiting for a model) come right under the introduction, where a drop is seen.
 */
export function SetupScreen({ children }: { children?: ReactNode }) {
  const models = useSetupStore((s) => s.models);
  const selected = useSetupStore((s) => s.selected);
  const sizes = useSetupStore((s) => s.sizes);
  const busy = useSetupStore((s) => s.busy);
  const error = useSetupStore((s) => s.error);
  const { download, use, importFiles, dismissError, load } = useSetupStore.getState();

  useEffect(() => {
    if (!useSetupStore.getState().models) void load();
  }, [load]);

  if (!models) return null;
  const job = models.download;
  const running = job !== null && (RUNNING.has(job.state) || job.state === 'paused');
  const chosen = models.variants.find((v) => v.id === selected) ?? null;
  const jobLabel = models.variants.find((v) => v.id === job?.id)?.label ?? 'the model';
  const exact = chosen ? sizes[chosen.id] : undefined;

  return (
    <section className="panel setup" aria-labelledby="setup-heading">
      <div className="panel__header">
        <h1 id="setup-heading">Set up transcription</h1>
      </div>
      <p className="setup__intro">
        RotorScribe transcribes on this computer with Mistral&apos;s Voxtral Mini model. Choose a version to
        download once; after that, nothing you record or transcribe leaves this computer.
      </p>
      {children}
      <ProblemNotice models={models} />
      {job && running && <DownloadProgress download={job} label={jobLabel} />}
      <fieldset className="setup__choices" disabled={running}>
        <legend className="section-title">Model</legend>
        {models.variants.map((v) => (
          <Choice
            key={v.id}
            variant={v}
            checked={v.id === selected}
            recommended={v.id === models.recommended?.id}
            exactBytes={sizes[v.id]}
            disabled={running}
          />
        ))}
      </fieldset>
      {models.recommended && selected === models.recommended.id && (
        <p className="setup__reason">
          <strong>Recommended for this computer.</strong> {models.recommended.reason}
        </p>
      )}
      {job?.state === 'failed' && job.error && (
        <div role="alert" className="notice notice--error">
          <p className="notice__title">{job.error.message}</p>
          {job.error.hint && <p>{job.error.hint}</p>}
        </div>
      )}
      {error && <ErrorNotice error={error} onDismiss={dismissError} />}
      {!running && chosen && (
        <div className="setup__actions">
          {chosen.installed ? (
            <button
              type="button"
              className="button button--primary"
              disabled={busy}
              onClick={() => void use(chosen.id)}
            >
              Use {chosen.label}
            </button>
          ) : (
            <button
              type="button"
              className="button button--primary"
              disabled={busy}
              onClick={() => void download(chosen.id)}
            >
              {job?.state === 'failed' && job.id === chosen.id ? 'Try again' : 'Download'} (
              {exact !== undefined ? formatBytes(exact) : `about ${formatBytes(chosen.approxBytes)}`})
            </button>
          )}
          <BusyButton className="button" busy={busy} onClick={() => void importFiles()}>
            Import model files…
          </BusyButton>
        </div>
      )}
      <p className="setup__note">
        Already have the GGUF files? Import the model and its audio encoder (mmproj) together; they are
        checked and used where they are.
      </p>
    </section>
  );
}
