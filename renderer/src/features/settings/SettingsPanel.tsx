import { useEffect, useId, type ReactNode } from 'react';
import type { AdvisorReport, EvaluateResult, HardwareInfo, RunConfig } from '@common/advisor-types';
import { formatBytes, formatKiB } from '@common/format-bytes';
import { Legend, MemoryBar } from './MemoryBar';
import { NumberField } from './NumberField';
import { sameOverrides, useSettingsStore } from './store';
import { KV_QUALITY_SOURCE } from '@common/kv-quality';
import {
  cacheLabel,
  cacheSaving,
  isRowOf,
  measuredRows,
  percent,
  rowLabel,
  rowQuality,
  savingsOf,
  segmentsOf,
  total,
} from './view-model';
import './settings.css';
import { BusyButton } from '../../ui/BusyButton';
import { on } from '../../ipc';

const POOL_NAMES = { ram: 'RAM', vram: 'GPU memory', unified: 'Unified memory' } as const;

/** Settings: what this computer has, what the advisor recommends and why, and what every choice costs in memory. */
export function SettingsPanel() {
  const { phase, report, evaluation, error, load } = useSettingsStore();
  useEffect(() => {
    if (useSettingsStore.getState().phase === 'idle') void load();
  }, [load]);
  useEffect(() => on('models:changed', (models) => useSettingsStore.getState().setModels(models)), []);

  return (
    <section className="panel settings" aria-labelledby="settings-heading" aria-busy={phase === 'loading'}>
      <div className="panel__header">
        <h1 id="settings-heading">Settings</h1>
        <BusyButton className="button" onClick={() => void load()} busy={phase === 'loading'}>
          Re-check hardware
        </BusyButton>
      </div>
      {phase === 'loading' && !report && <p className="empty">Checking this computer…</p>}
      {error && (
        <p role="alert" className="notice notice--error">
          {error.message}
          {error.hint ? ` ${error.hint}` : ''}
        </p>
      )}
      {report && (
        <>
          <Hardware hw={report.hardware} />
          <RecommendationView report={report} />
          {evaluation && <ConfigEditor report={report} evaluation={evaluation} />}
          {evaluation && <SavingsView evaluation={evaluation} />}
          <MeasuredView report={report} />
          <UpdatesView />
        </>
      )}
    </section>
  );
}

function Card({ title, id, children }: { title: string; id: string; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id} className="card__title">
        {title}
      </h2>
      {children}
    </section>
  );
}

function Hardware({ hw }: { hw: HardwareInfo }) {
  return (
    <Card title="This computer" id="hw-heading">
      <dl className="facts">
        <dt>System</dt>
        <dd>
          {hw.os.platform} {hw.os.release} ({hw.os.arch})
        </dd>
        <dt>Processor</dt>
        <dd>
          {hw.cpu.model} · {hw.cpu.physicalCores} cores / {hw.cpu.logicalCores} threads
          {hw.cpu.simd.length > 0 && <span className="facts__sub">{hw.cpu.simd.join(' · ')}</span>}
        </dd>
        <dt>Memory</dt>
        <dd>
          {formatBytes(hw.ram.freeBytes)} free of {formatBytes(hw.ram.totalBytes)}
          {hw.unifiedMemory && <span className="facts__sub">Unified: the GPU shares this memory</span>}
        </dd>
        {hw.backend && (
          <>
            <dt>Engine</dt>
            <dd>
              {hw.backend.gpu ? `${hw.backend.gpu} on the GPU` : 'CPU only'} · {hw.backend.cpuVariant} CPU
              code ({hw.backend.cpuIsa})
              {!hw.backend.gpu && hw.backend.gpuNotice && (
                <span className="facts__sub" role="note">
                  {hw.backend.gpuNotice}
                </span>
              )}
            </dd>
          </>
        )}
        <dt>GPU</dt>
        <dd>
          {hw.devices.length === 0
            ? hw.deviceSource === 'fallback'
              ? 'None found (engine not loaded yet: CPU only assumed)'
              : 'None: transcription runs on the CPU'
            : hw.devices.map((d) => (
                <span key={d.name} className="facts__line">
                  {d.description} ({d.name}) · {formatBytes(d.freeBytes)} free of {formatBytes(d.totalBytes)}
                </span>
              ))}
        </dd>
      </dl>
    </Card>
  );
}

