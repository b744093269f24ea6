/**
 * What the engine runs on and why, in words a person can act on: the CPU variant the addon picked for this processor
 * (one build carries several: native/src/backends.cpp scores them) and the GPU backends that loaded or the reason each
 * one did not. Pure: the addon's report in, a summary out — doctor, the settings panel and the old-CPU check print it.
 */
import type { NativeBackendCandidate, NativeBackendReport } from './native';

/** Instruction sets of ggml's CPU variants, in people's names (the variant's own name means nothing to most). */
const VARIANT_ISA: Record<string, string> = {
  x64: 'x86-64 baseline (SSE2)',
  sse42: 'SSE4.2',
  sandybridge: 'AVX',
  ivybridge: 'AVX + F16C',
  piledriver: 'AVX + F16C + FMA',
  haswell: 'AVX2 + FMA',
  skylakex: 'AVX-512',
  cannonlake: 'AVX-512 + VBMI',
  cascadelake: 'AVX-512 + VNNI',
  icelake: 'AVX-512 + VBMI + VNNI',
  cooperlake: 'AVX-512 + VNNI + BF16',
  zen4: 'AVX-512 + VBMI + VNNI + BF16',
  alderlake: 'AVX2 + AVX-VNNI',
  sapphirerapids: 'AVX-512 + AMX',
  'armv8.0_1': 'ARMv8.0 NEON',
  'armv8.2_1': 'ARMv8.2 + dotprod',
  'armv8.2_2': 'ARMv8.2 + dotprod + fp16',
  'armv8.2_3': 'ARMv8.2 + dotprod + fp16 + SVE',
  'armv8.6_1': 'ARMv8.6 + dotprod + i8mm + SVE',
  'armv8.6_2': 'ARMv8.6 + dotprod + i8mm + SVE2',
  'armv9.2_1': 'ARMv9.2 + i8mm + SME',
  'armv9.2_2': 'ARMv9.2 + i8mm + SVE2 + SME',
  apple_m1: 'Apple M1 (NEON + dotprod)',
  apple_m2_m3: 'Apple M2/M3 (+ i8mm)',
  apple_m4: 'Apple M4 (+ i8mm + SME)',
  native: "this build machine's CPU",
  static: 'compiled into the addon',
};

const GPU_NAMES: Record<string, string> = {
  cuda: 'CUDA',
  vulkan: 'Vulkan',
  metal: 'Metal',
  hip: 'ROCm',
  sycl: 'SYCL',
  opencl: 'OpenCL',
};

const VAD_RUNTIME_NAMES = {
  native: 'onnxruntime-node (native)',
  wasm: 'onnxruntime-web (WebAssembly, one thread)',
  none: 'none',
};

export interface BackendLine {
  name: string;
  kind: 'cpu' | 'gpu';
  status: NativeBackendCandidate['status'];
  /** Why it is (not) in use, in words. */
  why: string;
}

/** Serializable summary (engine worker → doctor, settings). */
export interface BackendSummary {
  /** The CPU variant in use ("haswell", "x64", ...); "none" when no CPU backend loaded. */
  cpuVariant: string;
  /** Its instruction set in people's words. */
  cpuIsa: string;
  /** Why this variant, e.g. "the best of the 2 CPU variants in this build that this processor runs (x64, haswell)". */
  cpuReason: string;
  /** The GPU backend in use ("CUDA", "Vulkan", "Metal"), or null when the engine runs on the CPU only. */
  gpu: string | null;
  /** When no GPU backend is in use: why not (no GPU library in this build, or what each one said). */
  gpuNotice: string | null;
  backends: BackendLine[];
  /** The Silero VAD's ONNX runtime (vad/runtime.ts): native onnxruntime-node or onnxruntime-web's wasm, and why. */
  vad?: { runtime: 'native' | 'wasm' | null; reason: string };
}

export function variantIsa(variant: string): string {
  return VARIANT_ISA[variant] ?? variant;
}

export function gpuName(name: string): string {
  return GPU_NAMES[name] ?? name;
}

