/**
 * The `rotorscribe` command line: the engine without Electron. Subcommands live in one table (add one = add an
 * entry). Every failure is a RotorError printed as `error CODE: message` + hint, with a non-zero exit status;
 * with --json every event and error is one JSON object per line on stdout.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RotorError, toErrorPayload, type ErrorPayload } from '../common/errors';
import { isKvCacheType, KV_CACHE_TYPES } from '../common/kv-cache-types';
import { writeFileAtomic } from './engine/checkpoints/store';
import { JobControl } from './engine/job/control';
import { EchoTranscriber } from './engine/job/echo-transcriber';
import type { JobDeps, JobEvent, JobProgress, PlanMemory } from './engine/job/runner';
import { MTMD_CHUNK_SEC } from './engine/scheduler/cutter';
import type { Transcriber } from './engine/scheduler/transcriber';
import type { EngineIdentity } from './engine/checkpoints/store';
import { EXPORT_FORMATS, exportTranscript, isExportFormat, type ExportFormat } from './library/export/index';

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Ctrl-C: the CLI cancels the running job (finished windows stay saved). */
  onInterrupt?: (handler: () => void) => () => void;
}

/** An engine ready to transcribe, plus what identifies it in the job manifest. */
export interface OpenedEngine {
  transcriber: Transcriber;
  identity: EngineIdentity;
  dispose(): Promise<void> | void;
}

export interface EngineRequest {
  modelPath?: string;
  mmprojPath?: string;
  kvK: string;
  kvV: string;
  maxWindowSec: number;
  parallel: number;
}

export interface CliDeps {
  /** Front end (decode, VAD) for jobs; default: ffmpeg + Silero. */
  frontEnd?: () => Promise<Pick<JobDeps, 'probe' | 'decode' | 'createVad'>>;
  /** Opens the real runtime; default: main/engine/job/runtime-transcriber when present. */
  openRuntime?: (req: EngineRequest) => Promise<OpenedEngine>;
  planMemory?: PlanMemory;
}

type Handler = (args: string[], io: CliIo, deps: CliDeps) => Promise<number>;

interface Command {
  summary: string;
  usage: string;
  run: Handler;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, cancelled: 130 } as const;

const LANGUAGES = ['en', 'es', 'fr', 'pt', 'hi', 'de', 'nl', 'it'];

function usageError(message: string, hint?: string): RotorError {
  return new RotorError('INVALID_ARGUMENT', message, { hint: hint ?? 'Run `rotorscribe help` for usage.' });
}

function printError(io: CliIo, json: boolean, error: unknown, file?: string): ErrorPayload {
  const payload = toErrorPayload(error);
  if (json) {
    io.stdout.write(`${JSON.stringify({ type: 'error', ...(file ? { file } : {}), ...payload })}\n`);
  } else {
    io.stderr.write(`rotorscribe: error ${payload.code}: ${payload.message}\n`);
    if (payload.hint) io.stderr.write(`  hint: ${payload.hint}\n`);
    if (payload.code === 'INTERNAL' && error instanceof Error && error.stack && io.env.ROTORSCRIBE_DEBUG) {
      io.stderr.write(`${error.stack}\n`);
    }
  }
  return payload;
}

function parse(args: string[], options: ParseArgsConfig['options']): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(
      error instanceof Error ? error.message.replace(/\. To specify.*$/su, '.') : String(error),
    );
  }
}

// ---------------------------------------------------------------------------------------------- transcribe

