/** Case i of a seeded fuzz run: which corpus seed, which mutations, and what the real code made of it. */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CorpusSeed, SeedKind } from './corpus';
import { type Mutation, mutate, seeded } from './mutate';
import { type Outcome, runGgufCase, runMediaCase } from './run-case';

export interface CaseResult {
  i: number;
  kind: SeedKind;
  seedName: string;
  mutations: Mutation[];
  outcome: Outcome;
  ms: number;
}

export interface RunOptions {
  seed: number;
  /** Cases [from, to). */
  from: number;
  to: number;
  /** Wall-time bound of one case; over it is a hang. */
  boundMs: number;
  /** Where case files are written; failing inputs are kept in `findings/` below it. */
  workDir: string;
  /** Probe before decoding, as a dropped file is (decode alone probes only when nothing decodes). */
  probe: boolean;
  onResult?: (result: CaseResult) => void;
}

/** A result that breaks the contract (every case ends in usable PCM or a coded error, in time). */
export function isFinding(o: Outcome): boolean {
  return o.kind === 'hang' || o.kind === 'exception' || (o.kind === 'error' && o.code === 'INTERNAL');
}

/**
 * The order seeds take turns in: media and GGUF alternate, so half the cases are GGUF headers (cheap to check)
 * and every media format comes round every twelve cases.
 */
export function schedule(seeds: CorpusSeed[]): CorpusSeed[] {
  const media = seeds.filter((s) => s.kind !== 'gguf');
  const gguf = seeds.filter((s) => s.kind === 'gguf');
  if (gguf.length === 0) return media;
  return media.flatMap((m, i) => [m, gguf[i % gguf.length]!]);
}

export async function runCases(seeds: CorpusSeed[], opts: RunOptions): Promise<CaseResult[]> {
  await mkdir(join(opts.workDir, 'findings'), { recursive: true });
  const results: CaseResult[] = [];
  const turns = schedule(seeds);
  for (let i = opts.from; i < opts.to; i++) {
    const seed = turns[i % turns.length]!;
    const rand = seeded((opts.seed * 1_000_003 + i) >>> 0);
    const { bytes, applied } = mutate(seed.bytes, rand, seed.focus);
    const ext = seed.kind === 'gguf' ? 'gguf' : seed.kind;
    const path = join(opts.workDir, `case.${ext}`);
    const t0 = performance.now();
    let outcome: Outcome;
    if (seed.kind === 'gguf') {
      outcome = await runGgufCase(path, bytes, (seed.fileSize ?? seed.bytes.length) - seed.bytes.length);
    } else {
      await writeFile(path, bytes);
      outcome = await runMediaCase(path, opts.boundMs, opts.probe);
    }
    const result: CaseResult = {
      i,
      kind: seed.kind,
      seedName: seed.name,
      mutations: applied,
      outcome,
      ms: Math.round(performance.now() - t0),
    };
    if (isFinding(outcome)) await copyFile(path, join(opts.workDir, 'findings', `case-${i}.${ext}`));
    results.push(result);
    opts.onResult?.(result);
  }
  return results;
}

export interface Summary {
  cases: number;
  byKind: Record<string, number>;
  /** ok cases per kind that gave PCM (media) or passed (GGUF). */
  ok: number;
  errorCodes: Record<string, number>;
  hangs: number;
  exceptions: number;
  internal: number;
  hostCrashes: number;
  maxCaseMs: number;
  findings: number[];
}

export function summarize(results: CaseResult[], hostCrashes: number[] = []): Summary {
  const byKind: Record<string, number> = {};
  const errorCodes: Record<string, number> = {};
  let ok = 0;
  let hangs = 0;
  let exceptions = 0;
  let internal = 0;
  let maxCaseMs = 0;
  for (const r of results) {
    byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    maxCaseMs = Math.max(maxCaseMs, r.ms);
    const o = r.outcome;
    if (o.kind === 'ok') ok++;
    else if (o.kind === 'hang') hangs++;
    else if (o.kind === 'exception') exceptions++;
    else {
      errorCodes[o.code] = (errorCodes[o.code] ?? 0) + 1;
      if (o.code === 'INTERNAL') internal++;
    }
  }
  return {
    cases: results.length + hostCrashes.length,
    byKind,
    ok,
    errorCodes,
    hangs,
    exceptions,
    internal,
    hostCrashes: hostCrashes.length,
    maxCaseMs,
    findings: [...results.filter((r) => isFinding(r.outcome)).map((r) => r.i), ...hostCrashes].sort(
      (a, b) => a - b,
    ),
  };
}
