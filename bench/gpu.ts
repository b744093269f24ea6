/**
 * npm run bench:gpu [-- --out DIR --arch 90 --stages "bytes ops backend greedy fa model kv bench" --depths 0,4096,16384,32768]
 * npm run bench:gpu -- --from bench/results/gpu-h200-run3      (summarise a run made earlier, e.g. on a CUDA host)
 *
 * The RotorQuant KV cache types on an NVIDIA GPU (issue 23), in one run with one binary: bench/gpu-device.sh builds the
 * patched llama.cpp with CUDA from this checkout's native/patches and runs, in priority order,
 *   - bytes:   SET_ROWS on CUDA0 writes the CPU quantizer's bytes (every RotorQuant type, exact per block);
 *   - ops:     supports_op of CUDA0 for the ops the engine's KV guard probes (so the guard passes there);
 *   - backend: upstream test-backend-ops, CUDA0 vs CPU, every RotorQuant case;
 *   - greedy:  greedy tokens CPU-only vs all layers on CUDA0 per K/V pair (trained small Voxtral, a text prompt);
 *   - fa:      decode-step flash attention alone at Voxtral's shape (µs per layer, effective GB/s);
 *   - model + kv + bench: a real-dimension synthetic Voxtral text model (Q4_K weights, bench/gpu-model.py), the KV bytes
 *              llama.cpp allocates on CUDA0 for 32k cells, and llama-bench decode (tg32) / prefill (pp512) at each depth.
 * This script runs it (unless --from), then prints the tables: decode and prefill tok/s per pair and depth, ratios to
 * f16 and q4_0 from the same run, and the issue's targets (H200: iso3 decode at 32k >= 1.2x f16 and >= 1.8x q4_0, at
 * 16k >= 1.0x f16; prefill at 16k >= 0.9x f16). The whole-engine RTFx on a 1-hour meeting is not part of it: the engine's
 * GPU offload (gpuLayers through the job runner) is another issue's work.
 * Needs: a CUDA toolkit (nvcc), cmake, ninja, python3 with numpy, and node_modules/node-llama-cpp's llama.cpp bundle.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

interface BenchRow {
  gpu: string;
  typeK: string;
  typeV: string;
  nPrompt: number;
  nGen: number;
  depth: number;
  tps: number;
}

export function parseBenchJsonl(text: string): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    const j = JSON.parse(line) as Record<string, unknown>;
    rows.push({
      gpu: String(j.gpu_info),
      typeK: String(j.type_k),
      typeV: String(j.type_v),
      nPrompt: Number(j.n_prompt),
      nGen: Number(j.n_gen),
      depth: Number(j.n_depth),
      tps: Number(j.avg_ts),
    });
  }
  return rows;
}

const pairOf = (r: BenchRow): string => (r.typeK === r.typeV ? r.typeK : `${r.typeK}/${r.typeV}`);

function table(rows: BenchRow[], kind: 'decode' | 'prefill'): string[] {
  const sel = rows.filter((r) => (kind === 'decode' ? r.nGen > 0 : r.nPrompt > 0));
  const depths = [...new Set(sel.map((r) => r.depth))].sort((a, b) => a - b);
  const pairs = [...new Set(sel.map(pairOf))];
  const at = (p: string, d: number): number | undefined =>
    sel.find((r) => pairOf(r) === p && r.depth === d)?.tps;
  const out = [
    `| ${kind} tok/s | ${depths.map((d) => `d=${d}`).join(' | ')} | ${depths.map((d) => `vs f16 @${d}`).join(' | ')} | ${depths.map((d) => `vs q4_0 @${d}`).join(' | ')} |`,
    `| --- |${' --- |'.repeat(depths.length * 3)}`,
  ];
  for (const p of pairs) {
    const v = depths.map((d) => at(p, d));
    const rf = depths.map((d, i) => ratio(v[i], at('f16', d)));
    const rq = depths.map((d, i) => ratio(v[i], at('q4_0', d)));
    out.push(
      `| ${p} | ${v.map((x) => (x === undefined ? '' : x.toFixed(1))).join(' | ')} | ${rf.join(' | ')} | ${rq.join(' | ')} |`,
    );
  }
  return out;
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined ? '' : `${(a / b).toFixed(2)}x`;
}

function targets(rows: BenchRow[]): string[] {
  const get = (p: string, d: number, dec: boolean) =>
    rows.find((r) => pairOf(r) === p && r.depth === d && (dec ? r.nGen > 0 : r.nPrompt > 0))?.tps;
  const d32 = Math.max(...rows.map((r) => r.depth));
  const d16 = rows.some((r) => r.depth === 16384) ? 16384 : undefined;
  const line = (name: string, a: number | undefined, b: number | undefined, goal: number) => {
    if (a === undefined || b === undefined) return `- ${name}: not measured`;
    const r = a / b;
    return `- ${name}: ${r.toFixed(2)}x (target >= ${goal}x) ${r >= goal ? 'MET' : `MISSED by ${((1 - r / goal) * 100).toFixed(0)} %`}`;
  };
  return [
    line(`iso3 decode at d=${d32} vs f16`, get('iso3', d32, true), get('f16', d32, true), 1.2),
    line(`iso3 decode at d=${d32} vs q4_0`, get('iso3', d32, true), get('q4_0', d32, true), 1.8),
    d16 === undefined
      ? '- 16k: not measured'
      : line('iso3 decode at d=16384 vs f16', get('iso3', d16, true), get('f16', d16, true), 1.0),
    d16 === undefined
      ? ''
      : line('iso3 prefill at d=16384 vs f16', get('iso3', d16, false), get('f16', d16, false), 0.9),
  ];
}

function summarise(dir: string): void {
  const log = readFileSync(join(dir, 'gpu.txt'), 'utf8');
  const jsonl = existsSync(join(dir, 'bench.jsonl')) ? readFileSync(join(dir, 'bench.jsonl'), 'utf8') : '';
  const rows = parseBenchJsonl(jsonl);
  const gpu = log.match(/^## \d+s gpu: (.*)$/m)?.[1] ?? rows[0]?.gpu ?? 'unknown GPU';
  const lines = log.split('\n');
  const pick = (re: RegExp) => lines.filter((l) => re.test(l));
  const bytes = pick(/^GPU bytes \w+ (fixed|varied)/);
  const bad = bytes.filter((l) => !/mismatched=0 /.test(l));
  const greedy = pick(/^GPU greedy \S+ prompt/);
  const backend = log.match(/(\d+)\/(\d+) tests passed/);
  console.log(`GPU: ${gpu}`);
  console.log(`quantized bytes CUDA vs CPU: ${bytes.length} checks, ${bad.length} with mismatched blocks`);
  console.log(
    `test-backend-ops (RotorQuant cases, CUDA0 vs CPU): ${backend ? `${backend[1]}/${backend[2]} passed` : 'not run'}`,
  );
  console.log(
    `greedy CPU vs CUDA: ${greedy.filter((l) => /identical=yes/.test(l)).length}/${greedy.length} K/V pairs identical`,
  );
  for (const l of pick(/^GPU ops /)) console.log(l.replace(/^GPU /, '  '));
  for (const l of pick(/^GPU kv /)) {
    const m = l.match(/^GPU kv (\S+) n_ctx=(\d+).*?KV buffer size =\s*([\d.]+) MiB/);
    if (m) console.log(`  KV on CUDA0 ${m[1]} ${m[2]} cells: ${m[3]} MiB`);
  }
  for (const l of pick(/^GPU fa /)) console.log(l.replace(/^GPU /, '  '));
  if (rows.length) {
    console.log('');
    for (const l of table(rows, 'decode')) console.log(l);
    console.log('');
    for (const l of table(rows, 'prefill')) console.log(l);
    console.log('');
    for (const l of targets(rows)) if (l) console.log(l);
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      out: { type: 'string', default: '.cache/bench-gpu' },
      arch: { type: 'string', default: '90' },
      stages: { type: 'string' },
      depths: { type: 'string' },
      pairs: { type: 'string' },
    },
  });
  if (values.from) {
    summarise(resolve(values.from));
    return;
  }
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, OUT: out, CUDA_ARCH: values.arch };
  if (values.stages) env.STAGES = values.stages;
  if (values.depths) env.DEPTHS = values.depths;
  if (values.pairs) env.PAIRS = values.pairs;
  if (!env.BUDGET_S) env.BUDGET_S = '100000';
  const r = spawnSync('bash', ['bench/gpu-device.sh'], {
    stdio: 'inherit',
    env,
    cwd: resolve(__dirname, '..'),
  });
  if (r.status !== 0) {
    console.error(`bench/gpu-device.sh exited with ${r.status}`);
    process.exitCode = 1;
  }
  if (existsSync(join(out, 'gpu.txt'))) summarise(out);
}

main();