const TRANSCRIBE_OPTIONS = {
  language: { type: 'string' },
  'kv-k': { type: 'string' },
  'kv-v': { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'boolean' },
  restart: { type: 'boolean' },
  model: { type: 'string' },
  mmproj: { type: 'string' },
  'max-window-sec': { type: 'string' },
  parallel: { type: 'string' },
  json: { type: 'boolean' },
  // For tests and demos without model weights: `echo` derives text from the audio itself.
  engine: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

interface TranscribeArgs {
  files: string[];
  language?: string;
  kvK: string;
  kvV: string;
  formats: ExportFormat[];
  out: string;
  existing: 'resume' | 'restart' | 'refuse';
  modelPath?: string;
  mmprojPath?: string;
  maxWindowSec: number;
  parallel: number;
  json: boolean;
  engine: 'runtime' | 'echo';
}

export function parseTranscribeArgs(args: string[], io: Pick<CliIo, 'cwd' | 'env'>): TranscribeArgs {
  const { values: v, positionals } = parse(args, TRANSCRIBE_OPTIONS) as {
    values: Partial<Record<keyof typeof TRANSCRIBE_OPTIONS, string | boolean>>;
    positionals: string[];
  };
  const str = (k: keyof typeof TRANSCRIBE_OPTIONS): string | undefined =>
    typeof v[k] === 'string' ? (v[k] as string) : undefined;
  if (positionals.length === 0)
    throw usageError('No input file given.', 'Usage: rotorscribe transcribe <file…> [options]');
  const language = str('language');
  if (language !== undefined && language !== 'auto' && !LANGUAGES.includes(language)) {
    throw usageError(`Unknown language '${language}'.`, `Use one of: auto, ${LANGUAGES.join(', ')}.`);
  }
  const kv = (flag: 'kv-k' | 'kv-v'): string => {
    const t = str(flag) ?? 'f16';
    if (!isKvCacheType(t)) {
      throw usageError(
        `Unknown KV cache type '${t}' for --${flag}.`,
        `Use one of: ${KV_CACHE_TYPES.map((x) => x.name).join(', ')}.`,
      );
    }
    return t;
  };
  const formats = (str('format') ?? 'txt').split(',').map((f) => f.trim().toLowerCase());
  for (const f of formats) {
    if (!isExportFormat(f))
      throw usageError(
        `Unknown format '${f}'.`,
        `Use a comma-separated list of: ${EXPORT_FORMATS.join(', ')}.`,
      );
  }
  const num = (
    flag: 'max-window-sec' | 'parallel',
    def: number,
    lo: number,
    hi: number,
    integer: boolean,
  ): number => {
    const raw = str(flag);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < lo || n > hi || (integer && !Number.isInteger(n))) {
      throw usageError(
        `--${flag} must be ${integer ? 'an integer' : 'a number'} from ${lo} to ${hi}, got '${raw}'.`,
      );
    }
    return n;
  };
  if (v.resume && v.restart) throw usageError('--resume and --restart cannot be used together.');
  const engine = str('engine') ?? io.env.ROTORSCRIBE_ENGINE ?? 'runtime';
  if (engine !== 'runtime' && engine !== 'echo')
    throw usageError(`Unknown engine '${engine}'.`, 'Use runtime (default) or echo (testing).');
  const modelPath = str('model') ?? io.env.ROTORSCRIBE_MODEL;
  const mmprojPath = str('mmproj') ?? io.env.ROTORSCRIBE_MMPROJ;
  if (engine === 'runtime' && (!modelPath || !mmprojPath)) {
    throw usageError(
      'A model and its audio encoder are needed.',
      'Pass --model FILE.gguf --mmproj MMPROJ.gguf (or set ROTORSCRIBE_MODEL / ROTORSCRIBE_MMPROJ).',
    );
  }
  return {
    files: positionals.map((p) => resolve(io.cwd, p)),
    ...(language && language !== 'auto' ? { language } : {}),
    kvK: kv('kv-k'),
    kvV: kv('kv-v'),
    formats: [...new Set(formats)] as ExportFormat[],
    out: resolve(io.cwd, str('out') ?? '.'),
    existing: v.resume ? 'resume' : v.restart ? 'restart' : 'refuse',
    ...(modelPath ? { modelPath: resolve(io.cwd, modelPath) } : {}),
    ...(mmprojPath ? { mmprojPath: resolve(io.cwd, mmprojPath) } : {}),
    maxWindowSec: num('max-window-sec', 28, 5, MTMD_CHUNK_SEC - 0.5, false),
    parallel: num('parallel', 2, 1, 16, true),
    json: v.json === true,
    engine,
  };
}

