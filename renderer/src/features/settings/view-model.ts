/** Pure shaping of advisor data for the settings panel. */
import type {
  CacheTypeRow,
  MeasuredAllocation,
  MemoryBreakdown,
  MemoryEstimate,
  RunConfig,
} from '@common/advisor-types';
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
  const f16Row = table.find((r) => r.kvType === 'f16');
  if (!f16Row) return null;
  const chosen = sumPools(estimate.pools);
  const c = estimate.config;
  const f16Chosen = c.kvTypeK === 'f16' && c.kvTypeV === 'f16';
  const smallest = [...table].filter((r) => r.available).sort((a, b) => a.kvBytes - b.kvBytes)[0];
  const suggestion = f16Chosen && smallest !== undefined && smallest.kvType !== 'f16';
  const compared = suggestion ? withRow(chosen, smallest) : chosen;
  const f16 = withRow(chosen, f16Row);
  const savedBytes = total(f16) - total(compared);
  return {
    f16,
    compared,
    comparedLabel: suggestion ? smallest.kvType : cacheLabel(c),
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
