import { describe, expect, it } from 'vitest';
import { advisorReportSchema, evaluateResultSchema } from '@common/advisor-types';
import { check } from '@common/schema';
import { createAdvisorService } from './service';
import { PROFILES } from './test-profiles';

describe('advisor service', () => {
  it('returns reports and evaluations that pass the IPC validators', async () => {
    const service = createAdvisorService({ hardware: PROFILES.laptop6 });
    const report = await service.getReport();
    const checked = check(advisorReportSchema, report);
    expect(checked.ok ? 'ok' : checked.problem).toBe('ok');
    const result = await service.evaluate({ kvTypeK: 'f16', kvTypeV: 'f16' });
    const r2 = check(evaluateResultSchema, result);
    expect(r2.ok ? 'ok' : r2.problem).toBe('ok');
    expect(result.estimate.config.kvTypeK).toBe('f16');
    expect(result.estimate.config.windowSeconds).toBe(report.recommendation.config.windowSeconds);
  });

  it('re-probes after maxAge and attaches the last measurement', async () => {
    let t = 0;
    let probes = 0;
    const service = createAdvisorService({
      maxAgeMs: 1000,
      now: () => t,
      platform: 'linux',
      readText: async () => {
        probes++;
        return 'processor : 0\nmodel name : X\n';
      },
    });
    await service.getReport();
    await service.getReport();
    expect(probes).toBe(1);
    t = 5000;
    const report = await service.getReport();
    expect(probes).toBe(2);
    expect(report.measured).toBeUndefined();
    const c = report.recommendation.config;
    const b = { weights: 1, mmproj: 2, kv: 3, computeDecoder: 4, computeEncoder: 0, overhead: 0 };
    service.setMeasured({ config: c, nCtx: 2048, predicted: b, measured: b, reported: ['weights', 'kv'] });
    const withMeasured = await service.getReport();
    expect(withMeasured.measured?.nCtx).toBe(2048);
    expect(check(advisorReportSchema, withMeasured).ok).toBe(true);
  });
});

describe('advisor service: cache types asked for lazily', () => {
  const avail = (report: { kvTypes: { type: string; available: boolean }[] }, type: string) =>
    report.kvTypes.find((k) => k.type === type)?.available;

  it('uses the types a function resolves to', async () => {
    const service = createAdvisorService({
      hardware: PROFILES.laptop6,
      supportedKvTypes: async () => ['f16', 'q8_0', 'q4_0'],
    });
    const report = await service.getReport();
    expect(avail(report, 'q8_0')).toBe(true);
    expect(avail(report, 'iso3')).toBe(false);
  });

  it('keeps every type listed when the function rejects', async () => {
    const service = createAdvisorService({
      hardware: PROFILES.laptop6,
      supportedKvTypes: () => Promise.reject(new Error('engine down')),
    });
    const report = await service.getReport();
    expect(avail(report, 'iso3')).toBe(true);
    expect(avail(report, 'f16')).toBe(true);
  });
});
