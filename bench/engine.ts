/**
 * npm run bench:engine [-- --weights q4km,f16 --depths 1024,8192,16384 --threads 2 --reps 3 --size real|tiny
 *                        --skip-tools --skip-audio --skip-decode]
 *
 * Our engine next to llama.cpp's own tools (built from the same patched source: native/build/bin) on the same
 * real-dimension synthetic Voxtral files, in the same run:
 *   - audio: encoder ms per 30 s chunk and audio prefill tok/s (ours: ctx.transcribe timings; llama-mtmd-cli: its
 *     "slice encoded" / "decoded" log lines), reference token rate;
 *   - decode tok/s with the context filled to each depth (ours: ctx.complete on a text prompt of that many tokens;
 *     llama-bench -p 0 -n N -d depth);
 *   - peak RSS (ours: this process's high-water mark after each weight type; tools: /usr/bin/time).
 * Ratios are ours / llama.cpp (≥ 0.95 expected: the glue must not cost throughput).
 * Real-size fixtures are made once by fixtures/make.ts and reused from .cache/models.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { writeWav } from '../fixtures/audio';
import { quantizeGguf } from '../fixtures/quantize';
import { writeSyntheticVoxtral } from '../fixtures/voxtral';
import { syntheticPcm } from '../main/engine/runtime/testkit';
import { loadVoxtral, type VoxtralModel } from '../main/engine/runtime/voxtral';

const run = promisify(execFile);
const root = process.env.ROTORSCRIBE_ROOT ?? resolve(import.meta.dirname, '..');
const bin = (name: string): string => join(root, 'native', 'build', 'bin', name);

const { values } = parseArgs({
  options: {
    weights: { type: 'string', default: 'q4km,f16' },
    depths: { type: 'string', default: '1024,8192,16384' },
    threads: { type: 'string', default: '2' },
    'gen-tokens': { type: 'string', default: '32' },
    dir: { type: 'string', default: join(root, '.cache', 'models') },
    'skip-tools': { type: 'boolean', default: false },
    'skip-audio': { type: 'boolean', default: false },
    'skip-decode': { type: 'boolean', default: false },
    /** Repetitions of the audio measurements (medians are reported). */
    reps: { type: 'string', default: '1' },
    /** 'tiny' runs the whole bench in seconds on the test-size fixture (smoke test of the bench itself). */
    size: { type: 'string', default: 'real' },
  },
});
const threads = Number(values.threads);
const genTokens = Number(values['gen-tokens']);
const reps = Math.max(1, Number(values.reps));
const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const depths = values.depths.split(',').filter(Boolean).map(Number);
const weightKinds = values.weights.split(',').filter(Boolean);

interface Row {
  weights: string;
  metric: string;
  ours: number | null;
  llama: number | null;
  unit: string;
}
const rows: Row[] = [];
const log = (msg: string): void => console.error(`[bench:engine] ${msg}`);

function add(weights: string, metric: string, unit: string, ours: number | null, llama: number | null): void {
  rows.push({ weights, metric, ours, llama, unit });
  const ratio =
    ours !== null && llama !== null && llama > 0
      ? unit === 'ms' || unit === 'MiB'
        ? llama / ours
        : ours / llama
      : null;
  log(
    `${weights} ${metric}: ours ${ours?.toFixed(2) ?? '-'} ${unit}, llama.cpp ${llama?.toFixed(2) ?? '-'} ${unit}${ratio ? `, ratio ${ratio.toFixed(3)}` : ''}`,
  );
}

async function timed(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ stdout: string; stderr: string; maxRssKiB: number | null }> {
  const hasTime = existsSync('/usr/bin/time');
  const { stdout, stderr } = await run(
    hasTime ? '/usr/bin/time' : cmd,
    hasTime ? ['-f', 'RSSKIB=%M', cmd, ...args] : args,
    {
      env,
      maxBuffer: 1 << 26,
    },
  );
  const m = /RSSKIB=(\d+)/.exec(stderr);
  return { stdout, stderr, maxRssKiB: m ? Number(m[1]) : null };
}

/** A text prompt of about `n` tokens (the synthetic tokenizer's own words). */
function fillerPrompt(model: VoxtralModel, n: number): string {
  const unit =
    'the meeting notes say that the budget for next quarter was approved and the team agreed on it. ';
  const per = model.tokenize(unit).length;
  return `[INST]${unit.repeat(Math.max(1, Math.ceil(n / per)))}[/INST]`;
}