async function ensureOutDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const info = await stat(dir);
    if (!info.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(dir, 2 /* W_OK */);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RotorError('OUTPUT_UNWRITABLE', `The output folder cannot be written to: ${dir}`, {
      hint:
        code === 'ENOSPC'
          ? 'The disk is full; free some space.'
          : 'Choose a folder you can write to with --out DIR.',
      detail: code,
      cause: error,
    });
  }
}

/** Job folder per input, inside the output folder: `.rotorscribe-jobs/<name>-<hash of the full path>`. */
export function jobDirFor(out: string, input: string): string {
  const h = createHash('sha256').update(resolve(input)).digest('hex').slice(0, 8);
  return join(out, '.rotorscribe-jobs', `${basename(input)}-${h}`);
}

function formatDuration(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '--:--';
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => n.toString().padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export function progressLine(name: string, p: JobProgress, width = 80): string {
  const fraction = p.durationSec ? Math.min(1, p.audioSecDone / p.durationSec) : 0;
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  const rtf = p.realTimeFactor === null ? '' : ` ${(1 / p.realTimeFactor).toFixed(1)}x`;
  const tail = ` ${pct} ${formatDuration(p.audioSecDone)}/${formatDuration(p.durationSec)} w${p.windowsDone}/${p.windowsTotal ?? '?'}${rtf} ETA ${formatDuration(p.etaSec)}`;
  const label = name.length > 24 ? `${name.slice(0, 21)}...` : name;
  const barWidth = Math.max(10, width - tail.length - label.length - 4);
  const filled = Math.round(fraction * barWidth);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${tail}`;
}

async function defaultFrontEnd(): Promise<Pick<JobDeps, 'probe' | 'decode' | 'createVad'>> {
  const audio = await import('./engine/audio/decode');
  const vad = await import('./engine/vad/silero');
  return {
    probe: (path, o) => audio.probeAudio(path, o),
    decode: (path, o) => audio.decodeAudio(path, o),
    createVad: () => vad.SileroVad.load(),
  };
}

/** The advisor's memory model (main/advisor) as the job's budget check, given the model files' full paths. */
async function defaultPlanMemory(modelPath?: string, mmprojPath?: string): Promise<PlanMemory> {
  const { createJobPlanMemory } = await import('./advisor/job-plan');
  const { runtimeAdvisorDeps } = await import('./advisor/runtime-deps');
  const plan = createJobPlanMemory(await runtimeAdvisorDeps());
  return (req) =>
    plan({
      ...req,
      engine: {
        ...req.engine,
        ...(modelPath ? { model: modelPath } : {}),
        ...(mmprojPath ? { mmproj: mmprojPath } : {}),
      },
    });
}

async function defaultOpenRuntime(req: EngineRequest): Promise<OpenedEngine> {
  const mod = await import('./engine/job/runtime-transcriber');
  return mod.openRuntimeTranscriber(req);
}

const transcribe: Handler = async (args, io, deps) => {
  const a = parseTranscribeArgs(args, io);
  await ensureOutDir(a.out);
  const frontEnd = await (deps.frontEnd ?? defaultFrontEnd)();
  const { runJob } = await import('./engine/job/runner');
  const emitJson = (obj: object): void => void io.stdout.write(`${JSON.stringify(obj)}\n`);
  let engine: OpenedEngine;
  if (a.engine === 'echo') {
    const delay = Number(io.env.ROTORSCRIBE_ECHO_DELAY_MS ?? 0);
    engine = {
      transcriber: new EchoTranscriber(a.parallel, Number.isFinite(delay) ? delay : 0),
      identity: { id: 'echo', kvK: a.kvK, kvV: a.kvV },
      dispose: () => undefined,
    };
  } else {
    const req: EngineRequest = { kvK: a.kvK, kvV: a.kvV, maxWindowSec: a.maxWindowSec, parallel: a.parallel };
    if (a.modelPath) req.modelPath = a.modelPath;
    if (a.mmprojPath) req.mmprojPath = a.mmprojPath;
    engine = await (deps.openRuntime ?? defaultOpenRuntime)(req);
  }
  const planMemory =
    deps.planMemory ??
    (a.engine === 'runtime' && !deps.openRuntime
      ? await defaultPlanMemory(a.modelPath, a.mmprojPath)
      : undefined);
  let failures = 0;
  let cancelled = false;
  try {
    for (const file of a.files) {
      const control = new JobControl();
      const off = io.onInterrupt?.(() => control.cancel());
      const name = basename(file);
      const tty = !a.json && io.stderr.isTTY === true;
      let lastDraw = 0;
      const onEvent = (e: JobEvent): void => {
        if (a.json) {
          if (e.type !== 'piece') emitJson({ file, ...e });
          return;
        }
        if (e.type === 'warning')
          io.stderr.write(`${tty ? '\r\x1b[K' : ''}warning ${e.code}: ${e.message}\n`);
        if (tty && e.type === 'progress' && Date.now() - lastDraw > 100) {
          lastDraw = Date.now();
          io.stderr.write(`\r\x1b[K${progressLine(name, e.progress, io.stderr.columns ?? 80)}`);
        }
      };
      try {
        const result = await runJob(
          {
            input: file,
            jobDir: jobDirFor(a.out, file),
            existing: a.existing,
            ...(a.language ? { language: a.language } : {}),
            cutter: { maxWindowSec: a.maxWindowSec },
            engine: engine.identity,
            control,
            onEvent,
          },
          {
            ...frontEnd,
            transcriber: engine.transcriber,
            ...(planMemory ? { planMemory } : {}),
          },
        );
        const stem = basename(file, extname(file));
        const written: string[] = [];
        for (const f of a.formats) {
          const path = join(a.out, `${stem}.${f}`);
          try {
            await writeFileAtomic(path, await exportTranscript(result.transcript, f));
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            throw new RotorError(
              code === 'ENOSPC' ? 'DISK_FULL' : 'OUTPUT_UNWRITABLE',
              `Could not write ${path}.`,
              {
                hint: 'The transcript is saved in the job folder; free space or fix permissions, then run again with --resume.',
                detail: code,
                cause: error,
              },
            );
          }
          written.push(path);
        }
        if (a.json) emitJson({ type: 'written', file, outputs: written });
        else {
          if (tty) io.stderr.write('\r\x1b[K');
          const p = result.progress;
          const speed = p.realTimeFactor ? `, ${(1 / p.realTimeFactor).toFixed(1)}x real time` : '';
          io.stderr.write(
            `${name}: ${result.records.length} windows (${result.restored} restored), ${result.transcript.segments.length} segments${speed}\n`,
          );
          for (const w of written) io.stdout.write(`${w}\n`);
        }
      } catch (error) {
        if (!a.json && tty) io.stderr.write('\r\x1b[K');
        const payload = printError(io, a.json, error, file);
        if (payload.code === 'CANCELLED') {
          cancelled = true;
          break;
        }
        failures++;
      } finally {
        off?.();
      }
    }
  } finally {
    await engine.dispose();
  }
  return cancelled ? EXIT.cancelled : failures > 0 ? EXIT.failed : EXIT.ok;
};

// ---------------------------------------------------------------------------------------------- table

const doctor: Handler = async (args, io) => {
  const { values, positionals } = parse(args, {
    json: { type: 'boolean' },
    model: { type: 'string' },
    mmproj: { type: 'string' },
  });
  if (positionals.length) throw usageError(`Unexpected argument '${String(positionals[0])}'.`);
  const { runDoctor } = await import('./advisor/doctor');
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const modelPath = str(values.model) ?? io.env['ROTORSCRIBE_MODEL'];
  const mmprojPath = str(values.mmproj) ?? io.env['ROTORSCRIBE_MMPROJ'];
  const { text } = await runDoctor({
    json: values.json === true,
    ...(modelPath ? { modelPath: resolve(io.cwd, modelPath) } : {}),
    ...(mmprojPath ? { mmprojPath: resolve(io.cwd, mmprojPath) } : {}),
  });
  io.stdout.write(`${text}\n`);
  return EXIT.ok;
};

function stub(what: string, issue: string): Handler {
  return async (_args, io) => {
    io.stderr.write(`rotorscribe: ${what} is not available in this build yet (it arrives with ${issue}).\n`);
    return EXIT.failed;
  };
}

export const COMMANDS: Record<string, Command> = {
  transcribe: {
    summary: 'Transcribe audio/video files (resumable; exports txt, srt, vtt, json, md, docx).',
    usage: [
      'rotorscribe transcribe <file…> [options]',
      '  --model FILE --mmproj FILE   Voxtral GGUF and its audio encoder (or ROTORSCRIBE_MODEL / ROTORSCRIBE_MMPROJ)',
      `  --language xx                ${['auto', ...LANGUAGES].join(' | ')} (default auto)`,
      '  --kv-k TYPE --kv-v TYPE      KV cache types (f16, q8_0, q4_0, planar3, iso3, planar4, iso4, …; default f16)',
      `  --format LIST                comma-separated: ${EXPORT_FORMATS.join(',')} (default txt)`,
      '  --out DIR                    output folder (default: current folder); job progress is kept in DIR/.rotorscribe-jobs',
      '  --resume | --restart         continue an interrupted job / discard it and start over',
      '  --max-window-sec N           longest audio window, 5 to 29.5 s (default 28)',
      '  --parallel N                 windows decoded together when memory allows (default 2)',
      '  --json                       JSON lines on stdout (events, errors) instead of a progress bar',
    ].join('\n'),
    run: transcribe,
  },
  doctor: {
    summary: 'Hardware report and recommended configuration.',
    usage: [
      'rotorscribe doctor [--json] [--model FILE --mmproj FILE]',
      '  --model FILE --mmproj FILE   size the recommendation from these GGUF headers (or ROTORSCRIBE_MODEL / ROTORSCRIBE_MMPROJ)',
      '  --json                       the full report as JSON',
    ].join('\n'),
    run: doctor,
  },
  models: {
    summary: 'List, download and check models.',
    usage: 'rotorscribe models',
    run: stub('`models`', 'the model-manager issue'),
  },
};

function help(io: CliIo, command?: string): number {
  const c = command ? COMMANDS[command] : undefined;
  if (c) io.stdout.write(`${c.summary}\n\n${c.usage}\n`);
  else {
    const rows = Object.entries(COMMANDS).map(([n, x]) => `  ${n.padEnd(12)}${x.summary}`);
    io.stdout.write(
      `RotorScribe — private, local transcription\n\nUsage: rotorscribe <command> [options]\n\n${rows.join('\n')}\n  help [cmd]   This text, or a command's options.\n`,
    );
  }
  return EXIT.ok;
}

