/** Hardware profiles the advisor is tested against (recorded shapes of real machines, memory in bytes). */
import type { HardwareInfo, RunConfig } from '@common/advisor-types';

const GiB = 1024 ** 3;

function machine(
  ramGiB: number,
  freeGiB: number,
  physicalCores: number,
  extra: Partial<HardwareInfo> = {},
): HardwareInfo {
  return {
    os: { platform: 'linux', release: '6.1.0', arch: 'x64' },
    cpu: {
      model: 'Test CPU',
      physicalCores,
      logicalCores: physicalCores * 2,
      simd: ['sse4_2', 'avx2', 'fma'],
    },
    ram: { totalBytes: ramGiB * GiB, freeBytes: freeGiB * GiB },
    devices: [],
    unifiedMemory: false,
    deviceSource: 'runtime',
    ...extra,
  };
}

export const PROFILES = {
  /** 8 GB laptop, no GPU, a browser open. */
  cpu8: machine(8, 6, 4),
  /** 16 GB Apple Silicon: one pool shared by CPU and GPU. */
  apple16: machine(16, 11, 8, {
    os: { platform: 'darwin', release: '24.1.0', arch: 'arm64' },
    cpu: { model: 'Apple M2', physicalCores: 8, logicalCores: 8, simd: ['neon', 'dotprod'] },
    devices: [
      { name: 'Metal', description: 'Apple M2', kind: 'unified', totalBytes: 12 * GiB, freeBytes: 12 * GiB },
    ],
    unifiedMemory: true,
  }),
  /** Gaming laptop: 6 GB VRAM GPU + 16 GB RAM. */
  laptop6: machine(16, 12, 6, {
    devices: [
      {
        name: 'CUDA0',
        description: 'NVIDIA GeForce RTX 3060 Laptop GPU',
        kind: 'gpu',
        totalBytes: 6 * GiB,
        freeBytes: 5.5 * GiB,
      },
    ],
  }),
  /** Desktop with a 24 GB GPU. */
  desktop24: machine(32, 24, 8, {
    devices: [
      {
        name: 'CUDA0',
        description: 'NVIDIA GeForce RTX 4090',
        kind: 'gpu',
        totalBytes: 24 * GiB,
        freeBytes: 23 * GiB,
      },
    ],
  }),
  /** 4 GB machine: cannot hold the model. */
  ram4: machine(4, 2.5, 2),
} satisfies Record<string, HardwareInfo>;

/** A CPU plan at the reference token rate (the speed model's tests vary it field by field). */
export const CPU_RUN_CONFIG: Readonly<RunConfig> = Object.freeze({
  weights: 'Q4_K_M',
  kvTypeK: 'q8_0',
  kvTypeV: 'q8_0',
  windowSeconds: 60,
  parallelWindows: 1,
  gpuLayers: 0,
  threads: 2,
  flashAttention: true,
  tokenRate: 'reference',
});
