/**
 * npm run bench:gpu [-- --out DIR --arch 90 --stages "bytes ops backend greedy fa sr model kv bench" --depths 0,4096,16384,32768]
 * npm run bench:gpu -- --from bench/results/gpu-h200-run3      (summarise a run made earlier, e.g. on a CUDA host)
 *
 * The RotorQuant KV cache types on an NVIDIA GPU (issue 23), in one run with one binary: bench/gpu-device.sh builds the
 * patched llama.cpp with CUDA from this checkout's native/patches and runs, in priority order,
 *   - bytes:   SET_ROWS on CUDA0 writes the CPU quantizer's bytes (every RotorQuant type, exact per block);
 *   - ops:     supports_op of CUDA0 for the ops the engine's KV guard probes (so the guard passes there);
 *   - backend: upstream test-backend-ops, CUDA0 vs CPU, every RotorQuant case;
 *   - greedy:  greedy tokens CPU-only vs all layers on CUDA0 per K/V pair (trained small Voxtral, a text prompt);
 *   - fa:      decode-step flash attention alone at Voxtral's shape (µs per layer, effective GB/s);
 *   - sr:      SET_ROWS alone at Voxtral's KV shape, 1 and 512 tokens (µs per op; K and V adjacent as in llama.cpp's
 *              graph, the rows read back against the CPU quantizer);
 *   - model + kv + bench: a real-dimension synthetic Voxtral text model (Q4_K weights, bench/gpu-model.py), the KV bytes
 *              llama.cpp allocates on CUDA0 for 32k cells, and llama-bench decode (tg32) / prefill (pp512) at each depth.
 * This script runs it (unless --from), then prints the tables: decode and prefill tok/s per pair and depth, ratios to
 * f16 and q4_0 from the same run, and the targets (H200: iso3 decode at 32k >= 1.2x f16 and >= 1.8x q4_0, at
 * 16k >= 1.0x f16; prefill at 16k >= 0.9x f16). The whole engine on the GPU (a 25-minute window, the 1-hour meeting's
 * RTFx) is bench/gpu-engine.ts's run; `--from` prints its tables too when the folder or prefix holds them.
 * Needs: a CUDA toolkit (nvcc), cmake, ninja, python3 with numpy, and node_modules/node-llama-cpp's llama.cpp bundle.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { engineSummary } from './gpu-engine-output';
import { summarise } from './gpu-output';

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
    const from = resolve(values.from);
    const engine = engineSummary(from);
    if (engine) for (const l of engine) console.log(l);
    if (!engine || existsSync(join(from, 'gpu.txt')) || existsSync(`${from}.jsonl`))
      for (const l of summarise(from)) console.log(l);
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
    cwd: resolve(import.meta.dirname, '..'),
  });
  if (r.status !== 0) {
    console.error(`bench/gpu-device.sh exited with ${r.status}`);
    process.exitCode = 1;
  }
  if (existsSync(join(out, 'gpu.txt'))) for (const l of summarise(out)) console.log(l);
}

main();