/** The loader's message turned into what to do about it; the raw text stays after a colon. */
export function explainGpuFailure(c: Pick<NativeBackendCandidate, 'name' | 'status' | 'detail'>): string {
  const d = c.detail.trim();
  const g = gpuName(c.name);
  if (c.status === 'disabled') return `${g} turned off (${d || 'ROTORSCRIBE_BACKENDS'})`;
  if (c.status === 'no-device') return `${g} found no usable GPU${d ? `: ${d}` : ''}`;
  if (c.status === 'unsupported') return `${g} cannot run on this machine${d ? `: ${d}` : ''}`;
  if (/libcuda\.so|nvcuda\.dll|CUDA driver/i.test(d))
    return `${g}: no NVIDIA driver found (libcuda / nvcuda missing): ${d}`;
  if (/libcudart|libcublas|cudart64|cublas64/i.test(d))
    return `${g}: the CUDA runtime libraries are missing beside the engine: ${d}`;
  if (/vulkan/i.test(d)) return `${g}: no Vulkan loader/driver found: ${d}`;
  return `${g} could not be loaded${d ? `: ${d}` : ''}`;
}

function cpuWhy(c: NativeBackendCandidate, chosen: NativeBackendCandidate | undefined): string {
  const variant = c.name.startsWith('cpu-') ? c.name.slice(4) : c.name === 'cpu' ? 'native' : c.name;
  const isa = variantIsa(variant);
  switch (c.status) {
    case 'loaded':
      return `in use (${isa}, score ${c.score})`;
    case 'not-best':
      return `runs here, but ${chosen ? chosen.name : 'another variant'} scores higher (${isa}, score ${c.score})`;
    case 'unsupported':
      return `needs ${isa}, which this processor lacks`;
    default:
      return c.detail || c.status;
  }
}

export function summarizeBackends(report: NativeBackendReport): BackendSummary {
  const cpus = report.candidates.filter((c) => c.kind === 'cpu');
  const gpus = report.candidates.filter((c) => c.kind === 'gpu');
  const chosen = cpus.find((c) => c.status === 'loaded');
  const runnable = cpus.filter((c) => c.status === 'loaded' || c.status === 'not-best');
  const lacking = cpus.filter((c) => c.status === 'unsupported');
  const cpuVariant = report.dynamic ? report.cpuVariant || 'none' : 'static';
  let cpuReason: string;
  if (!report.dynamic) {
    cpuReason = 'this build has one CPU backend compiled in (no run-time variants)';
  } else if (!chosen) {
    const failed = cpus.map((c) => `${c.name}: ${c.detail || c.status}`).join('; ');
    cpuReason = cpus.length
      ? `no CPU variant could be loaded (${failed})`
      : `no CPU backend library in ${report.dir}`;
  } else if (cpus.length === 1) {
    cpuReason = `the only CPU backend in this build (score ${chosen.score})`;
  } else {
    cpuReason =
      `the best of the ${cpus.length} CPU variants in this build that this processor runs ` +
      `(${runnable.map((c) => `${c.name.replace(/^cpu-/, '')} ${c.score}`).join(', ')})` +
      (lacking.length
        ? `; ${lacking.map((c) => c.name.replace(/^cpu-/, '')).join(', ')} ${lacking.length === 1 ? 'needs' : 'need'} instructions it lacks`
        : '');
  }
  const gpuLoaded = gpus.find((c) => c.status === 'loaded');
  let gpuNotice: string | null = null;
  if (!gpuLoaded) {
    gpuNotice = gpus.length
      ? `Running on the CPU: ${gpus.map(explainGpuFailure).join('; ')}.`
      : report.dynamic
        ? 'Running on the CPU: this build has no GPU backend.'
        : 'Running on the CPU: this build has no GPU backend compiled in.';
  }
  const backends: BackendLine[] = report.candidates.map((c) => ({
    name: c.name,
    kind: c.kind,
    status: c.status,
    why:
      c.kind === 'cpu'
        ? cpuWhy(c, chosen)
        : c.status === 'loaded'
          ? `in use (${c.devices} device${c.devices === 1 ? '' : 's'})`
          : explainGpuFailure(c),
  }));
  return {
    cpuVariant,
    cpuIsa: variantIsa(cpuVariant),
    cpuReason,
    gpu: gpuLoaded ? gpuName(gpuLoaded.name) : null,
    gpuNotice,
    backends,
  };
}

/** Doctor's lines: the CPU variant and why, then the GPU state. */
export function formatBackendSummary(s: BackendSummary): string[] {
  const lines = [`CPU backend: ${s.cpuVariant} (${s.cpuIsa}) — ${s.cpuReason}`];
  lines.push(s.gpu ? `GPU backend: ${s.gpu}` : `GPU backend: none — ${s.gpuNotice ?? 'CPU only'}`);
  for (const b of s.backends) lines.push(`  ${b.name.padEnd(16)} ${b.status.padEnd(11)} ${b.why}`);
  if (s.vad) lines.push(`VAD runtime: ${VAD_RUNTIME_NAMES[s.vad.runtime ?? 'none']} — ${s.vad.reason}`);
  return lines;
}