async function benchWeights(kind: string, modelPath: string, mmprojPath: string): Promise<void> {
  const label = kind === 'q4km' ? 'Q4_K_M' : 'F16';
  log(`${label}: loading ${modelPath}`);
  const t0 = performance.now();
  const model = await loadVoxtral({ modelPath, mmprojPath, threads, warmup: false });
  add(label, 'load model + mmproj', 'ms', performance.now() - t0, null);
  try {
    if (!values['skip-audio']) {
      const pcm = syntheticPcm(29.5, 3);
      const wav = await writeWav(join(values.dir, 'bench-29s.wav'), pcm);
      const ctx = await model.createContext({ contextSize: 1024, threads, flashAttention: 'on' });
      const oursEncode: number[] = [];
      const oursPrefill: number[] = [];
      let audioTokens = 0;
      for (let r = 0; r < reps; r++) {
        const res = await ctx.transcribe(pcm, { maxTokens: 1 });
        audioTokens = res.windows[0]!.audioTokens;
        oursEncode.push(res.timings.encodeMs);
        oursPrefill.push(res.timings.audioPrefillMs);
      }
      ctx.dispose();
      const cliEncodes: number[] = [];
      const cliDecodes: number[] = [];
      for (let r = 0; r < (values['skip-tools'] ? 0 : reps); r++) {
        const out = await timed(
          bin('llama-mtmd-cli'),
          [
            '-m',
            modelPath,
            '--mmproj',
            mmprojPath,
            '--audio',
            wav,
            '-p',
            '[INST]<__media__>[/INST][TRANSCRIBE]',
            '--jinja',
            '--chat-template',
            "{% for m in messages %}{{ m['content'] }}{% endfor %}",
            '--temp',
            '0',
            '-n',
            '1',
            '-t',
            String(threads),
            '-c',
            '1024',
            '-fa',
            'on',
            '--no-warmup',
            '-v',
          ],
          { ...process.env, MTMD_AUDIO_AVGPOOL: '0' },
        );
        const enc = /(?:slice encoded|mtmd batch encoding done) in (\d+) ms/.exec(out.stderr);
        const dec = [...out.stderr.matchAll(/decoded \(batch \d+\/\d+\) in (\d+) ms/g)].reduce(
          (a, m) => a + Number(m[1]),
          0,
        );
        if (enc) cliEncodes.push(Number(enc[1]));
        if (dec > 0) cliDecodes.push(dec);
        if (out.maxRssKiB && r === 0)
          add(label, 'peak RSS llama-mtmd-cli (30 s audio)', 'MiB', null, out.maxRssKiB / 1024);
      }
      const cliEncode = median(cliEncodes);
      const cliDecode = median(cliDecodes);
      add(label, `encoder per 30 s chunk (median of ${reps})`, 'ms', median(oursEncode), cliEncode);
      // both sides: the decoder pass over the audio embeddings only (the CLI's "decoded (batch i/n)" lines)
      const prefill = median(oursPrefill);
      add(
        label,
        `audio prefill (${audioTokens} tokens, median of ${reps})`,
        'tok/s',
        prefill ? (audioTokens / prefill) * 1000 : null,
        cliDecode ? (audioTokens / cliDecode) * 1000 : null,
      );
    }
    if (!values['skip-decode']) {
      // llama-bench warms up (one decode step) before it measures; without the same, our first measurement after
      // a load paid for cold caches and page faults (0.64-0.78x on F16 at depth 1k, 1.0-1.3x when repeated)
      const warm = await model.createContext({
        contextSize: 256,
        threads,
        flashAttention: 'on',
        batchSize: 512,
      });
      await warm.complete(fillerPrompt(model, 64), { maxTokens: 2 });
      warm.dispose();
      for (const depth of depths) {
        const ctx = await model.createContext({
          contextSize: depth + genTokens + 64,
          threads,
          flashAttention: 'on',
          batchSize: 512,
        });
        const res = await ctx.complete(fillerPrompt(model, depth), { maxTokens: genTokens });
        ctx.dispose();
        // the first generated token comes from the prefill logits; the rest are decode steps
        const ours = ((res.timings.decodedTokens - 1) / res.timings.decodeMs) * 1000;
        let theirs: number | null = null;
        if (!values['skip-tools']) {
          const out = await timed(bin('llama-bench'), [
            '-m',
            modelPath,
            '-p',
            '0',
            '-n',
            String(genTokens),
            '-d',
            String(res.promptTokens),
            '-t',
            String(threads),
            '-fa',
            '1',
            '-r',
            '1',
            '-o',
            'json',
          ]);
          const parsed = JSON.parse(out.stdout) as { avg_ts: number }[];
          theirs = parsed[0]?.avg_ts ?? null;
        }
        add(label, `decode at depth ${res.promptTokens}`, 'tok/s', ours, theirs);
        add(
          label,
          `prefill ${res.promptTokens} text tokens`,
          'tok/s',
          (res.promptTokens / res.timings.prefillMs) * 1000,
          null,
        );
      }
    }
  } finally {
    model.dispose();
  }
  add(label, 'peak RSS this process (high-water mark)', 'MiB', process.resourceUsage().maxRSS / 1024, null);
}

if (values.size !== 'real' && values.size !== 'tiny') throw new Error('--size must be real or tiny');
const f16 = await writeSyntheticVoxtral({ dir: values.dir, size: values.size, seed: 1, reuse: true });
for (const kind of weightKinds) {
  if (kind === 'f16') await benchWeights(kind, f16.modelPath, f16.mmprojPath);
  else if (kind === 'q4km') {
    const q = await quantizeGguf({
      llamaQuantize: bin('llama-quantize'),
      input: f16.modelPath,
      output: f16.modelPath.replace(/\.gguf$/, '-Q4_K_M.gguf'),
      type: 'Q4_K_M',
      threads,
    });
    await benchWeights(kind, q.path, f16.mmprojPath);
  } else throw new Error(`unknown --weights entry ${kind} (q4km, f16)`);
}

console.log('| weights | metric | ours | llama.cpp | unit | ratio |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const ratio =
    r.ours !== null && r.llama !== null && r.llama > 0
      ? (r.unit === 'ms' || r.unit === 'MiB' ? r.llama / r.ours : r.ours / r.llama).toFixed(3)
      : '';
  console.log(
    `| ${r.weights} | ${r.metric} | ${r.ours?.toFixed(1) ?? ''} | ${r.llama?.toFixed(1) ?? ''} | ${r.unit} | ${ratio} |`,
  );
}
