import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRecording } from '../fixtures/audio-long';
import type { Transcript } from '@common/transcript';
import { PROFILES } from './advisor/test-profiles';
import { writeSyntheticVoxtral } from '../fixtures/voxtral';
import { jobDirFor, main, parseTranscribeArgs, progressLine, type CliIo } from './cli';
import type { EngineHost } from './engine/host/engine-host';
import type { JobParams } from './engine/host/protocol';
import type { JobEvent } from './engine/job/runner';
import { CheckpointStore, LOG_FILE, parseLog, type JobManifest } from './engine/checkpoints/store';
import { readZip } from './library/export/testing/zip';
import { parseSrt } from './library/export/testing/subtitle-parsers';
import { writeWav } from '../fixtures/audio';

const repo = resolve(__dirname, '..');
const bin = join(repo, 'bin', 'rotorscribe.mjs');
const root = mkdtempSync(join(tmpdir(), 'rs-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fakeIo(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: { write: (s: string) => (io.out += s) },
    stderr: { write: (s: string) => (io.err += s) },
    env: {},
    cwd: root,
  };
  return io;
}

/**
 * An engine host that answers like a worker whose runtime could not load (CPU from os data), records the job
 * requests and plays `events` for each one.
 */
function fakeHost(events: JobEvent[] = [], gapMs = 0): EngineHost & { jobs: JobParams[] } {
  const jobs: JobParams[] = [];
  const transcript: Transcript = {
    version: 1,
    meta: { title: 't', source: { name: 'a.mp3', durationSec: 600 } },
    segments: [{ id: 's0', startSec: 0, endSec: 5, text: 'hello there', windowId: 'w0' }],
  };
  const request = async (method: string, params: unknown, opts?: { onEvent?: (e: unknown) => void }) => {
    if (method === 'listDevices') {
      return {
        source: 'os',
        devices: [],
        unavailable: { code: 'ENGINE_CRASHED', reason: 'not built' },
        engineHeldBytes: 0,
      };
    }
    if (method === 'supportedKvTypes')
      return { source: 'none', unavailable: { code: 'ENGINE_CRASHED', reason: 'x' } };
    if (method !== 'job') throw new Error(`unexpected ${method}`);
    jobs.push(params as JobParams);
    for (const e of events) {
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      opts?.onEvent?.(e);
    }
    const progress = {
      windowsDone: 2,
      windowsTotal: 2,
      audioSecDone: 600,
      durationSec: 600,
      elapsedSec: 150,
      speedX: 4,
      etaSec: 0,
    };
    return {
      transcript,
      progress,
      restored: 0,
      windows: 2,
      flagged: 1,
      decode: { samples: 0, corruptPackets: 0, warnings: [] },
      engine: { id: 'fake' },
    };
  };
  return {
    jobs,
    start: async () => undefined,
    request: request as EngineHost['request'],
    status: () => ({ state: 'ready', restarts: 0 }),
    onStatus: () => () => undefined,
    stop: async () => undefined,
  };
}

/** The real CLI in a child process on the system Node (20): what a user runs. */
function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.env.ROTORSCRIBE_TEST_NODE ?? 'node', [bin, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonLine {
  type: string;
  code?: string;
  hint?: string;
  file?: string;
  message?: string;
}

/**
 * The real CLI in a child process, its `--json` output read line by line as it comes: `onLine` sees each line with the
 * child (to interrupt it, or its engine, at a chosen point). Resolves at exit with the code and every line.
 */
function cliLive(
  args: string[],
  env: Record<string, string>,
  onLine: (line: JsonLine, child: ChildProcess) => void,
): Promise<{ code: number | null; lines: JsonLine[] }> {
  const child = spawn('node', [bin, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: JsonLine[] = [];
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, nl)) as JsonLine;
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      onLine(line, child);
    }
  });
  return new Promise((r) => child.once('close', (code) => r({ code, lines })));
}