export async function main(argv: string[], io: CliIo = processIo(), deps: CliDeps = {}): Promise<number> {
  const [command, ...rest] = argv;
  const json = rest.includes('--json');
  if (!command || command === 'help' || command === '--help' || command === '-h') return help(io, rest[0]);
  const c = COMMANDS[command];
  try {
    if (!c)
      throw usageError(`Unknown command '${command}'.`, `Commands: ${Object.keys(COMMANDS).join(', ')}.`);
    if (rest.includes('--help') || rest.includes('-h')) return help(io, command);
    return await c.run(rest, io, deps);
  } catch (error) {
    const payload = printError(io, json, error);
    return payload.code === 'INVALID_ARGUMENT'
      ? EXIT.usage
      : payload.code === 'CANCELLED'
        ? EXIT.cancelled
        : EXIT.failed;
  }
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    onInterrupt: (handler) => {
      let count = 0;
      const onSig = (): void => {
        // A second Ctrl-C leaves at once; the first lets the job save and stop.
        if (++count > 1) process.exit(EXIT.cancelled);
        handler();
      };
      process.on('SIGINT', onSig);
      process.on('SIGTERM', onSig);
      return () => {
        process.off('SIGINT', onSig);
        process.off('SIGTERM', onSig);
      };
    },
  };
}
