/** Pure shaping of advisor data for the settings panel. */
import type {
  AdvisorReport,
  CacheTypeRow,
  MeasuredAllocation,
  MemoryBreakdown,
  MemoryEstimate,
  RunConfig,
} from '@common/advisor-types';
import type { ModelsState } from '@common/models-schema';
import { measuredKvQuality, type KvPair, type MeasuredKvQuality } from '@common/kv-quality';
import { breakdownTotal, sumPools } from '@common/memory-breakdown';
import { SEGMENT_LABELS, type Segment } from './MemoryBar';

export function segmentsOf(b: MemoryBreakdown): Segment[] {
  return [
    { key: 'weights', label: SEGMENT_LABELS.weights, bytes: b.weights },
    { key: 'mmproj', label: SEGMENT_LABELS.mmproj, bytes: b.mmproj },
    { key: 'kv', label: SEGMENT_LABELS.kv, bytes: b.kv },
    { key: 'compute', label: SEGMENT_LABELS.compute, bytes: b.computeDecoder + b.computeEncoder },
    { key: 'other', label: SEGMENT_LABELS.other, bytes: b.overhead },
  ];
}

export const total = breakdownTotal;

export function cacheLabel(c: Pick<RunConfig, 'kvTypeK' | 'kvTypeV'>): string {
  return c.kvTypeK === c.kvTypeV ? c.kvTypeK : `K ${c.kvTypeK} / V ${c.kvTypeV}`;
}

/** The K/V pair of a cache-table row (`kvTypeV` is absent when V is the same type as K). */
export function rowPair(row: Pick<CacheTypeRow, 'kvType' | 'kvTypeV'>): KvPair {
  return { k: row.kvType, v: row.kvTypeV ?? row.kvType };
}

export function rowLabel(row: Pick<CacheTypeRow, 'kvType' | 'kvTypeV'>): string {
  const p = rowPair(row);
  return cacheLabel({ kvTypeK: p.k, kvTypeV: p.v });
}

export function isRowOf(row: CacheTypeRow, c: Pick<RunConfig, 'kvTypeK' | 'kvTypeV'>): boolean {
  const p = rowPair(row);
  return p.k === c.kvTypeK && p.v === c.kvTypeV;
}

export interface RowQuality {
  /** The pair's measurement on trained weights, or null where the pair was not measured. */
  measured: MeasuredKvQuality | null;
  /** "+1.2 points", "−0.4 points", "±0 (reference)". */
  werChange: string;
  kl: string;
}

/** Measured quality (common/kv-quality.ts) and memory saved against the f16 row, for one row of the cache table. */
export function rowQuality(row: CacheTypeRow): RowQuality {
  const p = rowPair(row);
  const m = measuredKvQuality(p) ?? null;
  if (!m) return { measured: null, werChange: 'not measured', kl: 'not measured' };
  if (p.k === 'f16' && p.v === 'f16') return { measured: m, werChange: '±0 (reference)', kl: '0' };
  const d = m.werDeltaPoints;
  return {
    measured: m,
    werChange:
      d === undefined ? 'not measured' : `${d > 0 ? '+' : d < 0 ? '−' : '±'}${Math.abs(d).toFixed(1)} points`,
    kl: m.kl.toExponential(1),
  };
}

/** Bytes the row's cache saves against the f16 cache of the same plan (negative: needs more). */
export function cacheSaving(row: CacheTypeRow, table: readonly CacheTypeRow[]): number | null {
  const f16 = table.find((r) => r.kvType === 'f16' && r.kvTypeV === undefined);
  return f16 ? f16.totalBytes - row.totalBytes : null;
}

export interface Savings {
  f16: MemoryBreakdown;
  /** The chosen cache, or, when f16 itself is chosen, the most compact cache this build has. */
  compared: MemoryBreakdown;
  comparedLabel: string;
  /** True when `compared` is a suggestion rather than the chosen configuration. */
  suggestion: boolean;
  savedBytes: number;
  /** Of the whole f16 configuration. */
  savedOfTotal: number;
  /** Of the f16 cache alone. */
  savedOfCache: number;
}

/** The chosen configuration with another cache type: only the cache and the working buffers change. */
function withRow(base: MemoryBreakdown, row: CacheTypeRow): MemoryBreakdown {
  const out = { ...base, kv: row.kvBytes };
  // a quantized V gets a rotation in the decoder graph: the row's total is the truth for the rest
  out.computeDecoder += row.totalBytes - total(out);
  return out;
}

