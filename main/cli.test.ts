import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMeeting } from '../fixtures/audio-long';
import { main, parseTranscribeArgs, progressLine, type CliIo } from './cli';
import { LOG_FILE, parseLog } from './engine/checkpoints/store';
import { readZip } from './library/export/testing/zip';

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

describe('argument errors', () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /Unknown command 'frobnicate'/],
    [['transcribe', '--engine', 'echo'], /No input file/],
    [['transcribe', 'a.mp3', '--engine', 'echo', '--format', 'txt,pdf'], /Unknown format 'pdf'/],
    [['transcribe', 'a.mp3', '--engine', 'echo', '--kv-k', 'q3_k'], /Unknown KV cache type 'q3_k'/],
    [['transcribe', 'a.mp3', '--engine', 'echo', '--language', 'klingon'], /Unknown language/],
    [['transcribe', 'a.mp3', '--engine', 'echo', '--max-window-sec', '45'], /max-window-sec must be/],
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
      ],
      { cwd: '/w', env: {} },
    );
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

  it('says which issue brings models, with a non-zero exit (doctor: main/advisor/doctor.test.ts)', async () => {
    for (const c of ['models']) {
      const io = fakeIo();
      expect(await main([c], io)).toBe(1);
      expect(io.err).toMatch(/arrives with/);
    }
  });

  it('draws a progress bar', () => {
    const line = progressLine('meeting.mp3', {
      windowsDone: 10,
      windowsTotal: 40,
      audioSecDone: 900,
      durationSec: 3600,
      realTimeFactor: 0.25,
      etaSec: 675,
    });
    expect(line).toMatch(/^meeting\.mp3 \[#+-+\] {2}25% 15:00\/1:00:00 w10\/40 4\.0x ETA 11:15$/);
    expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe('the CLI on real files (ffmpeg decode + Silero VAD + echo engine)', () => {
  let meeting: string;
  beforeAll(async () => {
    const truth = await generateMeeting({
      outDir: join(root, 'meeting'),
      durationSec: 240,
      formats: ['mp3'],
      seed: 3,
    });
    meeting = join(root, 'meeting', truth.parts[0]!.file);
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
      [dir, 'FILE_UNREADABLE'],
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
    const child = spawn('node', [bin, ...common, '--out', out, '--json'], {
      cwd: root,
      env: { ...process.env, ROTORSCRIBE_ECHO_DELAY_MS: '250' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let windows = 0;
    let buffered = '';
    const lines: { type: string; code?: string; hint?: string; file?: string }[] = [];
    let killed = 0;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, nl)) as { type: string };
        lines.push(line);
        buffered = buffered.slice(nl + 1);
        if (line.type === 'window' && ++windows === Math.floor(total / 2)) {
          // The engine is the CLI's only child process: kill it, not the CLI.
          killed = enginePid(child.pid!);
          process.kill(killed, 'SIGKILL');
        }
      }
    });
    const code = await new Promise<number | null>((r) => child.once('close', r));
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
    const child = spawn('node', [bin, ...args], {
      cwd: root,
      env: { ...process.env, ROTORSCRIBE_ECHO_DELAY_MS: '250' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    let sent = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      text += c;
      // Once: a second Ctrl-C means "leave now".
      if (!sent && (text.match(/"type":"window"/g) ?? []).length >= 3) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((r) => child.once('close', r));
    expect(code).toBe(130);
    const err = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; code?: string; message?: string })
      .at(-1)!;
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
