/**
 * Fuzzing the untrusted-input parsers: seeded mutations of real WAV/MP3/M4A/Opus/FLAC/MP4 files and GGUF headers
 * go through the real media front end (probe + decode, FFmpeg as WebAssembly in its worker) and the GGUF checks.
 * Every case must end in usable PCM or a coded RotorError within the bound, with the host process alive.
 *
 *   npm run fuzz -- --cases 20000 [--seed 1] [--bound-ms 30000] [--probe]
 *
 * Half the cases are GGUF headers, half media files spread over the six formats. Media cases decode (the decoder
 * probes by itself when nothing decodes); --probe also probes every file first, as the app does with a dropped
 * file, at twice the cost.
 *
 * The cases run in a child process that this one supervises: if the host dies (a native crash would kill it), the
 * case is counted as a host crash and the run continues in a fresh child from the next case. Inputs that break the
 * contract are kept in .cache/fuzz/work-<seed>/findings/. Prints a progress line now and then and a JSON summary at the end;
 * every result goes to .cache/fuzz/results-<seed>.jsonl and the summary so far to .cache/fuzz/summary-<seed>.json as
 * the run goes (a run cut short still has its figures).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CaseResult, runCases, summarize } from './cases';
import { buildCorpus } from './corpus';

const SELF = fileURLToPath(import.meta.url);
const CACHE = resolve(SELF, '..', '..', '..', '.cache', 'fuzz');

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  const value = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isFinite(value)) throw new Error(`${name} needs a number`);
  return value;
}

/** Runs cases [from, to) in a child; resolves with the index it stopped at (to when it finished). */
function runChild(
  from: number,
  to: number,
  seed: number,
  boundMs: number,
  probe: boolean,
  onResult: (r: CaseResult) => void,
): Promise<{ next: number; crashed: boolean; detail: string }> {
  const args = ['--import', 'tsx', SELF, '--child', String(from), String(to), String(seed), String(boundMs)];
  if (probe) args.push('--probe');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let next = from;
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (t: string) => (stderr = (stderr + t).slice(-4000)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const r = JSON.parse(line) as CaseResult;
    next = r.i + 1;
    onResult(r);
  });
  return new Promise((res) => {
    child.once('close', (code, signal) => {
      const crashed = next < to || code !== 0;
      res({
        next,
        crashed,
        detail: `exit ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
      });
    });
  });
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') {
    const [from, to, seed, boundMs] = argv.slice(1, 5).map(Number) as [number, number, number, number];
    const seeds = await buildCorpus(join(CACHE, 'corpus'));
    await runCases(seeds, {
      seed,
      from,
      to,
      boundMs,
      workDir: join(CACHE, `work-${seed}`),
      probe: argv.includes('--probe'),
      onResult: (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    });
    return;
  }
  const cases = option(argv, '--cases', 1000);
  const seed = option(argv, '--seed', 1);
  const boundMs = option(argv, '--bound-ms', 30_000);
  const probe = argv.includes('--probe');
  // build the corpus once here, so children only read it
  await buildCorpus(join(CACHE, 'corpus'));
  const results: CaseResult[] = [];
  const crashes: number[] = [];
  const t0 = performance.now();
  mkdirSync(CACHE, { recursive: true });
  const log = join(CACHE, `results-${seed}.jsonl`);
  const summaryFile = join(CACHE, `summary-${seed}.json`);
  writeFileSync(log, '');
  const report = (): object => {
    const summary = summarize(results, crashes);
    const media = results.filter((r) => r.kind !== 'gguf');
    return {
      fuzz: 'untrusted-input',
      seed,
      boundMs,
      probe,
      wallSec: Math.round((performance.now() - t0) / 1000),
      distinctErrorCodes: Object.keys(summary.errorCodes).length,
      mediaCaseMsMedian: media.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(media.length / 2)] ?? null,
      ...summary,
    };
  };
  let from = 0;
  let lastReport = 0;
  while (from < cases) {
    const run = await runChild(from, cases, seed, boundMs, probe, (r) => {
      results.push(r);
      appendFileSync(log, JSON.stringify(r) + '\n');
      if (results.length - lastReport >= 500) {
        lastReport = results.length;
        writeFileSync(summaryFile, JSON.stringify(report(), null, 1));
        const s = summarize(results, crashes);
        console.error(
          `${results.length}/${cases} cases, ${((performance.now() - t0) / 1000).toFixed(0)} s: ` +
            `${s.ok} ok, ${s.hangs} hangs, ${s.exceptions} exceptions, ${s.internal} internal, ${s.hostCrashes} host crashes`,
        );
      }
    });
    if (run.crashed) {
      crashes.push(run.next);
      console.error(`host crash at case ${run.next}: ${run.detail}`);
      appendFileSync(log, JSON.stringify({ i: run.next, hostCrash: run.detail }) + '\n');
      from = run.next + 1;
    } else {
      from = run.next;
    }
  }
  const summary = summarize(results, crashes);
  const final = report();
  writeFileSync(summaryFile, JSON.stringify(final, null, 1));
  console.log(JSON.stringify(final, null, 1));
  if (summary.findings.length > 0) process.exitCode = 1;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