describe('argument errors', () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /Unknown command 'frobnicate'/],
    [['transcribe', '--engine', 'echo'], /No input file/],
    [['transcribe', 'a.mp3', '--engine', 'echo', '--format', 'txt,pdf'], /Unknown format 'pdf'/],
    [['transcribe', 'a.mp3', '--engine', 'echo', '--kv-k', 'q3_k'], /Unknown KV cache type 'q3_k'/],
    [['transcribe', 'a.mp3', '--engine', 'echo', '--language', 'klingon'], /Unknown language/],
    [['transcribe', 'a.mp3', '--engine', 'echo', '--max-window-sec', '4000'], /max-window-sec must be/],
    [['transcribe', 'a.mp3', '--engine', 'echo', '--parallel', '1.5'], /parallel must be an integer/],
    [['transcribe', 'a.mp3', '--engine', 'echo', '--resume', '--restart'], /cannot be used together/],
    [['transcribe', 'a.mp3', '--engine', 'echo', '--bogus'], /Unknown option '--bogus'/],
    [['transcribe', 'a.mp3'], /model and its audio encoder are needed/],
  ];
  it.each(cases)('%j → exit 2 with a clear message', async (args, message) => {
    const io = fakeIo();
    expect(await main(args, io)).toBe(2);
    expect(io.err).toMatch(/^rotorscribe: error INVALID_ARGUMENT: /);
    expect(io.err).toMatch(message);
    expect(io.err).toContain('hint: ');
  });

  it('prints errors as JSON lines with --json', async () => {
    const io = fakeIo();
    expect(await main(['transcribe', 'a.mp3', '--engine', 'echo', '--format', 'pdf', '--json'], io)).toBe(2);
    expect(JSON.parse(io.out.trim())).toMatchObject({ type: 'error', code: 'INVALID_ARGUMENT' });
  });

  it('parses a full command line', () => {
    const a = parseTranscribeArgs(
      [
        'x.mp3',
        'y.m4a',
        '--language',
        'fr',
        '--kv-k',
        'iso3',
        '--kv-v',
        'q8_0',
        '--format',
        'srt,vtt',
        '--out',
        'o',
        '--resume',
        '--model',
        'm.gguf',
        '--mmproj',
        'p.gguf',
        '--max-window-sec',
        '20',
        '--gpu-layers',
        '0',
      ],
      { cwd: '/w', env: {} },
    );
    expect(a.gpuLayers).toBe(0);
    expect(a).toMatchObject({
      files: ['/w/x.mp3', '/w/y.m4a'],
      language: 'fr',
      kvK: 'iso3',
      kvV: 'q8_0',
      formats: ['srt', 'vtt'],
      out: '/w/o',
      existing: 'resume',
      modelPath: '/w/m.gguf',
      maxWindowSec: 20,
      engine: 'runtime',
    });
  });

  it('models without a subcommand is a usage error (the subcommands: main/cli/models.int.test.ts)', async () => {
    const io = fakeIo();
    expect(await main(['models'], io)).toBe(2);
    expect(io.err).toMatch(/list, pull, import or rm/);
  });

  it('draws a progress bar', () => {
    const line = progressLine('meeting.mp3', {
      windowsDone: 10,
      windowsTotal: 40,
      audioSecDone: 900,
      durationSec: 3600,
      speedX: 4,
      etaSec: 675,
    });
    expect(line).toMatch(/^meeting\.mp3 \[#+-+\] {2}25% 15:00\/1:00:00 w10\/40 4\.0x ETA 11:15$/);
    expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe('the CLI as a client of the engine host (fake host)', () => {
  const input = join(root, 'fake-input.mp3');
  beforeAll(() => writeFileSync(input, 'not read: the fake engine answers'));

  it('prints the version, lists --engine in the help, and names the command in an unknown-flag hint', async () => {
    const v = fakeIo();
    expect(await main(['--version'], v)).toBe(0);
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    expect(v.out.trim()).toBe(`rotorscribe ${pkg.version}`);
    const h = fakeIo();
    expect(await main(['help', 'transcribe'], h)).toBe(0);
    expect(h.out).toMatch(/--engine runtime\|echo/);
    expect(h.out).toMatch(/--overwrite/);
    const u = fakeIo();
    expect(await main(['transcribe', 'a.mp3', '--engine', 'echo', '--frobnicate'], u)).toBe(2);
    expect(u.err).toMatch(/hint: Run `rotorscribe help transcribe`/);
  });

  it('-r/--recursive takes the recordings in sub-folders too, and says on stderr when the walk stopped at a cap', async () => {
    const top = join(root, 'recursive-in');
    let deep = top;
    // 9 levels below the folder: one more than the walk's depth cap
    for (let level = 1; level <= 9; level++) {
      deep = join(deep, `level ${level}`);
      mkdirSync(deep, { recursive: true });
      writeFileSync(join(deep, `talk ${level}.mp3`), 'not read: the fake engine answers');
    }
    const out = join(root, 'recursive-out');
    const host = fakeHost();
    const io = fakeIo();
    expect(
      await main(['transcribe', top, '-r', '--engine', 'echo', '--out', out], io, { createHost: () => host }),
      io.err,
    ).toBe(0);
    const inputs = host.jobs.map((j) => j.input);
    expect(inputs).toHaveLength(8);
    expect(inputs[0]).toBe(join(top, 'level 1', 'talk 1.mp3'));
    expect(inputs[7]).toMatch(/talk 8\.mp3$/);
    expect(io.err).toMatch(
      /^note: --recursive stopped at a limit \(8 folder levels, 1000 files, 50,000 entries looked at\): 8 files found, the rest not searched; add sub-folders one at a time\.$/m,
    );
    expect(existsSync(join(out, 'talk 8.txt'))).toBe(true);

    // without it, the folder holds no recording directly and the hint names the flag
    const plain = fakeIo();
    expect(
      await main(['transcribe', top, '--engine', 'echo', '--out', out], plain, {
        createHost: () => fakeHost(),
      }),
    ).toBe(1);
    expect(plain.err).toMatch(/FILE_NOT_FOUND[^\n]*recursive-in\n {2}hint: .*add --recursive/);
    const h = fakeIo();
    expect(await main(['help', 'transcribe'], h)).toBe(0);
    expect(h.out).toMatch(/-r, --recursive/);
  });

  it('--timestamps starts each txt paragraph with its time; refused without txt', async () => {
    const out = join(root, 'timestamps-out');
    const io = fakeIo();
    const args = ['transcribe', input, '--engine', 'echo', '--out', out, '--format', 'txt,md'];
    expect(await main([...args, '--timestamps'], io, { createHost: () => fakeHost() }), io.err).toBe(0);
    expect(readFileSync(join(out, 'fake-input.txt'), 'utf8')).toBe('[0:00] hello there\n');
    const plain = fakeIo();
    expect(await main([...args, '--overwrite'], plain, { createHost: () => fakeHost() }), plain.err).toBe(0);
    expect(readFileSync(join(out, 'fake-input.txt'), 'utf8')).toBe('hello there\n');
    const srt = fakeIo();
    expect(await main([...args.slice(0, -1), 'srt', '--timestamps'], srt)).toBe(2);
    expect(srt.err).toMatch(/--timestamps is for the txt format/);
    const h = fakeIo();
    expect(await main(['help', 'transcribe'], h)).toBe(0);
    expect(h.out).toMatch(/--timestamps/);
  });

  it('accepts --language in any case', () => {
    expect(
      parseTranscribeArgs(['a.mp3', '--engine', 'echo', '--language', 'EN'], { cwd: '/w', env: {} }).language,
    ).toBe('en');
  });

  it('summarises the quality flags with their times, the speed as audio/wall, and a window total that never drops', async () => {
    const progress = (total: number, done: number) =>
      ({
        type: 'progress',
        progress: {
          windowsDone: done,
          windowsTotal: total,
          audioSecDone: done * 20,
          durationSec: 600,
          elapsedSec: 1,
          speedX: 4,
          etaSec: 10,
        },
      }) as unknown as JobEvent;
    const win = (index: number, startSec: number, flags: string[]) =>
      ({
        type: 'window',
        windowId: `w${index}`,
        index,
        status: 'done',
        startSec,
        endSec: startSec + 20,
        text: 'x',
        attempts: 1,
        flags,
      }) as JobEvent;
    const host = fakeHost(
      [
        progress(9, 2),
        win(0, 192, ['loop']),
        progress(10, 4),
        win(1, 605, ['max_tokens', 'retried']),
        progress(9, 8),
        win(2, 700, ['hard_cut']),
      ],
      120,
    );
    const io = fakeIo();
    io.stderr = Object.assign(io.stderr, { isTTY: true, columns: 100 });
    const code = await main(['transcribe', input, '--engine', 'echo', '--out', join(root, 'fake-out')], io, {
      createHost: () => host,
    });
    expect(code, io.err).toBe(0);
    expect(io.err).toMatch(/2 windows flagged: loop at 03:12, token cap at 10:05/);
    expect(io.err).toMatch(/, 4\.0x real time/);
    const totals = [...io.err.matchAll(/ w\d+\/(\d+) /g)].map((m) => Number(m[1]));
    expect(totals.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < totals.length; i++) expect(totals[i]).toBeGreaterThanOrEqual(totals[i - 1]!);
  });

  describe('doctor and transcribe agree (runtime engine, tiny synthetic model)', () => {
    let model: string;
    let mmproj: string;
    beforeAll(async () => {
      const fx = await writeSyntheticVoxtral({ dir: join(root, 'model'), size: 'tiny', seed: 2 });
      model = fx.modelPath;
      mmproj = fx.mmprojPath;
    }, 120_000);

    it('transcribe without cache/window flags runs exactly the flags doctor prints', async () => {
      const d = fakeIo();
      expect(
        await main(['doctor', '--model', model, '--mmproj', mmproj], d, {
          createHost: () => fakeHost(),
          hardware: PROFILES.cpu8,
        }),
      ).toBe(0);
      const line = /rotorscribe transcribe FILE (.*)$/m.exec(d.out)?.[1];
      expect(line, d.out).toBeDefined();
      const host = fakeHost();
      const t = fakeIo();
      const code = await main(
        ['transcribe', input, '--model', model, '--mmproj', mmproj, '--out', join(root, 'agree-out')],
        t,
        { createHost: () => host, hardware: PROFILES.cpu8 },
      );
      expect(code, t.err).toBe(0);
      const plan = host.jobs[0]!.plan;
      expect(line).toBe(
        `--kv-k ${plan.kvK} --kv-v ${plan.kvV} --max-window-sec ${plan.maxWindowSec} --parallel ${plan.parallel}`,
      );
      // the CPU recommendation's cache, not the old f16 default
      expect(plan.kvK).toBe('q8_0');
      expect(host.jobs[0]!.engine).toEqual({ kind: 'runtime', modelPath: model, mmprojPath: mmproj });
    });

    it('--resume runs the job as it was started: its cache types, window length and pause handling', async () => {
      const out = join(root, 'resume-pinned-out');
      mkdirSync(out, { recursive: true });
      const manifest = {
        version: 1,
        createdAt: new Date(0).toISOString(),
        input: { size: 1 },
        settings: { cutter: { maxWindowSec: 120, maxGapSec: 3 }, language: null },
        engine: { id: 'voxtral-llama.cpp', kvK: 'iso3', kvV: 'iso4' },
      } as unknown as JobManifest;
      await CheckpointStore.create(jobDirFor(out, input), manifest);
      const host = fakeHost();
      const io = fakeIo();
      const args = ['transcribe', input, '--model', model, '--mmproj', mmproj, '--out', out, '--resume'];
      expect(await main(args, io, { createHost: () => host, hardware: PROFILES.cpu8 }), io.err).toBe(0);
      const plan = host.jobs[0]!.plan;
      expect(plan).toMatchObject({ kvK: 'iso3', kvV: 'iso4', maxWindowSec: 120, maxGapSec: 3 });
      // the job sent its pauses whole: today's shortening is not applied to it
      expect(plan.maxPauseSec).toBeUndefined();
    });

    it('--gpu-layers 0 keeps a GPU machine on the CPU; without it the plan offloads what the advisor fits', async () => {
      const run = async (extra: string[], out: string) => {
        const host = fakeHost();
        const io = fakeIo();
        const args = ['transcribe', input, '--model', model, '--mmproj', mmproj, '--out', join(root, out)];
        const code = await main([...args, ...extra], io, {
          createHost: () => host,
          hardware: PROFILES.laptop6,
        });
        expect(code, io.err).toBe(0);
        return { plan: host.jobs[0]!.plan, err: io.err };
      };
      const cpu = await run(['--gpu-layers', '0'], 'gpu0-out');
      expect(cpu.plan.gpuLayers).toBe(0);
      expect(cpu.err).toMatch(/^plan: .*, CPU only/m);
      const gpu = await run([], 'gpu-out');
      expect(gpu.plan.gpuLayers).toBeGreaterThan(0);
      expect(gpu.err).toMatch(new RegExp(`^plan: .*, ${gpu.plan.gpuLayers} GPU layers`, 'm'));
    });

    it('a plan that does not fit fails with OUT_OF_MEMORY before the engine is asked to run anything', async () => {
      const host = fakeHost();
      const io = fakeIo();
      const code = await main(
        [
          'transcribe',
          input,
          '--model',
          model,
          '--mmproj',
          mmproj,
          '--kv-k',
          'f16',
          '--max-window-sec',
          '29',
          '--parallel',
          '16',
          '--out',
          join(root, 'oom-out'),
        ],
        io,
        {
          createHost: () => host,
          hardware: { ...PROFILES.ram4, ram: { totalBytes: 2 ** 30, freeBytes: 2 ** 27 } },
        },
      );
      expect(code).toBe(1);
      expect(io.err).toMatch(/error OUT_OF_MEMORY: [^\n]*does not fit/);
      expect(io.err).toMatch(/hint: .*--kv-k/);
      expect(host.jobs).toHaveLength(0);
    });
  });
});

describe('the CLI on real files (ffmpeg decode + Silero VAD + echo engine)', () => {
  let meeting: string;
  beforeAll(async () => {
    meeting = await generateRecording({
      outDir: join(root, 'meeting'),
      durationSec: 240,
      format: 'mp3',
      seed: 3,
    });
  }, 120_000);

  it('rejects bad inputs with a code, a hint and a non-zero exit, and still does the good file', () => {
    const empty = join(root, 'empty.mp3');
    writeFileSync(empty, '');
    const text = join(root, 'notes.mp3');
    writeFileSync(text, 'These are my meeting notes, not audio.\n'.repeat(50));
    const dir = join(root, 'a-folder.wav');
    mkdirSync(dir, { recursive: true });
    const expectations: [string, string][] = [
      [join(root, 'missing.mp3'), 'FILE_NOT_FOUND'],
      [empty, 'FILE_EMPTY'],
      [text, 'AUDIO_UNSUPPORTED'],
      // a folder stands for the media files in it: this one has none
      [dir, 'FILE_NOT_FOUND'],
    ];
    const out = join(root, 'bad-out');
    const r = cli([
      'transcribe',
      ...expectations.map(([f]) => f),
      meeting,
      '--engine',
      'echo',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; file?: string; code?: string; hint?: string });
    for (const [file, code] of expectations) {
      const e = lines.find((l) => l.type === 'error' && l.file === file);
      expect(e, file).toMatchObject({ code });
    }
    expect(lines.find((l) => l.type === 'written')).toBeDefined();
    expect(existsSync(join(out, 'part1.txt'))).toBe(true);

    const human = cli(['transcribe', text, '--engine', 'echo', '--out', out]);
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/^rotorscribe: error AUDIO_UNSUPPORTED: .*notes\.mp3\n {2}hint: /m);
  });

  it('transcribes the audio and video files directly in a folder, in name order, and reports a folder with none', () => {
    const dir = join(root, 'a folder é');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    const bytes = readFileSync(meeting);
    for (const name of ['talk 10.mp3', 'talk 2.mp3', '.hidden.mp3', 'sub/deep.mp3'])
      writeFileSync(join(dir, name), bytes);
    writeFileSync(join(dir, 'notes.txt'), 'not audio');
    const none = join(root, 'no-media');
    mkdirSync(none, { recursive: true });
    writeFileSync(join(none, 'readme.txt'), 'not audio');
    const out = join(root, 'folder-out');
    const r = cli(['transcribe', dir, none, '--engine', 'echo', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; file?: string; code?: string; message?: string });
    expect(lines.filter((l) => l.type === 'written').map((l) => l.file)).toEqual([
      join(dir, 'talk 2.mp3'),
      join(dir, 'talk 10.mp3'),
    ]);
    expect(lines.find((l) => l.type === 'error')).toMatchObject({ file: none, code: 'FILE_NOT_FOUND' });
    expect(existsSync(join(out, 'talk 2.txt'))).toBe(true);
  });

  it('--out - writes the one transcript to stdout and nothing into the folder', () => {
    const dir = join(root, 'stdout-run');
    mkdirSync(dir, { recursive: true });
    const r = spawnSync(
      'node',
      [bin, 'transcribe', meeting, '--engine', 'echo', '--format', 'srt', '--out', '-'],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(parseSrt(r.stdout, { maxLineChars: 42, maxLines: 2 }).length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/part1\.mp3: \d+ windows/);
    expect(readdirSync(dir)).toEqual([]);
    const two = cli(['transcribe', meeting, '--engine', 'echo', '--format', 'srt,txt', '--out', '-']);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(
      /error INVALID_ARGUMENT: --out - writes one transcript.*\n {2}hint: .*--format/,
    );
    expect(cli(['transcribe', meeting, join(root, 'other.mp3'), '--engine', 'echo', '--out', '-']).code).toBe(
      2,
    );
  });

  it('says when a recording holds no speech, and still writes the (empty) transcript', async () => {
    const quiet = await writeWav(join(root, 'quiet.wav'), new Float32Array(16000 * 8));
    const out = join(root, 'quiet-out');
    const r = cli(['transcribe', quiet, '--engine', 'echo', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning NO_SPEECH: no speech was found in quiet\.wav/m);
    expect(readFileSync(join(out, 'quiet.txt'), 'utf8')).toBe('');
    const j = cli(['transcribe', quiet, '--engine', 'echo', '--out', out, '--overwrite', '--json']);
    expect(j.stdout).toContain('"code":"NO_SPEECH"');
  });

  it('gives inputs with the same base name their own transcripts, and says which', () => {
    const dir = join(root, 'same-name');
    mkdirSync(dir, { recursive: true });
    const bytes = readFileSync(meeting);
    writeFileSync(join(dir, 'talk.mp3'), bytes);
    // another recording under the same stem (ffmpeg sniffs the content, not the extension)
    writeFileSync(join(dir, 'talk.opus'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    const out = join(root, 'same-name-out');
    const r = cli([
      'transcribe',
      join(dir, 'talk.mp3'),
      join(dir, 'talk.opus'),
      '--engine',
      'echo',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([join(out, 'talk.mp3.txt'), join(out, 'talk.opus.txt')]);
    expect(readFileSync(join(out, 'talk.mp3.txt'), 'utf8')).not.toBe(
      readFileSync(join(out, 'talk.opus.txt'), 'utf8'),
    );
  });

  it('refuses to overwrite a finished transcript unless --overwrite, and removes the job folder unless --keep-job', () => {
    const out = join(root, 'rerun');
    const args = ['transcribe', meeting, '--engine', 'echo', '--out', out];
    expect(cli(args).code).toBe(0);
    expect(existsSync(join(out, '.rotorscribe-jobs'))).toBe(false);
    writeFileSync(join(out, 'part1.txt'), 'my edits');
    const again = cli(args);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/error OUTPUT_EXISTS: .*part1\.txt.*\n {2}hint: .*--overwrite/);
    expect(readFileSync(join(out, 'part1.txt'), 'utf8')).toBe('my edits');
    const forced = cli([...args, '--overwrite', '--keep-job']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(out, 'part1.txt'), 'utf8')).not.toBe('my edits');
    expect(readdir(out)).toMatch(/^part1\.mp3-/);
  });

  it('after a settings change the hints lead to a finished transcript', async () => {
    const out = join(root, 'changed');
    const base = ['transcribe', meeting, '--engine', 'echo', '--out', out, '--parallel', '1'];
    let windows = 0;
    const stopped = await cliLive(
      [...base, '--max-window-sec', '10', '--json'],
      { ROTORSCRIBE_ECHO_DELAY_MS: '200' },
      (line, child) => {
        if (line.type === 'window' && ++windows === 2) child.kill('SIGINT');
      },
    );
    expect(stopped.code).toBe(130);
    // other settings now: the unfinished job is protected, and the hint names both ways on
    const first = cli([...base, '--max-window-sec', '12']);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/CHECKPOINT_MISMATCH[\s\S]*hint: .*--restart/);
    // following the hint's --resume with the new settings is refused again, pointing at --restart
    const resumed = cli([...base, '--max-window-sec', '12', '--resume']);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toMatch(/CHECKPOINT_MISMATCH[\s\S]*hint: .*--restart/);
    const restarted = cli([...base, '--max-window-sec', '12', '--restart']);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(existsSync(join(out, 'part1.txt'))).toBe(true);
  });

  it('reports a speed no faster than the audio over the whole run', () => {
    const out = join(root, 'speed');
    const t0 = performance.now();
    const r = cli(['transcribe', meeting, '--engine', 'echo', '--out', out]);
    const wall = (performance.now() - t0) / 1000;
    expect(r.code, r.stderr).toBe(0);
    const speed = Number(/, ([\d.]+)x real time/.exec(r.stderr)?.[1]);
    expect(speed).toBeGreaterThan(0);
    // 240 s of audio: the job cannot have been faster than the whole CLI run (which also starts two processes)
    expect(speed).toBeLessThanOrEqual(240 / wall / 0.5);
  });

  it('refuses an output folder it cannot write to', () => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = cli(['transcribe', meeting, '--engine', 'echo', '--out', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error OUTPUT_UNWRITABLE/);
    if (process.getuid?.() !== 0) {
      const ro = join(root, 'read-only');
      mkdirSync(ro);
      chmodSync(ro, 0o500);
      expect(cli(['transcribe', meeting, '--engine', 'echo', '--out', ro]).stderr).toMatch(
        /OUTPUT_UNWRITABLE/,
      );
    }
  });

  it('skips damaged packets with a warning and still transcribes', () => {
    const bytes = readFileSync(meeting);
    // Overwrite 64 KiB in the middle of the stream with noise bytes.
    let x = 12345;
    for (let i = 0; i < 65_536; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      bytes[Math.floor(bytes.length / 2) + i] = x >>> 24;
    }
    const damaged = join(root, 'damaged.mp3');
    writeFileSync(damaged, bytes);
    const r = cli(['transcribe', damaged, '--engine', 'echo', '--out', join(root, 'damaged-out')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning AUDIO_CORRUPT: \d+ damaged audio packet/);
    expect(readFileSync(join(root, 'damaged-out', 'damaged.txt'), 'utf8').length).toBeGreaterThan(100);
  });

  const canMount = process.platform === 'linux' && process.getuid?.() === 0;
  it.runIf(canMount)(
    'reports DISK_FULL with the finished windows kept, and resumes once space is back',
    () => {
      const mnt = join(root, 'full-disk');
      mkdirSync(mnt, { recursive: true });
      spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
      try {
        // Leave room for the manifest and a handful of windows only.
        const free = () =>
          Number(
            spawnSync('df', ['--output=avail', '-B1', mnt], { encoding: 'utf8' })
              .stdout.trim()
              .split('\n')[1],
          );
        writeFileSync(join(mnt, 'filler'), Buffer.alloc(free() - 12 * 1024));
        const args = ['transcribe', meeting, '--engine', 'echo', '--max-window-sec', '10', '--out', mnt];
        const full = cli(args);
        expect(full.code).toBe(1);
        expect(full.stderr).toMatch(
          /error DISK_FULL: [\s\S]*hint: Free some space and run again with --resume: \d+ finished window/,
        );
        const kept = Number(/(\d+) finished window/.exec(full.stderr)![1]);
        expect(kept).toBeGreaterThan(0);
        const log = parseLog(readFileSync(join(mnt, '.rotorscribe-jobs', readdir(mnt), LOG_FILE)));
        expect(log.records).toHaveLength(kept);
        rmSync(join(mnt, 'filler'));
        const resumed = cli([...args, '--resume']);
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(resumed.stderr).toMatch(new RegExp(`\\(${kept} restored\\)`));
      } finally {
        spawnSync('umount', [mnt]);
      }
    },
  );

  it('kill -9 of the engine process at ~50 %: ENGINE_CRASHED with a --resume hint, then byte-identical outputs', async () => {
    const formats = 'txt,srt,vtt,json,md,docx';
    const common = [
      'transcribe',
      meeting,
      '--engine',
      'echo',
      '--format',
      formats,
      '--max-window-sec',
      '10',
      '--parallel',
      '1',
    ];
    const refOut = join(root, 'ref');
    const ref = cli([...common, '--out', refOut, '--keep-job']);
    expect(ref.code, ref.stderr).toBe(0);
    const refLog = parseLog(
      readFileSync(join(refOut, '.rotorscribe-jobs', readdir(refOut), LOG_FILE)),
    ).records;
    const total = refLog.length - 1;
    expect(total).toBeGreaterThan(10);

    const out = join(root, 'killed');
    let windows = 0;
    let killed = 0;
    const { code, lines } = await cliLive(
      [...common, '--out', out, '--json'],
      { ROTORSCRIBE_ECHO_DELAY_MS: '250' },
      (line, child) => {
        if (line.type === 'window' && ++windows === Math.floor(total / 2)) {
          // The engine is the CLI's only child process: kill it, not the CLI.
          killed = enginePid(child.pid!);
          process.kill(killed, 'SIGKILL');
        }
      },
    );
    expect(killed).toBeGreaterThan(0);
    expect(code).toBe(1);
    const error = lines.at(-1)!;
    expect(error).toMatchObject({ type: 'error', code: 'ENGINE_CRASHED', file: meeting });
    expect(error.hint).toMatch(/--resume/);
    expect(existsSync(join(out, 'part1.txt'))).toBe(false);
    const jobDir = join(out, '.rotorscribe-jobs', readdir(out));
    const saved = parseLog(readFileSync(join(jobDir, LOG_FILE))).records.length;
    expect(saved).toBeGreaterThanOrEqual(Math.floor(total / 2) - 1);
    expect(saved).toBeLessThan(total);

    // Without --resume the saved work is protected.
    const refused = cli([...common, '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/CHECKPOINT_MISMATCH[\s\S]*--resume/);

    const resumed = cli([...common, '--out', out, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`${total} windows \\(${saved} restored\\)`));
    for (const f of ['txt', 'srt', 'vtt', 'json', 'md']) {
      expect(readFileSync(join(out, `part1.${f}`)).equals(readFileSync(join(refOut, `part1.${f}`))), f).toBe(
        true,
      );
    }
    const doc = (dir: string) => readZip(readFileSync(join(dir, 'part1.docx'))).get('word/document.xml')!;
    expect(doc(out).equals(doc(refOut))).toBe(true);
    // the job folder is gone once the outputs are written
    expect(existsSync(jobDir)).toBe(false);
  });

  it('stops on SIGINT with the finished windows saved (exit 130), then resumes', async () => {
    const out = join(root, 'sigint');
    const args = [
      'transcribe',
      meeting,
      '--engine',
      'echo',
      '--max-window-sec',
      '10',
      '--parallel',
      '1',
      '--out',
      out,
      '--json',
    ];
    let windows = 0;
    const { code, lines } = await cliLive(args, { ROTORSCRIBE_ECHO_DELAY_MS: '250' }, (line, child) => {
      // Once: a second Ctrl-C means "leave now".
      if (line.type === 'window' && ++windows === 3) child.kill('SIGINT');
    });
    expect(code).toBe(130);
    const err = lines.at(-1)!;
    expect(err).toMatchObject({ type: 'error', code: 'CANCELLED' });
    expect(err.message).toMatch(/[3-9] finished window/);
    const r = cli([
      'transcribe',
      meeting,
      '--engine',
      'echo',
      '--max-window-sec',
      '10',
      '--parallel',
      '1',
      '--out',
      out,
      '--resume',
    ]);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('kill -9 of the engine on the native runtime (tiny synthetic Voxtral)', () => {
  let model: string;
  let mmproj: string;
  let audio: string;
  beforeAll(async () => {
    const fx = await writeSyntheticVoxtral({ dir: join(root, 'rt-model'), size: 'tiny', seed: 3 });
    model = fx.modelPath;
    mmproj = fx.mmprojPath;
    audio = await generateRecording({
      outDir: join(root, 'rt-audio'),
      durationSec: 75,
      format: 'mp3',
      seed: 5,
    });
  }, 180_000);

  it('reports ENGINE_CRASHED and resumes to the same transcript as an uninterrupted run', async () => {
    const common = [
      'transcribe',
      audio,
      '--model',
      model,
      '--mmproj',
      mmproj,
      '--max-window-sec',
      '12',
      '--parallel',
      '1',
      '--kv-k',
      'q8_0',
      '--format',
      'txt,json',
    ];
    const refOut = join(root, 'rt-ref');
    const ref = cli([...common, '--out', refOut]);
    expect(ref.code, ref.stderr).toBe(0);
    const out = join(root, 'rt-killed');
    let windows = 0;
    const { code, lines } = await cliLive([...common, '--out', out, '--json'], {}, (line, child) => {
      if (line.type === 'window' && ++windows === 2) process.kill(enginePid(child.pid!), 'SIGKILL');
    });
    expect(code).toBe(1);
    expect(lines.at(-1)).toMatchObject({
      type: 'error',
      code: 'ENGINE_CRASHED',
      hint: expect.stringMatching(/--resume/),
    });
    const resumed = cli([...common, '--out', out, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/\(([2-9]) restored\)/);
    for (const f of ['txt', 'json']) {
      expect(readFileSync(join(out, `part1.${f}`)).equals(readFileSync(join(refOut, `part1.${f}`))), f).toBe(
        true,
      );
    }
  }, 300_000);
});

/** The engine worker: the only child process of the CLI process. */
function enginePid(cliPid: number): number {
  const pids = spawnSync('ps', ['-o', 'pid=', '--ppid', String(cliPid)], { encoding: 'utf8' })
    .stdout.trim()
    .split(/\s+/u)
    .map(Number)
    .filter((n) => n > 0);
  expect(pids).toHaveLength(1);
  return pids[0]!;
}

function readdir(out: string): string {
  const entries = spawnSync('ls', [join(out, '.rotorscribe-jobs')], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n');
  expect(entries).toHaveLength(1);
  return entries[0]!;
}
