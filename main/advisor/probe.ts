/**
 * Hardware probe: the I/O around probe-parse.ts. Every source is best-effort; a failing one degrades to what
 * Node's `os` module knows, never to an error.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { EngineBackend, HardwareInfo } from '@common/advisor-types';
import {
  isUnifiedMemory,
  parseCpuinfo,
  parseSysctl,
  parseVmStat,
  toComputeDevices,
  type CpuFacts,
  type RuntimeDevice,
} from './probe-parse';

export interface ProbeDeps {
  /** The runtime's device list (ggml backends); absent or failing → CPU-only. */
  listDevices?: () => Promise<readonly RuntimeDevice[]>;
  /** What the engine loaded, asked after listDevices answered (the same worker answer carries it). */
  engineBackend?: () => Promise<EngineBackend | undefined>;
  platform?: NodeJS.Platform;
  arch?: string;
  readText?: (path: string) => Promise<string>;
  run?: (cmd: string, args: string[]) => Promise<string>;
}

function runCommand(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 3000, maxBuffer: 1 << 20 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

function fromOs(): CpuFacts {
  const cpus = os.cpus();
  const logical = Math.max(1, cpus.length || os.availableParallelism());
  return {
    model: cpus[0]?.model.trim() || 'unknown CPU',
    physicalCores: logical,
    logicalCores: logical,
    simd: [],
  };
}

async function cpuFacts(
  platform: string,
  readText: (p: string) => Promise<string>,
  run: ProbeDeps['run'] & object,
): Promise<CpuFacts> {
  try {
    if (platform === 'linux') return parseCpuinfo(await readText('/proc/cpuinfo'));
    if (platform === 'darwin')
      return parseSysctl(
        await run('sysctl', ['machdep.cpu', 'hw.physicalcpu', 'hw.logicalcpu', 'hw.optional']),
      );
  } catch {
    // fall through to os.cpus()
  }
  // Windows and anything unreadable: no physical/logical split or SIMD flags without native calls
  return fromOs();
}

export async function probeHardware(deps: ProbeDeps = {}): Promise<HardwareInfo> {
  const platform = deps.platform ?? process.platform;
  const arch = deps.arch ?? process.arch;
  const readText = deps.readText ?? ((p: string) => readFile(p, 'utf8'));
  const run = deps.run ?? runCommand;
  const unified = isUnifiedMemory(platform, arch);

  const [cpu, devices, macFree] = await Promise.all([
    cpuFacts(platform, readText, run),
    deps.listDevices
      ? deps.listDevices().then(
          (d) => ({ ok: true as const, d }),
          () => ({ ok: false as const }),
        )
      : Promise.resolve({ ok: false as const }),
    platform === 'darwin'
      ? run('vm_stat', []).then(parseVmStat, () => undefined)
      : Promise.resolve(undefined),
  ]);
  const backend =
    devices.ok && deps.engineBackend ? await deps.engineBackend().catch(() => undefined) : undefined;
  const totalBytes = os.totalmem();
  let computeDevices = devices.ok ? toComputeDevices(devices.d, unified) : [];
  if (unified && computeDevices.length === 0) {
    // every Apple Silicon Mac has a Metal GPU; until the runtime reports it, assume Metal's default working-set cap
    computeDevices = [
      {
        name: 'Metal',
        description: 'Apple GPU (assumed)',
        kind: 'unified',
        totalBytes: totalBytes * 0.75,
        freeBytes: totalBytes * 0.75,
        // what upstream Metal has SET_ROWS and FLASH_ATTN_EXT kernels for; the RotorQuant types have none there yet
        kvTypes: ['f32', 'f16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1'],
      },
    ];
  }
  const freeBytes = Math.min(totalBytes, Math.max(os.freemem(), macFree ?? 0));
  return {
    os: { platform, release: os.release(), arch },
    cpu,
    ram: { totalBytes, freeBytes },
    devices: computeDevices,
    unifiedMemory: unified,
    deviceSource: devices.ok ? 'runtime' : 'fallback',
    ...(backend ? { backend } : {}),
  };
}
