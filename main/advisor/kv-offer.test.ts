import { describe, expect, it } from 'vitest';
import type { HardwareInfo } from '@common/advisor-types';
import type { KvCacheType } from '@common/kv-cache-types';
import type { RuntimeDevice } from '../engine/runtime/facts';
import { VOXTRAL_VARIANTS } from './catalog';
import { engineAdvisorDeps } from './engine-facts';
import { createJobAdvisor, planJob } from './job-config';
import { probeHardware } from './probe';
import {
  KV_QUALITY_ORDER,
  advisorReport,
  cacheTable,
  kvTypeRefusal,
  recommend,
  type AdvisorInput,
} from './recommend';
import { PROFILES } from './test-profiles';

// in the measured order (common/kv-quality.ts: planar3 measured closer to f16 than iso3 on the stage-3 model)
const ROTORQUANT: KvCacheType[] = ['iso4', 'planar4', 'planar3', 'iso3'];
/** What a CUDA, Metal or Vulkan device of today reports: upstream's types only. */
const UPSTREAM_ONLY: KvCacheType[] = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'iq4_nl'];

function withKvTypes(hw: HardwareInfo, kvTypes: KvCacheType[] | undefined): HardwareInfo {
  return { ...hw, devices: hw.devices.map((d) => (kvTypes ? { ...d, kvTypes } : d)) };
}

const input = (hardware: HardwareInfo): AdvisorInput => ({ hardware, variants: VOXTRAL_VARIANTS });

