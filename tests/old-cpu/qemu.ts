/**
 * Runs Node (and so the engine addon) on an emulated old x86-64 CPU with Debian's qemu-user: the proof that one
 * build runs on any CPU of its architecture (issue 24). qemu-x86_64 -cpu <model> gives the emulated program exactly
 * that model's CPUID and raises SIGILL on any instruction the model lacks, so an AVX instruction anywhere on the path
 * (addon, ggml's static initialisers, a wrongly chosen CPU variant) ends the run instead of passing silently.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Intel Nehalem (2008): SSE4.2, POPCNT; no AVX, AVX2, FMA, F16C, BMI2. */
export const OLD_CPU = 'Nehalem';

export function findQemu(): string | undefined {
  if (process.arch !== 'x64' || process.platform !== 'linux') return undefined;
  const r = spawnSync('sh', ['-c', 'command -v qemu-x86_64'], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path ? path : undefined;
}

/**
 * An executable that runs the real Node under qemu with the old CPU. Put in `process.execPath`, it makes
 * child_process.fork() (the engine host's worker) start the worker emulated too; each start appends a line to `log`.
 */
export function qemuNodeWrapper(qemu: string, cpu = OLD_CPU): { path: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rotorscribe-qemu-'));
  const path = join(dir, 'node-on-old-cpu');
  const log = join(dir, 'starts.log');
  writeFileSync(
    path,
    `#!/bin/sh\necho "$$ $*" >> '${log}'\nexec '${qemu}' -cpu ${cpu} '${process.execPath}' "$@"\n`,
  );
  chmodSync(path, 0o755);
  return { path, log };
}
