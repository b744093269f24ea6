/**
 * Parsing and tables of a bench:gpu run (bench/gpu-device.sh's gpu.txt and llama-bench's JSON lines): see bench/gpu.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchRow {
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

export function table(rows: BenchRow[], kind: 'decode' | 'prefill'): string[] {
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

export function targets(rows: BenchRow[]): string[] {
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

// dir holds gpu.txt and bench.jsonl (a run's $OUT), or is the common prefix of PREFIX.txt / PREFIX.jsonl (bench/results)
export function summarise(dir: string): string[] {
  const printed: string[] = [];
  const push = (l: string) => printed.push(l);
  const prefixed = existsSync(`${dir}.txt`);
  const logPath = prefixed ? `${dir}.txt` : join(dir, 'gpu.txt');
  const jsonlPath = prefixed ? `${dir}.jsonl` : join(dir, 'bench.jsonl');
  const log = readFileSync(logPath, 'utf8');
  const jsonl = existsSync(jsonlPath) ? readFileSync(jsonlPath, 'utf8') : '';
  const rows = parseBenchJsonl(jsonl);
  const gpu = log.match(/^## \d+s gpu: (.*)$/m)?.[1] ?? rows[0]?.gpu ?? 'unknown GPU';
  const lines = log.split('\n');
  const pick = (re: RegExp) => lines.filter((l) => re.test(l));
  const bytes = pick(/^GPU bytes \w+ (fixed|varied)/);
  const bad = bytes.filter((l) => !/mismatched=0 /.test(l));
  const greedy = pick(/^GPU greedy \S+ prompt/);
  const backend = log.match(/(\d+)\/(\d+) tests passed/);
  push(`GPU: ${gpu}`);
  push(`quantized bytes CUDA vs CPU: ${bytes.length} checks, ${bad.length} with mismatched blocks`);
  push(
    `test-backend-ops (RotorQuant cases, CUDA0 vs CPU): ${backend ? `${backend[1]}/${backend[2]} passed` : 'not run'}`,
  );
  push(
    `greedy CPU vs CUDA: ${greedy.filter((l) => /identical=yes/.test(l)).length}/${greedy.length} K/V pairs identical`,
  );
  for (const l of pick(/^GPU ops /)) push(l.replace(/^GPU /, '  '));
  for (const l of pick(/^GPU kv /)) {
    const m = l.match(/^GPU kv (\S+) n_ctx=(\d+).*?KV buffer size =\s*([\d.]+) MiB/);
    if (m) push(`  KV on CUDA0 ${m[1]} ${m[2]} cells: ${m[3]} MiB`);
  }
  for (const l of pick(/^GPU fa /)) push(l.replace(/^GPU /, '  '));
  // the first figure per case: the optional profiling stage repeats a case under Nsight Compute, which slows it
  const srSeen = new Set<string>();
  for (const l of pick(/^GPU set_rows /)) {
    const key = l.replace(/ us_per_op=.*$/, '');
    if (srSeen.has(key)) continue;
    srSeen.add(key);
    push(l.replace(/^GPU /, '  '));
  }
  if (rows.length) {
    push('');
    for (const l of table(rows, 'decode')) push(l);
    push('');
    for (const l of table(rows, 'prefill')) push(l);
    push('');
    for (const l of targets(rows)) if (l) push(l);
  }
  return printed;
}
