/**
 * Pure: re-fitting a speed calibration from an end-to-end run (bench/e2e.ts), and reading one back from JSON so the
 * speed model can predict with it (`bench/e2e.ts --calibration FILE`).
 *
 * The fit keeps the calibration's shape — how prefill and decode slow with depth, K/V type against K/V type, the
 * thread scaling, the Q8_0/F16 encoder ratio — and scales its three parts (encoder, prefill, decode) by measured /
 * predicted for the same plan and the same windows. One run measures one K/V type at the depths its windows reach,
 * so the other types and depths move by the same factor: a single quiet run re-levels the calibration, it does not
 * re-measure its shape.
 */
import { isKvCacheType } from '@common/kv-cache-types';
import type { DepthRate, SpeedCalibration } from './speed-calibration';

export interface SpeedParts {
  encoderSec: number;
  prefillSec: number;
  decodeSec: number;
}

/** measured / predicted per part: > 1 = the machine is slower than the calibration says. */
export interface SpeedFitFactors {
  encoder: number;
  prefill: number;
  decode: number;
}

export function fitFactors(measured: SpeedParts, predicted: SpeedParts): SpeedFitFactors {
  const ratio = (m: number, p: number, part: string): number => {
    if (!(m > 0 && p > 0)) throw new RangeError(`cannot fit the ${part}: measured ${m} s, predicted ${p} s`);
    return m / p;
  };
  return {
    encoder: ratio(measured.encoderSec, predicted.encoderSec, 'encoder'),
    prefill: ratio(measured.prefillSec, predicted.prefillSec, 'prefill'),
    decode: ratio(measured.decodeSec, predicted.decodeSec, 'decode'),
  };
}

/** The calibration with each part's times multiplied by its factor (rates divided), and the run cited. */
export function applyFit(
  base: Readonly<SpeedCalibration>,
  f: SpeedFitFactors,
  meta: { id: string; machine?: string; source: string },
): SpeedCalibration {
  const rates = (points: readonly DepthRate[]): DepthRate[] =>
    points.map((p) => ({ depth: p.depth, tokPerSec: p.tokPerSec / f.decode }));
  return {
    ...base,
    id: meta.id,
    machine: meta.machine ?? base.machine,
    encoderMsPerChunk: {
      F16: base.encoderMsPerChunk.F16 * f.encoder,
      Q8_0: base.encoderMsPerChunk.Q8_0 * f.encoder,
    },
    prefillTokPerSec: Object.fromEntries(
      Object.entries(base.prefillTokPerSec).map(([t, r]) => [t, r / f.prefill]),
    ),
    prefillDepthShape: base.prefillDepthShape.map((p) => ({ ...p })),
    decodeTokPerSec: Object.fromEntries(
      Object.entries(base.decodeTokPerSec).map(([t, points]) => [t, rates(points)]),
    ),
    threadScaling: { ...base.threadScaling },
    sources: [
      ...base.sources,
      `${meta.source}: measured / predicted encoder ${f.encoder.toFixed(3)}, prefill ${f.prefill.toFixed(3)}, decode ${f.decode.toFixed(3)}`,
    ],
  };
}

export class CalibrationFormatError extends Error {
  readonly code = 'CALIBRATION_FORMAT';
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const positive = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

/** A calibration read from JSON (what bench/e2e.ts --fit-out writes), checked field by field. */
export function parseCalibration(json: unknown): SpeedCalibration {
  const bad = (why: string): never => {
    throw new CalibrationFormatError(`not a speed calibration: ${why}`);
  };
  if (!isRecord(json)) return bad('not an object');
  const { id, machine, threads, weights, weightBytes, encoderMsPerChunk, prefillTokPerSec } = json;
  const { prefillDepthShape, decodeTokPerSec, threadScaling, sources } = json;
  if (typeof id !== 'string' || typeof machine !== 'string' || typeof weights !== 'string')
    bad('id, machine and weights must be strings');
  if (!positive(threads) || !positive(weightBytes)) bad('threads and weightBytes must be positive');
  if (!isRecord(encoderMsPerChunk) || !positive(encoderMsPerChunk.F16) || !positive(encoderMsPerChunk.Q8_0))
    bad('encoderMsPerChunk needs positive F16 and Q8_0');
  const points = (x: unknown, what: string): DepthRate[] => {
    if (!Array.isArray(x) || x.length === 0) return bad(`${what}: no points`);
    return x.map((p: unknown) => {
      if (!isRecord(p) || typeof p.depth !== 'number' || p.depth < 0 || !positive(p.tokPerSec))
        return bad(`${what}: a point needs depth ≥ 0 and tokPerSec > 0`);
      return { depth: p.depth, tokPerSec: p.tokPerSec };
    });
  };
  const byType = <T>(x: unknown, what: string, read: (v: unknown, t: string) => T): Record<string, T> => {
    if (!isRecord(x)) return bad(`${what}: not an object`);
    return Object.fromEntries(
      Object.entries(x).map(([t, v]) => {
        if (!isKvCacheType(t)) bad(`${what}: ${t} is not a cache type`);
        return [t, read(v, `${what}.${t}`)];
      }),
    );
  };
  const rate = (v: unknown, what: string): number => (positive(v) ? v : bad(`${what} must be positive`));
  if (
    !isRecord(threadScaling) ||
    !['encoder', 'prefill', 'decode'].every((k) => typeof threadScaling[k] === 'number')
  )
    bad('threadScaling needs encoder, prefill and decode exponents');
  const ts = threadScaling as Record<string, number>;
  const enc = encoderMsPerChunk as Record<string, number>;
  return {
    id: id as string,
    machine: machine as string,
    threads: threads as number,
    weights: weights as string,
    weightBytes: weightBytes as number,
    encoderMsPerChunk: { F16: enc.F16!, Q8_0: enc.Q8_0! },
    prefillTokPerSec: byType(prefillTokPerSec, 'prefillTokPerSec', rate),
    prefillDepthShape: points(prefillDepthShape, 'prefillDepthShape'),
    decodeTokPerSec: byType(decodeTokPerSec, 'decodeTokPerSec', points),
    threadScaling: { encoder: ts.encoder!, prefill: ts.prefill!, decode: ts.decode! },
    sources: Array.isArray(sources) ? sources.filter((s): s is string => typeof s === 'string') : [],
  };
}
