import { describe, expect, it } from 'vitest';
import { explainGpuFailure, formatBackendSummary, summarizeBackends } from './backends';
import type { NativeBackendCandidate, NativeBackendReport } from './native';

const cand = (
  c: Partial<NativeBackendCandidate> & Pick<NativeBackendCandidate, 'name'>,
): NativeBackendCandidate => ({
  file: `/app/libggml-${c.name}.so`,
  kind: c.name.startsWith('cpu') ? 'cpu' : 'gpu',
  score: -1,
  status: 'loaded',
  detail: '',
  devices: 0,
  ...c,
});

const report = (candidates: NativeBackendCandidate[], cpuVariant: string): NativeBackendReport => ({
  dynamic: true,
  dir: '/app',
  cpuVariant,
  cpuFeatures: ['SSE3', 'AVX2'],
  filter: '',
  candidates,
});

describe('summarizeBackends', () => {
  it('names the variant in use, the runnable ones with their scores and those the CPU lacks', () => {
    const s = summarizeBackends(
      report(
        [
          cand({ name: 'cpu-haswell', score: 59, status: 'loaded', devices: 1 }),
          cand({ name: 'cpu-skylakex', score: 0, status: 'unsupported' }),
          cand({ name: 'cpu-x64', score: 1, status: 'not-best' }),
        ],
        'haswell',
      ),
    );
    expect(s.cpuVariant).toBe('haswell');
    expect(s.cpuIsa).toBe('AVX2 + FMA');
    expect(s.cpuReason).toBe(
      'the best of the 3 CPU variants in this build that this processor runs (haswell 59, x64 1); skylakex needs instructions it lacks',
    );
    expect(s.gpu).toBeNull();
    expect(s.gpuNotice).toBe('Running on the CPU: this build has no GPU backend.');
    expect(s.backends.find((b) => b.name === 'cpu-x64')?.why).toBe(
      'runs here, but cpu-haswell scores higher (x86-64 baseline (SSE2), score 1)',
    );
    expect(s.backends.find((b) => b.name === 'cpu-skylakex')?.why).toBe(
      'needs AVX-512, which this processor lacks',
    );
  });

  it('on an old CPU the baseline is chosen and the AVX2 variant is reported as unsupported', () => {
    const s = summarizeBackends(
      report(
        [
          cand({ name: 'cpu-haswell', score: 0, status: 'unsupported' }),
          cand({ name: 'cpu-x64', score: 1, status: 'loaded', devices: 1 }),
        ],
        'x64',
      ),
    );
    expect(s.cpuVariant).toBe('x64');
    expect(s.cpuReason).toContain('(x64 1); haswell needs instructions it lacks');
  });

  it('says why each GPU backend is not used, and uses the one that loaded', () => {
    const cpu = cand({ name: 'cpu-x64', score: 1, status: 'loaded', devices: 1 });
    const noDriver = summarizeBackends(
      report(
        [
          cand({
            name: 'cuda',
            status: 'failed',
            detail: 'libcuda.so.1: cannot open shared object file: No such file or directory',
          }),
          cand({ name: 'vulkan', status: 'no-device', detail: '' }),
          cpu,
        ],
        'x64',
      ),
    );
    expect(noDriver.gpu).toBeNull();
    expect(noDriver.gpuNotice).toBe(
      'Running on the CPU: CUDA: no NVIDIA driver found (libcuda / nvcuda missing): libcuda.so.1: cannot open shared object file: No such file or directory; Vulkan found no usable GPU.',
    );
    const withGpu = summarizeBackends(
      report([cand({ name: 'vulkan', status: 'loaded', devices: 1 }), cpu], 'x64'),
    );
    expect(withGpu.gpu).toBe('Vulkan');
    expect(withGpu.gpuNotice).toBeNull();
    expect(formatBackendSummary(withGpu)[1]).toBe('GPU backend: Vulkan');
  });

  it('reports a CPU backend that could not be loaded instead of inventing one', () => {
    const s = summarizeBackends(
      report(
        [cand({ name: 'cpu-x64', status: 'failed', detail: 'libgomp.so.1: cannot open shared object file' })],
        '',
      ),
    );
    expect(s.cpuVariant).toBe('none');
    expect(s.cpuReason).toBe(
      'no CPU variant could be loaded (cpu-x64: libgomp.so.1: cannot open shared object file)',
    );
  });

  it('a static build says so', () => {
    const s = summarizeBackends({ ...report([cand({ name: 'cpu', devices: 1 })], 'static'), dynamic: false });
    expect(s.cpuVariant).toBe('static');
    expect(s.cpuReason).toContain('compiled in');
    expect(formatBackendSummary(s)[0]).toMatch(/^CPU backend: static \(compiled into the addon\)/);
  });

  it("names the VAD's runtime and why, last", () => {
    const s = summarizeBackends(report([cand({ name: 'cpu', devices: 1 })], 'static'));
    expect(formatBackendSummary(s).some((l) => l.startsWith('VAD runtime'))).toBe(false);
    const wasm = {
      ...s,
      vad: { runtime: 'wasm' as const, reason: 'onnxruntime-node has no darwin-x64 binary' },
    };
    expect(formatBackendSummary(wasm).at(-1)).toBe(
      'VAD runtime: onnxruntime-web (WebAssembly, one thread) — onnxruntime-node has no darwin-x64 binary',
    );
  });

  it('explains a turned-off GPU backend', () => {
    expect(
      explainGpuFailure({ name: 'cuda', status: 'disabled', detail: 'left out by ROTORSCRIBE_BACKENDS=cpu' }),
    ).toBe('CUDA turned off (left out by ROTORSCRIBE_BACKENDS=cpu)');
  });
});
