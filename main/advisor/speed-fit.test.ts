import { describe, expect, it } from 'vitest';
import type { RunConfig } from '@common/advisor-types';
import { CPU_RUN_CONFIG } from './test-profiles';
import { DEV_BOX_2CORE_AVX512 } from './speed-calibration';
import { applyFit, CalibrationFormatError, fitFactors, parseCalibration } from './speed-fit';
import { windowSeconds } from './speed-model';

const CONFIG: RunConfig = { ...CPU_RUN_CONFIG, kvTypeK: 'iso3' };

describe('fitting a calibration to an end-to-end run', () => {
  it('the re-fitted calibration predicts what was measured, part by part, on the windows of the run', () => {
    const base = DEV_BOX_2CORE_AVX512;
    // heavier weights than the calibration's: the shallow-step share and the prefill exponent are in play too
    const weightBytes = base.weightBytes * 1.3;
    const windows = [
      { audioSec: 52.4, textTokens: 140 },
      { audioSec: 61.0, textTokens: 171 },
      { audioSec: 12.2, textTokens: 30 },
    ];
    const total = (cal: typeof base) =>
      windows
        .map((w) => windowSeconds({ config: CONFIG, weightBytes, calibration: cal, ...w }))
        .reduce((a, w) => ({
          encoderSec: a.encoderSec + w.encoderSec,
          prefillSec: a.prefillSec + w.prefillSec,
          decodeSec: a.decodeSec + w.decodeSec,
        }));
    const predicted = total(base);
    const measured = {
      encoderSec: predicted.encoderSec * 1.7,
      prefillSec: predicted.prefillSec * 0.8,
      decodeSec: predicted.decodeSec * 1.25,
    };
    const f = fitFactors(measured, predicted);
    expect(f.encoder).toBeCloseTo(1.7, 12);
    expect(f.prefill).toBeCloseTo(0.8, 12);
    expect(f.decode).toBeCloseTo(1.25, 12);
    const fitted = applyFit(base, f, { id: 'fitted', source: 'test run' });
    const again = total(fitted);
    expect(again.encoderSec).toBeCloseTo(measured.encoderSec, 9);
    expect(again.prefillSec).toBeCloseTo(measured.prefillSec, 9);
    expect(again.decodeSec).toBeCloseTo(measured.decodeSec, 9);
    expect(fitted.id).toBe('fitted');
    expect(fitted.sources.at(-1)).toMatch(/test run: measured \/ predicted encoder 1\.700, prefill 0\.800/);
    // the base is left alone
    expect(total(base).encoderSec).toBeCloseTo(predicted.encoderSec, 12);
  });

  it('refuses a part that was not measured', () => {
    const p = { encoderSec: 10, prefillSec: 10, decodeSec: 10 };
    expect(() => fitFactors({ ...p, decodeSec: 0 }, p)).toThrow(/decode/);
    expect(() => fitFactors(p, { ...p, encoderSec: Number.NaN })).toThrow(/encoder/);
  });
});

describe('parseCalibration', () => {
  it('reads back what JSON.stringify wrote, and the speed model predicts the same with it', () => {
    const json = JSON.parse(JSON.stringify(DEV_BOX_2CORE_AVX512)) as unknown;
    const cal = parseCalibration(json);
    expect(cal).toEqual(DEV_BOX_2CORE_AVX512);
    const w = { config: CONFIG, weightBytes: cal.weightBytes, audioSec: 59.5, textTokens: 180 };
    expect(windowSeconds({ ...w, calibration: cal })).toEqual(
      windowSeconds({ ...w, calibration: DEV_BOX_2CORE_AVX512 }),
    );
  });

  it('names what is wrong with a file that is not a calibration', () => {
    const good = JSON.parse(JSON.stringify(DEV_BOX_2CORE_AVX512)) as Record<string, unknown>;
    expect(() => parseCalibration([])).toThrow(CalibrationFormatError);
    expect(() => parseCalibration({ ...good, encoderMsPerChunk: { F16: 100 } })).toThrow(/encoderMsPerChunk/);
    expect(() => parseCalibration({ ...good, prefillTokPerSec: { bogus: 3 } })).toThrow(/bogus/);
    expect(() =>
      parseCalibration({ ...good, decodeTokPerSec: { q8_0: [{ depth: 0, tokPerSec: -1 }] } }),
    ).toThrow(/decodeTokPerSec\.q8_0/);
    expect(() => parseCalibration({ ...good, threadScaling: { encoder: 1 } })).toThrow(/threadScaling/);
  });
});