describe('cache types offered per device (issue 23: no abort, ever)', () => {
  it('a 6 GB CUDA laptop gets iso4 while the GPU claims every type, and an upstream type once it reports none of RotorQuant', () => {
    const all = recommend(input(PROFILES.laptop6));
    expect(all.config.gpuLayers).toBeGreaterThan(0);
    expect(ROTORQUANT).toContain(all.config.kvTypeK);

    const inp = input(withKvTypes(PROFILES.laptop6, UPSTREAM_ONLY));
    const r = recommend(inp);
    expect(r.ok).toBe(true);
    expect(r.config.gpuLayers).toBeGreaterThan(0);
    expect(UPSTREAM_ONLY).toContain(r.config.kvTypeK);
    expect(UPSTREAM_ONLY).toContain(r.config.kvTypeV);
    // the reason says which types were left out, where, and why
    expect(r.why).toMatch(
      /Not offered on CUDA0 \(no SET_ROWS \/ FLASH_ATTN_EXT kernels there yet, only on the CPU\): iso4, planar4, planar3, iso3\./,
    );
    // no alternative proposes a type the GPU cannot run
    for (const alt of r.alternatives) {
      if (alt.config.gpuLayers > 0) expect(UPSTREAM_ONLY).toContain(alt.config.kvTypeK);
    }
  });

  it('the report and the cache table mark the types the GPU lacks, with the reason, and the CPU still runs them', () => {
    const inp = input(withKvTypes(PROFILES.desktop24, UPSTREAM_ONLY));
    const report = advisorReport(inp);
    expect(report.recommendation.config.gpuLayers).toBeGreaterThan(0);
    for (const t of report.kvTypes) {
      const lacking = ROTORQUANT.includes(t.type);
      expect(t.available).toBe(!lacking);
      if (lacking)
        expect(t.unavailableReason).toBe(
          `CUDA0 has no ${t.type} kernels (SET_ROWS / FLASH_ATTN_EXT); only the CPU runs it`,
        );
      else expect(t.unavailableReason).toBeUndefined();
    }
    const gpuRows = cacheTable(inp, report.recommendation.config);
    // a row is out when its K or its V is a type the GPU lacks, or when it is a mixed pair (GPUs report K = V only)
    const out = gpuRows.filter((row) => !row.available);
    expect(out.filter((row) => row.kvTypeV === undefined).map((row) => row.kvType)).toEqual(ROTORQUANT);
    for (const row of out.filter((r) => r.kvTypeV !== undefined))
      expect(row.unavailableReason).toMatch(
        /has no (iso|planar)\d kernels|mixed K\/V pairs run on the CPU only/,
      );
    expect(gpuRows.filter((row) => row.available).every((row) => UPSTREAM_ONLY.includes(row.kvType))).toBe(
      true,
    );
    // the same machine planning on the CPU offers every type again
    const cpuRows = cacheTable(inp, { ...report.recommendation.config, gpuLayers: 0 });
    expect(cpuRows.every((row) => row.available && row.unavailableReason === undefined)).toBe(true);
  });

  it('offers everything when the device does not report its types, and names a type missing from the build', () => {
    const inp = input(PROFILES.laptop6);
    for (const t of KV_QUALITY_ORDER) expect(kvTypeRefusal(inp, t, true)).toBeUndefined();
    const noRq: AdvisorInput = { ...inp, supportedKvTypes: ['f16', 'q8_0', 'q4_0'] };
    expect(kvTypeRefusal(noRq, 'iso3', false)).toBe('not built');
    expect(kvTypeRefusal(noRq, 'q8_0', true)).toBeUndefined();
  });

  it('a discrete GPU decides, not an integrated one llama.cpp leaves alone', () => {
    const hw = withKvTypes(PROFILES.desktop24, undefined);
    const mixed: HardwareInfo = {
      ...hw,
      devices: [
        { ...hw.devices[0]!, kvTypes: [...UPSTREAM_ONLY, ...ROTORQUANT] },
        {
          name: 'Vulkan1',
          description: 'integrated',
          kind: 'unified',
          totalBytes: 2 ** 31,
          freeBytes: 2 ** 31,
          kvTypes: UPSTREAM_ONLY,
        },
      ],
    };
    expect(kvTypeRefusal(input(mixed), 'iso3', true)).toBeUndefined();
    const onlyIgpu: HardwareInfo = { ...mixed, devices: [mixed.devices[1]!] };
    expect(kvTypeRefusal(input(onlyIgpu), 'iso3', true)).toMatch(/^Vulkan1 has no iso3 kernels/);
  });

  it('the Metal device assumed without the runtime has no RotorQuant kernels, so Apple plans use an upstream cache', async () => {
    const hw = await probeHardware({
      platform: 'darwin',
      arch: 'arm64',
      run: async () => {
        throw new Error('no sysctl here');
      },
    });
    expect(hw.devices[0]?.name).toBe('Metal');
    const r = recommend(input(hw));
    if (r.config.gpuLayers > 0) expect(UPSTREAM_ONLY).toContain(r.config.kvTypeK);
    for (const t of ROTORQUANT) expect(kvTypeRefusal(input(hw), t, true)).toMatch(/^Metal has no/);
  });

  it('the device types travel from the engine worker to the job plan', async () => {
    const cuda: RuntimeDevice = {
      name: 'CUDA0',
      description: 'NVIDIA GeForce RTX 4090',
      type: 'gpu',
      totalBytes: 24 * 2 ** 30,
      freeBytes: 23 * 2 ** 30,
      kvTypes: UPSTREAM_ONLY,
    };
    const deps = engineAdvisorDeps({
      request: (async () => ({
        source: 'runtime',
        engineHeldBytes: 0,
        devices: [
          {
            id: 'cuda0',
            kind: 'gpu',
            name: cuda.name,
            description: cuda.description,
            type: 'gpu',
            memoryBytes: cuda.totalBytes,
            freeBytes: cuda.freeBytes,
            threads: 0,
            kvTypes: UPSTREAM_ONLY,
          },
        ],
      })) as never,
    });
    expect(await deps.listDevices()).toEqual([cuda]);
    const advisor = await createJobAdvisor({ devices: [cuda] });
    expect(advisor.input.hardware.devices[0]?.kvTypes).toEqual(UPSTREAM_ONLY);
    const { plan } = planJob(advisor);
    expect(advisor.report().recommendation.config.gpuLayers).toBeGreaterThan(0);
    expect(UPSTREAM_ONLY).toContain(plan.kvK);
    expect(UPSTREAM_ONLY).toContain(plan.kvV);
  });
});
