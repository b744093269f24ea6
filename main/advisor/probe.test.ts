import { describe, expect, it } from 'vitest';
import {
  isUnifiedMemory,
  parseCpuinfo,
  parseSysctl,
  parseVmStat,
  summarizeHardware,
  toComputeDevices,
} from './probe-parse';
import { hardwareInfoSchema } from '@common/advisor-types';
import { check } from '@common/schema';
import { probeHardware } from './probe';

// Recorded (trimmed) outputs of real machines.
const X86_HT = [0, 1, 2, 3]
  .map(
    (i) => `processor\t: ${i}
vendor_id\t: GenuineIntel
model name\t: Intel(R) Core(TM) i7-8550U CPU @ 1.80GHz
physical id\t: 0
siblings\t: 4
core id\t\t: ${i % 2}
cpu cores\t: 2
flags\t\t: fpu vme pni ssse3 fma sse4_1 sse4_2 avx f16c avx2 hypervisor
`,
  )
  .join('\n');

const ARM_LINUX = `processor\t: 0
BogoMIPS\t: 108.00
Features\t: fp asimd evtstrm crc32 cpuid asimddp
CPU implementer\t: 0x41
CPU part\t: 0xd0b

processor\t: 1
BogoMIPS\t: 108.00
Features\t: fp asimd evtstrm crc32 cpuid asimddp

Hardware\t: BCM2835
Model\t\t: Raspberry Pi 5 Model B Rev 1.0
`;

const MAC_SYSCTL = `machdep.cpu.brand_string: Apple M2
machdep.cpu.core_count: 8
hw.physicalcpu: 8
hw.logicalcpu: 8
hw.optional.neon: 1
hw.optional.arm.FEAT_DotProd: 1
hw.optional.arm.FEAT_I8MM: 0
hw.optional.arm.FEAT_FP16: 1
`;

const VM_STAT = `Mach Virtual Memory Statistics: (page size of 16384 bytes)
Pages free:                               12000.
Pages active:                            400000.
Pages inactive:                          300000.
Pages speculative:                         8000.
Pages throttled:                              0.
Pages wired down:                        150000.
Pages purgeable:                           5000.
`;

describe('probe parsers', () => {
  it('counts physical cores from (physical id, core id) pairs and maps x86 flags', () => {
    const cpu = parseCpuinfo(X86_HT);
    expect(cpu).toMatchObject({
      model: 'Intel(R) Core(TM) i7-8550U CPU @ 1.80GHz',
      physicalCores: 2,
      logicalCores: 4,
    });
    expect(cpu.simd).toEqual(['sse3', 'ssse3', 'fma', 'sse4_1', 'sse4_2', 'avx', 'f16c', 'avx2']);
  });

  it('reads ARM Linux (no physical ids, Features line)', () => {
    const cpu = parseCpuinfo(ARM_LINUX);
    expect(cpu).toMatchObject({ model: 'Raspberry Pi 5 Model B Rev 1.0', physicalCores: 2, logicalCores: 2 });
    expect(cpu.simd).toEqual(['neon', 'dotprod']);
  });

  it('reads macOS sysctl and vm_stat', () => {
    const cpu = parseSysctl(MAC_SYSCTL);
    expect(cpu).toMatchObject({ model: 'Apple M2', physicalCores: 8, logicalCores: 8 });
    expect(cpu.simd.sort()).toEqual(['dotprod', 'fp16', 'neon']);
    expect(parseVmStat(VM_STAT)).toBe((12000 + 300000 + 8000 + 5000) * 16384);
    expect(parseVmStat('garbage')).toBeUndefined();
  });

  it('recognises unified memory and keeps only accelerators', () => {
    expect(isUnifiedMemory('darwin', 'arm64')).toBe(true);
    expect(isUnifiedMemory('darwin', 'x64')).toBe(false);
    expect(isUnifiedMemory('linux', 'arm64')).toBe(false);
    const devs = toComputeDevices(
      [
        { name: 'CPU', description: 'AMD EPYC', type: 'cpu', totalBytes: 1, freeBytes: 1 },
        { name: 'CUDA0', description: 'RTX 4090', type: 'gpu', totalBytes: 24e9, freeBytes: 23e9 },
        { name: 'Vulkan1', description: 'Radeon 780M', type: 'igpu', totalBytes: 8e9, freeBytes: 7e9 },
      ],
      false,
    );
    expect(devs.map((d) => [d.name, d.kind])).toEqual([
      ['CUDA0', 'gpu'],
      ['Vulkan1', 'unified'],
    ]);
  });
});

describe('probeHardware with recorded sources', () => {
  it('uses the runtime device list when it answers', async () => {
    const hw = await probeHardware({
      platform: 'linux',
      arch: 'x64',
      readText: async () => X86_HT,
      listDevices: async () => [
        { name: 'CUDA0', description: 'RTX 3060 Laptop', type: 'gpu', totalBytes: 6e9, freeBytes: 5.5e9 },
      ],
    });
    expect(hw.cpu.physicalCores).toBe(2);
    expect(hw.deviceSource).toBe('runtime');
    expect(hw.devices).toHaveLength(1);
    expect(hw.unifiedMemory).toBe(false);
    expect(hw.ram.freeBytes).toBeLessThanOrEqual(hw.ram.totalBytes);
    expect(summarizeHardware(hw).join('\n')).toMatch(/GPU: CUDA0 RTX 3060 Laptop, 5.5 GB free of 6.0 GB/);
  });

  it('falls back to CPU only when the runtime fails, and to os.cpus() when cpuinfo is unreadable', async () => {
    const hw = await probeHardware({
      platform: 'linux',
      arch: 'x64',
      readText: async () => {
        throw new Error('EACCES');
      },
      listDevices: async () => {
        throw new Error('addon not built');
      },
    });
    expect(hw.deviceSource).toBe('fallback');
    expect(hw.devices).toEqual([]);
    expect(hw.cpu.logicalCores).toBeGreaterThan(0);
    expect(summarizeHardware(hw).join('\n')).toMatch(/GPU: none found \(runtime not loaded/);
  });

  it('carries what the engine loaded only when the runtime answered', async () => {
    const backend = {
      cpuVariant: 'x64',
      cpuIsa: 'SSE2',
      cpuReason: 'only one runs',
      gpu: null,
      gpuNotice: 'none',
    };
    const base = { platform: 'linux' as const, arch: 'x64', readText: async () => X86_HT };
    const answered = await probeHardware({
      ...base,
      listDevices: async () => [],
      engineBackend: async () => backend,
    });
    expect(answered.backend).toEqual(backend);
    expect(check(hardwareInfoSchema, answered).ok).toBe(true);
    const failed = await probeHardware({
      ...base,
      listDevices: async () => {
        throw new Error('addon not built');
      },
      engineBackend: async () => backend,
    });
    expect(failed.backend).toBeUndefined();
  });

  it('on Apple Silicon without the runtime assumes Metal on the shared pool', async () => {
    const hw = await probeHardware({
      platform: 'darwin',
      arch: 'arm64',
      run: async (cmd) => (cmd === 'sysctl' ? MAC_SYSCTL : VM_STAT),
    });
    expect(hw.unifiedMemory).toBe(true);
    expect(hw.devices[0]).toMatchObject({ name: 'Metal', kind: 'unified' });
    expect(hw.cpu.model).toBe('Apple M2');
  });
});
