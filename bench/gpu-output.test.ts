import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBenchJsonl, summarise, table } from './gpu-output';

const results = resolve(import.meta.dirname, 'results');

describe('bench:gpu output', () => {
  it('summarises the third H200 run: exact bytes, all backend cases, identical greedy tokens, the missed targets', () => {
    const lines = summarise(resolve(results, 'gpu-h200-run3'));
    expect(lines).toContain('GPU: NVIDIA H200, 580.159.04, 143771 MiB, 1980 MHz');
    expect(lines).toContain('quantized bytes CUDA vs CPU: 12 checks, 0 with mismatched blocks');
    expect(lines).toContain('test-backend-ops (RotorQuant cases, CUDA0 vs CPU): 192/192 passed');
    expect(lines).toContain('greedy CPU vs CUDA: 10/10 K/V pairs identical');
    expect(lines).toContain('- iso3 decode at d=32768 vs f16: 0.62x (target >= 1.2x) MISSED by 49 %');
    expect(lines).toContain('- iso3 prefill at d=16384 vs f16: 0.88x (target >= 0.9x) MISSED by 2 %');
  });

  it('summarises the fifth H200 run: SET_ROWS timings once per case (not the profiled repeat) and the targets', () => {
    const lines = summarise(resolve(results, 'gpu-h200-run5'));
    expect(lines).toContain('quantized bytes CUDA vs CPU: 12 checks, 0 with mismatched blocks');
    expect(lines).toContain('greedy CPU vs CUDA: 10/10 K/V pairs identical');
    const sr = lines.filter((l) => l.startsWith('  set_rows n_tok=1 iso3/iso3 '));
    expect(sr).toEqual(['  set_rows n_tok=1 iso3/iso3 us_per_op=5.70 mismatched_rows=0']);
    expect(lines).toContain('- iso3 decode at d=32768 vs f16: 0.79x (target >= 1.2x) MISSED by 34 %');
    expect(lines).toContain('- iso3 prefill at d=16384 vs f16: 0.86x (target >= 0.9x) MISSED by 5 %');
  });

  it('reports the first run, before the header-store fix, as mismatched bytes and diverging greedy tokens', () => {
    const lines = summarise(resolve(results, 'gpu-h200-run1'));
    expect(lines).toContain('quantized bytes CUDA vs CPU: 12 checks, 12 with mismatched blocks');
    expect(lines.find((l) => l.startsWith('greedy CPU vs CUDA:'))).not.toBe(
      'greedy CPU vs CUDA: 10/10 K/V pairs identical',
    );
  });

  it('tabulates llama-bench JSON lines per pair and depth with ratios from the same run', () => {
    const rows = parseBenchJsonl(readFileSync(resolve(results, 'gpu-h200-run3.jsonl'), 'utf8'));
    expect(rows).toHaveLength(8 * 8); // 8 K/V pairs x (pp512 + tg32) x 4 depths
    const decode = table(rows, 'decode');
    expect(decode[2]).toMatch(/^\| f16 \| 405\.6 \| 370\.6 \| 299\.7 \| 234\.1 \| 1\.00x/);
    expect(decode.find((l) => l.startsWith('| iso3 |'))).toContain('| 0.62x |');
  });
});
