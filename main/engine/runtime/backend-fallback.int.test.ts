/**
 * The GPU fallback with its honest notice (issue 24), on the built addon: a copy of its folder gets stand-in GPU
 * backend libraries — one that needs an NVIDIA driver this machine does not have (libcuda.so.1), one that opens but
 * says it cannot run here (score 0) — and the addon must still load, run on the best CPU variant, and say for each
 * GPU library why it is not used. Linux only (the stand-ins are ELF libraries built with the system's cc).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarizeBackends } from './backends';
import { resolveAddonPath, type NativeBackendReport } from './native';

const cc = spawnSync('sh', ['-c', 'command -v cc'], { encoding: 'utf8' }).stdout.trim();
let addonDir = '';
try {
  addonDir = dirname(resolveAddonPath());
} catch {
  addonDir = '';
}
const dynamic = addonDir !== '' && readdirSync(addonDir).some((f) => /^libggml-cpu(-.+)?\.so$/.test(f));

describe.skipIf(process.platform !== 'linux' || !cc || !dynamic)(
  'GPU backend libraries that cannot run here',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-backends-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function build(name: string, source: string, args: string[] = []): void {
      writeFileSync(join(dir, `${name}.c`), source);
      const r = spawnSync(cc, ['-shared', '-fPIC', '-o', join(dir, name), join(dir, `${name}.c`), ...args], {
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
    }

    function report(env: NodeJS.ProcessEnv = {}): NativeBackendReport {
      const script = `const a = require(${JSON.stringify(join(dir, 'rotorscribe.node'))}); console.log(JSON.stringify(a.backends()));`;
      const r = spawnSync(process.execPath, ['-e', script], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as NativeBackendReport;
    }

    it('loads on the CPU and says why each GPU library is not used', () => {
      for (const f of readdirSync(addonDir)) {
        if (f === 'rotorscribe.node' || /^lib.*\.so$/.test(f)) copyFileSync(join(addonDir, f), join(dir, f));
      }
      // "CUDA": linked against a driver library (soname libcuda.so.1) that is then taken away, as on a machine
      // without the NVIDIA driver
      build('libcuda.so.1', 'int cuInit(unsigned f) { return (int) f; }\n', ['-Wl,-soname,libcuda.so.1']);
      build(
        'libggml-cuda.so',
        'extern int cuInit(unsigned);\nint ggml_backend_score(void) { return cuInit(0) + 1; }\nvoid * ggml_backend_init(void) { return 0; }\n',
        [`-L${dir}`, '-l:libcuda.so.1'],
      );
      rmSync(join(dir, 'libcuda.so.1'));
      // "Vulkan": opens, but its score says this machine cannot run it
      build(
        'libggml-vulkan.so',
        'int ggml_backend_score(void) { return 0; }\nvoid * ggml_backend_init(void) { return 0; }\n',
      );

      const r = report();
      const byName = new Map(r.candidates.map((c) => [c.name, c]));
      expect(byName.get('cuda')).toMatchObject({ kind: 'gpu', status: 'failed' });
      expect(byName.get('cuda')!.detail).toMatch(/libcuda\.so\.1: cannot open shared object file/);
      expect(byName.get('vulkan')).toMatchObject({ kind: 'gpu', status: 'unsupported', score: 0 });
      expect(r.cpuVariant).not.toBe('');
      expect(r.candidates.filter((c) => c.kind === 'cpu' && c.status === 'loaded')).toHaveLength(1);

      const s = summarizeBackends(r);
      expect(s.gpu).toBeNull();
      expect(s.gpuNotice).toMatch(
        /^Running on the CPU: CUDA: no NVIDIA driver found \(libcuda \/ nvcuda missing\)/,
      );
      expect(s.gpuNotice).toContain('Vulkan cannot run on this machine');
    });

    it('ROTORSCRIBE_BACKENDS=cpu leaves the GPU libraries out and says so', () => {
      const r = report({ ROTORSCRIBE_BACKENDS: 'cpu' });
      for (const name of ['cuda', 'vulkan']) {
        expect(r.candidates.find((c) => c.name === name)).toMatchObject({ status: 'disabled' });
      }
      expect(summarizeBackends(r).gpuNotice).toContain(
        'CUDA turned off (left out by ROTORSCRIBE_BACKENDS=cpu)',
      );
    });
  },
);