/** The configuration with an f16 cache next to the chosen cache (or the most compact one when f16 is chosen). */
export function savingsOf(estimate: MemoryEstimate, table: readonly CacheTypeRow[]): Savings | null {
  const f16Row = table.find((r) => r.kvType === 'f16' && r.kvTypeV === undefined);
  if (!f16Row) return null;
  const chosen = sumPools(estimate.pools);
  const c = estimate.config;
  const f16Chosen = c.kvTypeK === 'f16' && c.kvTypeV === 'f16';
  const smallest = [...table].filter((r) => r.available).sort((a, b) => a.kvBytes - b.kvBytes)[0];
  const suggestion = f16Chosen && smallest !== undefined && !isRowOf(smallest, c);
  const compared = suggestion ? withRow(chosen, smallest) : chosen;
  const f16 = withRow(chosen, f16Row);
  const savedBytes = total(f16) - total(compared);
  return {
    f16,
    compared,
    comparedLabel: suggestion ? rowLabel(smallest) : cacheLabel(c),
    suggestion,
    savedBytes,
    savedOfTotal: total(f16) > 0 ? savedBytes / total(f16) : 0,
    savedOfCache: f16.kv > 0 ? (f16.kv - compared.kv) / f16.kv : 0,
  };
}

export interface MeasuredRow {
  key: keyof MemoryBreakdown;
  label: string;
  predicted: number;
  measured: number | null;
  /** (predicted − measured) / measured; null when the runtime did not report the buffer. */
  error: number | null;
}

const MEASURED_LABELS: Record<keyof MemoryBreakdown, string> = {
  weights: 'Weights',
  mmproj: 'Audio encoder weights',
  kv: 'KV cache',
  computeDecoder: 'Decoder compute',
  computeEncoder: 'Encoder compute',
  overhead: 'Runtime overhead',
};

export function measuredRows(m: MeasuredAllocation): {
  rows: MeasuredRow[];
  totalPredicted: number;
  totalMeasured: number;
  totalError: number | null;
} {
  const rows = (Object.keys(MEASURED_LABELS) as (keyof MemoryBreakdown)[]).map((key) => {
    const reported = m.reported.includes(key);
    const measured = reported ? m.measured[key] : null;
    return {
      key,
      label: MEASURED_LABELS[key],
      predicted: m.predicted[key],
      measured,
      error: measured !== null && measured > 0 ? (m.predicted[key] - measured) / measured : null,
    };
  });
  const reportedRows = rows.filter((r) => r.measured !== null);
  const totalPredicted = reportedRows.reduce((a, r) => a + r.predicted, 0);
  const totalMeasured = reportedRows.reduce((a, r) => a + (r.measured ?? 0), 0);
  return {
    rows,
    totalPredicted,
    totalMeasured,
    totalError: totalMeasured > 0 ? (totalPredicted - totalMeasured) / totalMeasured : null,
  };
}

export function percent(x: number, digits = 0): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** The model jobs run on, as the settings panel names it: its file and the advisor's weights variant it is. */
export interface ModelInUse {
  /** File name of the text model (or "test engine"). */
  name: string;
  /** The advisor's variant id (Q4_K_M, …) when the file is one the advisor knows, else null. */
  weights: string | null;
  /** Set by ROTORSCRIBE_MODEL rather than chosen in the app. */
  fromEnv: boolean;
}

/**
 * Which of the advisor's weights variants the configured model is: the catalog entry's when it was downloaded from
 * the catalog, else the quantization in its file name (Voxtral-Mini-3B-2507-Q8_0.gguf → Q8_0), as jobs plan with it.
 */
export function modelInUse(
  models: ModelsState | null,
  variants: AdvisorReport['variants'],
): ModelInUse | null {
  const active = models?.active;
  if (!active?.name) return null;
  const known = (w: string | undefined) =>
    w !== undefined && variants.some((v) => v.id === w) ? w : undefined;
  const fromCatalog = known(models?.variants.find((v) => v.id === active.id)?.weights);
  const upper = active.name.toUpperCase();
  const fromName = variants.find((v) => upper.includes(v.id.toUpperCase()))?.id;
  return {
    name: active.name,
    weights: fromCatalog ?? known(fromName) ?? null,
    fromEnv: active.source === 'env',
  };
}
