/**
 * What a job's output depends on, recorded in its manifest: a resume must match it exactly. When it does not, the
 * difference is described setting by setting (old → new), so the user learns what to change back instead of
 * meeting a second error.
 */
import { SAMPLE_RATE } from '@common/audio';
import type { EngineIdentity } from '../../checkpoints/store';
import type { CutterConfig } from '../../scheduler/cutter';
import { DEFAULT_RETRY_CONFIG, type RetryConfig } from '../../scheduler/retry';
import { type AudioRange, rangeSettings } from './range';

/**
 * Recorded in the settings of a job whose windows were budgeted in heard audio and filled to whole encoder chunks
 * (scheduler/cutter.ts): a job saved before that cut its windows differently, and says so instead of resuming.
 */
export const HEARD_WINDOW_BUDGET = 'heard audio, whole encoder chunks';

export function jobSettings(opts: {
  chunkSamples: number;
  language: string | undefined;
  cutter: CutterConfig;
  retry: Partial<Omit<RetryConfig, 'limits'>> | undefined;
  range?: AudioRange | undefined;
  maxPauseSec?: number | undefined;
}): Record<string, unknown> {
  const retry = { ...DEFAULT_RETRY_CONFIG, ...opts.retry };
  // the shortened pause is `maxPauseSec` below; what is recorded of it here is that windows were budgeted by it
  const { shortenedPauseSec, ...cutter } = opts.cutter;
  return {
    sampleRate: SAMPLE_RATE,
    chunkSamples: opts.chunkSamples,
    language: opts.language ?? null,
    cutter,
    ...(shortenedPauseSec !== undefined ? { windowBudget: HEARD_WINDOW_BUDGET } : {}),
    retry: { ...retry, limits: retry.limits },
    ...rangeSettings(opts.range),
    // only when set: jobs saved before pauses were shortened match a job that does not shorten them
    ...(opts.maxPauseSec !== undefined ? { maxPauseSec: opts.maxPauseSec } : {}),
  };
}

/** JSON with sorted keys: the same settings always give the same text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

function flatten(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, stableJson(value));
  }
  return out;
}

/** Names users know for the settings they can change; the rest are shown by their key. */
const LABELS: Record<string, { label: string; unit?: string; none?: string }> = {
  language: { label: 'language', none: 'detect automatically' },
  'cutter.maxWindowSec': { label: 'window length', unit: ' s' },
  'cutter.maxGapSec': { label: 'longest pause inside a window', unit: ' s' },
  maxPauseSec: { label: 'pauses shortened to', unit: ' s', none: 'not shortened' },
  windowBudget: { label: 'window length counted in', none: 'recorded audio' },
  'range.startSec': { label: 'range start', unit: ' s', none: 'start of the recording' },
  'range.endSec': { label: 'range end', unit: ' s', none: 'end of the recording' },
  'engine.model': { label: 'model' },
  'engine.mmproj': { label: 'audio encoder' },
  'engine.kvK': { label: 'K cache type' },
  'engine.kvV': { label: 'V cache type' },
  'engine.id': { label: 'engine' },
};

export interface SettingChange {
  /** Dotted key, e.g. `cutter.maxWindowSec`, `engine.kvK`. */
  key: string;
  label: string;
  before: string;
  after: string;
}

function show(raw: string | undefined, meta: { unit?: string; none?: string } | undefined): string {
  if (raw === undefined || raw === 'null') return meta?.none ?? 'none';
  const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  return `${value}${meta?.unit ?? ''}`;
}

/** Every setting (and engine field) that differs between a saved job and the one asked for now. */
export function settingChanges(
  saved: { settings: Record<string, unknown>; engine: EngineIdentity },
  now: { settings: Record<string, unknown>; engine: EngineIdentity },
): SettingChange[] {
  const a = flatten({ ...saved.settings, engine: saved.engine }, '', new Map());
  const b = flatten({ ...now.settings, engine: now.engine }, '', new Map());
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys
    .filter((k) => a.get(k) !== b.get(k))
    .map((key) => {
      const meta = LABELS[key];
      return {
        key,
        label: meta?.label ?? key,
        before: show(a.get(key), meta),
        after: show(b.get(key), meta),
      };
    });
}

export function describeChanges(changes: readonly SettingChange[]): string {
  return changes.map((c) => `${c.label} ${c.before} → ${c.after}`).join('; ');
}