function UpdatesView() {
  const { autoUpdate, setAutoUpdate } = useSettingsStore();
  const id = useId();
  if (autoUpdate === null) return null;
  return (
    <Card title="Updates" id="updates-heading">
      <label htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={autoUpdate}
          onChange={(e) => void setAutoUpdate(e.target.checked)}
        />{' '}
        Check for updates automatically
      </label>
      <p className="facts__sub">
        {autoUpdate
          ? 'RotorScribe looks for a new release on GitHub half a minute after it starts and every 6 hours; a downloaded update installs when you quit, never during a transcription or recording.'
          : 'RotorScribe never contacts GitHub for updates.'}
      </p>
    </Card>
  );
}

function RecommendationView({ report }: { report: AdvisorReport }) {
  const r = report.recommendation;
  const c = r.config;
  return (
    <Card title={r.ok ? 'Recommended' : 'Voxtral does not fit this computer'} id="rec-heading">
      <p className={r.ok ? 'why' : 'why why--bad'} role={r.ok ? undefined : 'alert'}>
        {r.why}
      </p>
      {r.ok && (
        <ul className="chips" aria-label="Recommended configuration">
          <li>{c.weights} weights</li>
          <li>{cacheLabel(c)} cache</li>
          <li>
            {c.windowSeconds} s windows × {c.parallelWindows}
          </li>
          <li>{c.gpuLayers === 0 ? 'CPU only' : `${c.gpuLayers} GPU layers`}</li>
          <li>{c.threads} threads</li>
        </ul>
      )}
      {r.alternatives.length > 0 && (
        <details className="alternatives">
          <summary>Why not something else? ({r.alternatives.length})</summary>
          <ul>
            {r.alternatives.map((a) => (
              <li key={a.label}>
                <strong>{a.label}</strong>: {a.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </Card>
  );
}

function Field({
  label,
  children,
  hint,
  wide,
}: {
  label: string;
  hint?: string;
  wide?: boolean;
  children: (id: string, hintId: string | undefined) => ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className={wide ? 'field field--wide' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children(id, hintId)}
      {hint && (
        <span id={hintId} className="field__hint">
          {hint}
        </span>
      )}
    </div>
  );
}

function ConfigEditor({ report, evaluation }: { report: AdvisorReport; evaluation: EvaluateResult }) {
  const { setOverride, resetToRecommended, apply, applied, overrides, evaluating, saving, inUse } =
    useSettingsStore();
  const rec = report.recommendation;
  const c = evaluation.estimate.config;
  const e = evaluation.estimate;
  const hasGpu = report.hardware.devices.length > 0;
  const maxLayers = (report.variants.find((v) => v.id === c.weights)?.layers ?? 30) + 1;
  // half-typed values (empty, "1.", out of range) stay in the field and wait for the next keystroke (NumberField)
  const num = (key: 'windowSeconds' | 'parallelWindows' | 'gpuLayers' | 'threads') => (n: number) =>
    void setOverride(key, n);
  const kvOptions = report.kvTypes.map((t) => (
    <option key={t.type} value={t.type} disabled={!t.available} title={t.unavailableReason}>
      {t.type} ({t.bitsPerValue} bits){t.available ? '' : ` — ${t.unavailableReason ?? 'not built'}`}
    </option>
  ));
  const isApplied = sameOverrides(applied, overrides);
  return (
    <Card title="Your configuration" id="cfg-heading">
      <p className="card__intro">Change any setting: the memory it needs is computed before you apply it.</p>
      <div className="form-grid">
        <Field label="Model weights" wide>
          {(id) => (
            <>
              <select
                id={id}
                value={c.weights}
                aria-describedby={`${id}-in-use`}
                onChange={(ev) => void setOverride('weights', ev.target.value)}
              >
                {report.variants.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.label} · {v.approximate ? '≈' : ''}
                    {formatBytes(v.weightBytes + v.mmprojBytes)}
                    {inUse?.weights === v.id ? ' · in use' : ''}
                  </option>
                ))}
              </select>
              <span id={`${id}-in-use`} className="field__hint weights-in-use" data-testid="weights-in-use">
                {inUse ? (
                  <>
                    In use: <strong>{inUse.name}</strong>
                    {inUse.weights ? ` (${inUse.weights})` : ''}
                    {inUse.fromEnv ? ', set by the environment' : ''}.
                    {inUse.weights !== null && c.weights !== inUse.weights && (
                      <> The memory below is for {c.weights}, which is not the model in use.</>
                    )}
                  </>
                ) : (
                  'No model is set up yet: the memory below is for the weights chosen here.'
                )}
              </span>
              {rec.ok && inUse && rec.config.weights !== inUse.weights && (
                <span className="field__hint weights-recommended" data-testid="weights-recommended">
                  {/* the Recommended card above gives the reason; saying it twice buried the field */}
                  Recommended for this computer: <strong>{rec.config.weights}</strong> (why: see Recommended
                  above).
                </span>
              )}
            </>
          )}
        </Field>
        <Field label="Key cache type">
          {(id) => (
            <select
              id={id}
              value={c.kvTypeK}
              onChange={(ev) => void setOverride('kvTypeK', ev.target.value as RunConfig['kvTypeK'])}
            >
              {kvOptions}
            </select>
          )}
        </Field>
        <Field label="Value cache type">
          {(id) => (
            <select
              id={id}
              value={c.kvTypeV}
              onChange={(ev) => void setOverride('kvTypeV', ev.target.value as RunConfig['kvTypeV'])}
            >
              {kvOptions}
            </select>
          )}
        </Field>
        <Field label="Window length (seconds)" hint="Audio decoded in one piece">
          {(id, hint) => (
            <NumberField
              id={id}
              hintId={hint}
              min={5}
              max={3600}
              step={10}
              value={c.windowSeconds}
              onCommit={num('windowSeconds')}
            />
          )}
        </Field>
        <Field label="Parallel windows" hint="Windows decoded side by side">
          {(id, hint) => (
            <NumberField
              id={id}
              hintId={hint}
              min={1}
              max={16}
              value={c.parallelWindows}
              onCommit={num('parallelWindows')}
            />
          )}
        </Field>
        <Field label="GPU layers" hint={hasGpu ? `0 = CPU only, ${maxLayers} = everything` : 'No GPU found'}>
          {(id, hint) => (
            <NumberField
              id={id}
              hintId={hint}
              min={0}
              max={maxLayers}
              value={c.gpuLayers}
              disabled={!hasGpu}
              onCommit={num('gpuLayers')}
            />
          )}
        </Field>
        <Field label="CPU threads">
          {(id) => (
            <NumberField
              id={id}
              min={1}
              max={report.hardware.cpu.logicalCores}
              value={c.threads}
              onCommit={num('threads')}
            />
          )}
        </Field>
      </div>
      <div
        className={`verdict ${e.fits ? 'verdict--ok' : 'verdict--bad'}`}
        role="status"
        aria-live="polite"
        data-testid="verdict"
      >
        <strong>{evaluation.verdict}</strong>
        <span className="verdict__detail">
          Context {e.context.nCtx.toLocaleString('en-US')} tokens (
          {e.context.tokensPerWindow.toLocaleString('en-US')} per window) · KV cache{' '}
          <span data-testid="kv-bytes">{formatBytes(e.kvBytesPerToken * e.context.nCtx)}</span> at{' '}
          <span data-testid="kv-per-token">{formatKiB(e.kvBytesPerToken)}</span> per token
        </span>
      </div>
      {e.pools.map((p) => (
        <MemoryBar
          key={p.pool}
          label={`${POOL_NAMES[p.pool]} (budget ${formatBytes(p.budget)})`}
          segments={segmentsOf(p.breakdown)}
          scale={Math.max(p.total, p.budget) * 1.05}
          budget={p.budget}
        />
      ))}
      <div className="actions">
        <button
          type="button"
          className="button button--primary"
          onClick={() => void apply()}
          disabled={!e.fits || evaluating || saving || isApplied}
        >
          {isApplied ? 'Applied' : 'Apply'}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => void resetToRecommended()}
          disabled={Object.keys(overrides).length === 0}
        >
          Reset to recommended
        </button>
      </div>
    </Card>
  );
}

function SavingsView({ evaluation }: { evaluation: EvaluateResult }) {
  const s = savingsOf(evaluation.estimate, evaluation.cacheTable);
  const c = evaluation.estimate.config;
  if (!s) return null;
  const scale = Math.max(total(s.f16), total(s.compared)) * 1.02;
  const name = s.comparedLabel;
  return (
    <Card title="What the compressed cache saves" id="savings-heading">
      <p className="card__intro">
        The same configuration with an f16 cache and with{' '}
        {s.suggestion ? `${name} (the most compact cache)` : name}, all memory pools together.
      </p>
      <MemoryBar label="f16 cache" segments={segmentsOf(s.f16)} scale={scale} />
      <MemoryBar label={`${name} cache`} segments={segmentsOf(s.compared)} scale={scale} />
      <Legend />
      <p className="saving" data-testid="saving">
        {s.savedBytes > 0
          ? `${name} ${s.suggestion ? 'would save' : 'saves'} ${formatBytes(s.savedBytes)}: ${percent(s.savedOfCache)} of the cache, ${percent(s.savedOfTotal)} of the total.`
          : s.savedBytes < 0
            ? `${name} needs ${formatBytes(-s.savedBytes)} more than f16.`
            : 'No saving against f16.'}
      </p>
      <table className="table">
        <caption>
          Every cache type for {c.windowSeconds} s windows × {c.parallelWindows} ({c.weights} weights), best
          measured quality first
        </caption>
        <thead>
          <tr>
            <th scope="col">Cache type</th>
            <th scope="col">Per token</th>
            <th scope="col">Cache</th>
            <th scope="col">Saves vs f16</th>
            <th scope="col">Total</th>
            <th scope="col">Longest window that fits</th>
            <th scope="col">WER change (measured)</th>
            <th scope="col">KL vs f16 (measured)</th>
          </tr>
        </thead>
        <tbody>
          {evaluation.cacheTable.map((row) => {
            const label = rowLabel(row);
            const q = rowQuality(row);
            const saved = cacheSaving(row, evaluation.cacheTable);
            return (
              <tr key={label} aria-current={isRowOf(row, c) ? 'true' : undefined}>
                <th scope="row">
                  {label}
                  {!row.available && <span className="muted"> ({row.unavailableReason ?? 'not built'})</span>}
                </th>
                <td>{formatKiB(row.bytesPerToken)}</td>
                <td>{formatBytes(row.kvBytes)}</td>
                <td>
                  {saved === null || saved === 0
                    ? '—'
                    : saved > 0
                      ? formatBytes(saved)
                      : `needs ${formatBytes(-saved)} more`}
                </td>
                <td>{formatBytes(row.totalBytes)}</td>
                <td>
                  {row.maxWindowMinutes > 0
                    ? `${row.maxWindowMinutes.toFixed(1)} min of audio`
                    : 'does not fit'}
                  {row.windowLimit === 'context' && row.maxWindowMinutes > 0 && (
                    <span className="muted"> (32k context limit)</span>
                  )}
                </td>
                <td>{q.werChange}</td>
                <td>{q.kl}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="card__intro" data-testid="quality-source">
        Quality measured on a small Voxtral we trained (same attention layout), not on the full model:{' '}
        <code>{KV_QUALITY_SOURCE.command}</code>, {KV_QUALITY_SOURCE.date}. WER change is against the f16
        cache in the same run; {KV_QUALITY_SOURCE.note}
      </p>
    </Card>
  );
}

function MeasuredView({ report }: { report: AdvisorReport }) {
  if (!report.measured) {
    return (
      <Card title="Measured" id="measured-heading">
        <p className="empty">
          After a model is loaded, the memory it really allocated appears here next to the prediction.
        </p>
      </Card>
    );
  }
  const m = measuredRows(report.measured);
  const fmtErr = (e: number | null) => (e === null ? '—' : `${e >= 0 ? '+' : ''}${percent(e, 1)}`);
  return (
    <Card title="Measured after loading" id="measured-heading">
      <table className="table">
        <caption>
          {report.measured.config.weights}, {cacheLabel(report.measured.config)} cache,{' '}
          {report.measured.nCtx.toLocaleString('en-US')} tokens of context
        </caption>
        <thead>
          <tr>
            <th scope="col">Buffer</th>
            <th scope="col">Predicted</th>
            <th scope="col">Measured</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {m.rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">{r.label}</th>
              <td>{formatBytes(r.predicted)}</td>
              <td>{r.measured === null ? 'not reported' : formatBytes(r.measured)}</td>
              <td>{fmtErr(r.error)}</td>
            </tr>
          ))}
          <tr className="table__total">
            <th scope="row">Total (reported buffers)</th>
            <td>{formatBytes(m.totalPredicted)}</td>
            <td>{formatBytes(m.totalMeasured)}</td>
            <td>{fmtErr(m.totalError)}</td>
          </tr>
        </tbody>
      </table>
    </Card>
  );
}
