/**
 * The CLI on trained weights (fixtures/trained, issue 20): a recording of three held-out utterances separated by
 * pauses goes through the real command (ffmpeg decode, Silero VAD, the cutter, the runtime with the f16 cache,
 * assembly, exports) and the transcript must hold the words spoken, not noise.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcmFromWav, writeWav } from '../fixtures/audio';
import { heldOut, heldOutWav, trainedVoxtral, type TrainedVoxtral } from '../fixtures/trained';
import { wordErrors } from '../fixtures/wer';

const bin = join(resolve(__dirname, '..'), 'bin', 'rotorscribe.mjs');
// The model's single-window held-out WER is 5.1 % in HF (manifest.training); these three short utterances measured
// 4.8 % through the CLI (the test's log line prints it). Noise or a broken pipeline gives ~100 %.
const WER_BOUND = 0.15;

let dir: string;
let trained: TrainedVoxtral;
let recording: string;
let reference: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rs-cli-trained-'));
  trained = await trainedVoxtral();
  // three utterances of at most 22 words (under ~10 s), so that every window closes at a pause
  const picks = heldOut(trained.manifest, 'short')
    .filter((u) => u.words <= 22)
    .slice(0, 3);
  const gap = new Float32Array(16000 * 1.5);
  const parts: Float32Array[] = [gap];
  for (const u of picks) parts.push(await pcmFromWav(await heldOutWav(u, dir)), gap);
  const pcm = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    pcm.set(p, at);
    at += p.length;
  }
  recording = await writeWav(join(dir, 'held-out.wav'), pcm);
  reference = picks.map((u) => u.text).join(' ');
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.env.ROTORSCRIBE_TEST_NODE ?? 'node', [bin, ...args], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('rotorscribe transcribe with the trained model', () => {
  it('writes the words spoken (WER under the bound) in the txt and json exports', async () => {
    const out = join(dir, 'out');
    const r = await runCli([
      'transcribe',
      recording,
      '--model',
      trained.modelPath,
      '--mmproj',
      trained.mmprojPath,
      '--language',
      'en',
      '--kv-k',
      'f16',
      '--kv-v',
      'f16',
      // the window length the small model was trained for: it loses its place in multi-chunk windows (bench:retries,
      // the held-out meeting: 7.0 % WER at 28 s, 19.5 % at the CPU plan's 60 s), which is the model, not the CLI
      '--max-window-sec',
      '28',
      '--format',
      'txt,json',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const files = await readdir(out);
    const txt = files.find((f) => f.endsWith('.txt'));
    expect(txt, files.join(',')).toBeDefined();
    const text = await readFile(join(out, txt!), 'utf8');
    const { errors, words } = wordErrors(reference, text);
    console.log(`CLI on trained weights: WER ${((100 * errors) / words).toFixed(1)} %\n${text}`);
    expect(errors / words).toBeLessThan(WER_BOUND);
    // clean windows (every one ends on EOS without a repeat here) carry no check note
    expect(text).not.toContain('[check:');
    const json = JSON.parse(
      await readFile(
        join(
          out,
          files.find((f) => f.endsWith('.json'))!,
        ),
        'utf8',
      ),
    ) as {
      segments: { text: string }[];
    };
    expect(json.segments.map((s) => s.text).join(' ')).toContain(text.trim().split(/\s+/).slice(-1)[0]);
  }, 300_000);
});
