/**
 * Pure parsers for what the hardware probe reads: /proc/cpuinfo (Linux), `sysctl` and `vm_stat` (macOS), and the
 * runtime's device list. Kept apart from the I/O so recorded outputs of real machines can test them.
 */
import type { ComputeDevice, HardwareInfo } from '@common/advisor-types';
import type { RuntimeDevice } from '../engine/runtime/facts';

export type { RuntimeDevice } from '../engine/runtime/facts';

export interface CpuFacts {
  model: string;
  physicalCores: number;
  logicalCores: number;
  simd: string[];
}

/** SIMD features that change which ggml kernels run, named as ggml's CPU backend reports them. */
const X86_FLAGS: Record<string, string> = {
  pni: 'sse3',
  sse3: 'sse3',
  ssse3: 'ssse3',
  sse4_1: 'sse4_1',
  sse4_2: 'sse4_2',
  avx: 'avx',
  avx2: 'avx2',
  fma: 'fma',
  f16c: 'f16c',
  avx_vnni: 'avx_vnni',
  avx512f: 'avx512f',
  avx512bw: 'avx512bw',
  avx512vl: 'avx512vl',
  avx512_vnni: 'avx512_vnni',
  avx512_bf16: 'avx512_bf16',
  amx_tile: 'amx',
};
const ARM_FLAGS: Record<string, string> = {
  asimd: 'neon',
  neon: 'neon',
  asimddp: 'dotprod',
  i8mm: 'i8mm',
  sve: 'sve',
  sve2: 'sve2',
  fphp: 'fp16',
};

function simdFrom(flags: Iterable<string>, table: Record<string, string>): string[] {
  const out = new Set<string>();
  for (const f of flags) {
    const name = table[f.toLowerCase()];
    if (name) out.add(name);
  }
  return [...out];
}

/** /proc/cpuinfo: one block per logical CPU; physical cores = distinct (physical id, core id) pairs. */
export function parseCpuinfo(text: string): CpuFacts {
  const blocks = text.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b));
  const field = (block: string, name: string): string | undefined => {
    const m = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(block);
    return m?.[1]?.trim();
  };
  const first = blocks[0] ?? text;
  const model =
    field(first, 'model name') ??
    field(text, 'Model') ??
    field(first, 'Hardware') ??
    field(text, 'Hardware') ??
    'unknown CPU';
  const cores = new Set<string>();
  for (const b of blocks) {
    const phys = field(b, 'physical id');
    const core = field(b, 'core id');
    if (phys !== undefined && core !== undefined) cores.add(`${phys}:${core}`);
  }
  const logical = Math.max(1, blocks.length);
  const flags = (field(first, 'flags') ?? field(first, 'Features') ?? '').split(/\s+/).filter(Boolean);
  const simd = [...simdFrom(flags, X86_FLAGS), ...simdFrom(flags, ARM_FLAGS)];
  return { model, physicalCores: cores.size > 0 ? cores.size : logical, logicalCores: logical, simd };
}

/** `sysctl machdep.cpu hw.physicalcpu hw.logicalcpu hw.optional hw.memsize` output on macOS. */
export function parseSysctl(text: string): CpuFacts & { memBytes?: number } {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([\w.]+)\s*[:=]\s*(.*)$/.exec(line.trim());
    if (m) values.set(m[1]!, m[2]!.trim());
  }
  const int = (k: string) => {
    const v = Number.parseInt(values.get(k) ?? '', 10);
    return Number.isFinite(v) ? v : undefined;
  };
  const simd = new Set<string>();
  const on = (k: string) => values.get(k) === '1';
  if (on('hw.optional.neon') || on('hw.optional.AdvSIMD')) simd.add('neon');
  if (on('hw.optional.arm.FEAT_DotProd')) simd.add('dotprod');
  if (on('hw.optional.arm.FEAT_I8MM')) simd.add('i8mm');
  if (on('hw.optional.arm.FEAT_FP16') || on('hw.optional.neon_fp16')) simd.add('fp16');
  if (on('hw.optional.arm.FEAT_SME')) simd.add('sme');
  const x86 = `${values.get('machdep.cpu.features') ?? ''} ${values.get('machdep.cpu.leaf7_features') ?? ''}`;
  for (const s of simdFrom(
    x86.split(/\s+/).map((f) => f.replace('.', '_')),
    X86_FLAGS,
  ))
    simd.add(s);
  if (on('hw.optional.avx2_0')) simd.add('avx2');
  if (on('hw.optional.avx512f')) simd.add('avx512f');
  const logical = int('hw.logicalcpu') ?? 1;
  const mem = int('hw.memsize');
  return {
    model: values.get('machdep.cpu.brand_string') ?? 'unknown CPU',
    physicalCores: int('hw.physicalcpu') ?? logical,
    logicalCores: logical,
    simd: [...simd],
    ...(mem !== undefined ? { memBytes: mem } : {}),
  };
}

/**
 * macOS memory the system would hand out without swapping: free + inactive + speculative + purgeable pages
 * (os.freemem() counts only free pages, a small fraction on a machine that has been running a while).
 */
export function parseVmStat(text: string): number | undefined {
  const page = Number(/page size of (\d+) bytes/.exec(text)?.[1] ?? 4096);
  let pages = 0;
  let seen = false;
  for (const name of ['Pages free', 'Pages inactive', 'Pages speculative', 'Pages purgeable']) {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    if (m) {
      pages += Number(m[1]);
      seen = true;
    }
  }
  return seen ? pages * page : undefined;
}

export function isUnifiedMemory(platform: string, arch: string): boolean {
  return platform === 'darwin' && arch === 'arm64';
}

/** Accelerators only (the CPU device is the host itself); on Apple Silicon the GPU shares the RAM pool. */
export function toComputeDevices(devices: readonly RuntimeDevice[], unified: boolean): ComputeDevice[] {
  return devices
    .filter((d) => d.type === 'gpu' || d.type === 'igpu')
    .map((d) => ({
      name: d.name,
      description: d.description,
      kind: unified || d.type === 'igpu' ? 'unified' : 'gpu',
      totalBytes: d.totalBytes,
      freeBytes: d.freeBytes,
      ...(d.kvTypes ? { kvTypes: d.kvTypes } : {}),
    }));
}

export function summarizeHardware(hw: HardwareInfo): string[] {
  const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;
  const lines = [
    `OS: ${hw.os.platform} ${hw.os.release} (${hw.os.arch})`,
    `CPU: ${hw.cpu.model}, ${hw.cpu.physicalCores} cores / ${hw.cpu.logicalCores} threads${hw.cpu.simd.length ? `, ${hw.cpu.simd.join(' ')}` : ''}`,
    `RAM: ${gb(hw.ram.freeBytes)} free of ${gb(hw.ram.totalBytes)}${hw.unifiedMemory ? ' (unified with the GPU)' : ''}`,
  ];
  if (hw.devices.length === 0) {
    lines.push(
      `GPU: none${hw.deviceSource === 'fallback' ? ' found (runtime not loaded: CPU only assumed)' : ''}`,
    );
  }
  for (const d of hw.devices)
    lines.push(
      `GPU: ${d.name} ${d.description}, ${gb(d.freeBytes)} free of ${gb(d.totalBytes)}${d.kind === 'unified' ? ' (shared)' : ''}`,
    );
  return lines;
}
