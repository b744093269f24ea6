/**
 * The `rotorscribe` command line: a client of the engine host. Transcription runs in a child engine process (a native
 * crash there is reported here, never takes the CLI down); this process plans memory with the advisor from what the
 * engine reports, sends the `job`, draws progress and writes the exports. Subcommands live in one table (add one = add
 * an entry). Every failure is a RotorError printed as `error CODE: message` + hint, with a non-zero exit status;
 * with --json every event and error is one JSON object per line on stdout.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { access, mkdir, rmdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { HardwareInfo } from '@common/advisor-types';
import { RotorError, toErrorPayload, type ErrorPayload } from '@common/errors';
import { isKvCacheType, KV_CACHE_TYPES, type KvCacheType } from '@common/kv-cache-types';
import { MAX_WINDOW_SEC, MIN_WINDOW_SEC } from '@common/window-budget';
import { formatEstimate } from '@common/clock';
import { deleteJobFolder } from './engine/checkpoints/delete-job';
import { pinnedSettings, withPinnedLayout } from './engine/checkpoints/pinned-settings';
import { writeFileAtomic } from './fs/atomic-write';
import { createEngineHost, type EngineHost } from './engine/host/engine-host';
import { forkTransportFactory, workerFromSource } from './engine/host/fork-transport';
import type { JobEngine, JobPlan } from './engine/host/protocol';
import { EXPORT_FORMATS, exportTranscript, isExportFormat, type ExportFormat } from './library/export/index';
import { hostFacts } from './advisor/engine-facts';
import { formatBackendSummary, type BackendSummary } from './engine/runtime/backends';
import { withCliHint } from './cli/hints';
import { MODELS_USAGE, modelsCommand } from './cli/models';
import { expandInputs, truncatedNote } from './cli/inputs';
import { DEFAULT_EXPAND_LIMITS } from './fs/expand-paths';
import { outputStems } from './cli/outputs';
import { qualitySummary, type FlaggedWindow } from './cli/summary';

export interface CliIo {
  stdout: { write(text: string | Uint8Array): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Ctrl-C: the CLI cancels the running job (finished windows stay saved). */
  onInterrupt?: (handler: () => void) => () => void;
}

export interface CliDeps {
  /** The engine host; default: a child process running the worker from source, never restarted behind a job. */
  createHost?: () => EngineHost;
  /** The machine as the advisor sees it (tests); default: probed, with the engine's devices. */
  hardware?: HardwareInfo;
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
    if (io.env.ROTORSCRIBE_DEBUG && payload.detail) io.stderr.write(`  detail: ${payload.detail}\n`);
    if (payload.code === 'INTERNAL' && error instanceof Error && error.stack && io.env.ROTORSCRIBE_DEBUG) {
      io.stderr.write(`${error.stack}\n`);
    }
  }
  return payload;
}

function parse(
  args: string[],
  options: ParseArgsConfig['options'],
  command: string,
): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(
      error instanceof Error ? error.message.replace(/\. To specify.*$/su, '.') : String(error),
      `Run \`rotorscribe help ${command}\` for its options.`,
    );
  }
}

export function defaultEngineHost(env: NodeJS.ProcessEnv = process.env): EngineHost {
  // maxRestarts 0: a crash fails the job in front of the user (who resumes it), it is not retried behind their back.
  return createEngineHost({ createTransport: forkTransportFactory(workerFromSource(), env), maxRestarts: 0 });
}

// ---------------------------------------------------------------------------------------------- transcribe

const TRANSCRIBE_OPTIONS = {
  language: { type: 'string' },
  'kv-k': { type: 'string' },
  'kv-v': { type: 'string' },
  format: { type: 'string' },
  timestamps: { type: 'boolean' },
  recursive: { type: 'boolean', short: 'r' },
  out: { type: 'string' },
  resume: { type: 'boolean' },
  restart: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  'keep-job': { type: 'boolean' },
  model: { type: 'string' },
  mmproj: { type: 'string' },
  'max-window-sec': { type: 'string' },
  parallel: { type: 'string' },
  'gpu-layers': { type: 'string' },
  json: { type: 'boolean' },
  // For tests and demos without model weights: `echo` derives text from the audio itself.
  engine: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

interface TranscribeArgs {
  files: string[];
  language?: string;
  /** Undefined: the advisor's recommendation for this machine decides. */
  kvK?: KvCacheType;
  kvV?: KvCacheType;
  maxWindowSec?: number;
  parallel?: number;
  /** Text-model layers on the GPU (0 = CPU only); undefined: as the advisor plans. */
  gpuLayers?: number;
  formats: ExportFormat[];
  /** TXT paragraphs start with their time, `[M:SS]` (Markdown and DOCX always show it). */
  timestamps: boolean;
  /** A folder stands for everything inside it, sub-folders included (the app's walk and caps). */
  recursive: boolean;
  /** Output folder; with `--out -` the current folder, which then holds only the job folder. */
  out: string;
  /** `--out -`: the one transcript goes to stdout (progress and messages stay on stderr). */
  toStdout: boolean;
  existing: 'resume' | 'restart' | 'refuse';
  overwrite: boolean;
  keepJob: boolean;
  modelPath?: string;
  mmprojPath?: string;
  json: boolean;
  engine: 'runtime' | 'echo';
}

export function parseTranscribeArgs(args: string[], io: Pick<CliIo, 'cwd' | 'env'>): TranscribeArgs {
  const { values: v, positionals } = parse(args, TRANSCRIBE_OPTIONS, 'transcribe') as {
    values: Partial<Record<keyof typeof TRANSCRIBE_OPTIONS, string | boolean>>;
    positionals: string[];
  };
  const str = (k: keyof typeof TRANSCRIBE_OPTIONS): string | undefined =>
    typeof v[k] === 'string' ? (v[k] as string) : undefined;
  if (positionals.length === 0)
    throw usageError('No input file given.', 'Usage: rotorscribe transcribe <file…> [options]');
  const language = str('language')?.toLowerCase();
  if (language !== undefined && language !== 'auto' && !LANGUAGES.includes(language)) {
    throw usageError(`Unknown language '${str('language')}'.`, `Use one of: auto, ${LANGUAGES.join(', ')}.`);
  }
  const kv = (flag: 'kv-k' | 'kv-v'): KvCacheType | undefined => {
    const t = str(flag)?.toLowerCase();
    if (t === undefined) return undefined;
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
    flag: 'max-window-sec' | 'parallel' | 'gpu-layers',
    lo: number,
    hi: number,
    integer: boolean,
  ): number | undefined => {
    const raw = str(flag);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < lo || n > hi || (integer && !Number.isInteger(n))) {
      throw usageError(
        `--${flag} must be ${integer ? 'an integer' : 'a number'} from ${lo} to ${hi}, got '${raw}'.`,
      );
    }
    return n;
  };
  if (v.resume && v.restart) throw usageError('--resume and --restart cannot be used together.');
  if (v.timestamps === true && !formats.includes('txt'))
    throw usageError(
      '--timestamps is for the txt format.',
      'Markdown and DOCX always start each paragraph with its time; SRT, VTT and JSON time every segment. Add txt to --format.',
    );
  const toStdout = str('out') === '-';
  if (toStdout && new Set(formats).size !== 1)
    throw usageError(
      '--out - writes one transcript to stdout, in one format.',
      'Pass a single --format, or --out DIR to write several.',
    );
  if (toStdout && v.json === true)
    throw usageError(
      '--out - and --json both write to stdout.',
      'Use one of them, or --out DIR with --json.',
    );
  const engine = str('engine') ?? io.env.ROTORSCRIBE_ENGINE ?? 'runtime';
  if (engine !== 'runtime' && engine !== 'echo')
    throw usageError(`Unknown engine '${engine}'.`, 'Use runtime (default) or echo (testing).');
  const modelPath = str('model') ?? io.env.ROTORSCRIBE_MODEL;
  const mmprojPath = str('mmproj') ?? io.env.ROTORSCRIBE_MMPROJ;
  if (engine === 'runtime' && (!modelPath || !mmprojPath)) {
    throw usageError(
      'A model and its audio encoder are needed.',
      'Pass --model FILE.gguf --mmproj MMPROJ.gguf (or set ROTORSCRIBE_MODEL / ROTORSCRIBE_MMPROJ), or --engine echo to try the pipeline without weights.',
    );
  }
  const kvK = kv('kv-k');
  const kvV = kv('kv-v');
  const maxWindowSec = num('max-window-sec', MIN_WINDOW_SEC, MAX_WINDOW_SEC, false);
  const parallel = num('parallel', 1, 16, true);
  const gpuLayers = num('gpu-layers', 0, 1000, true);
  return {
    files: positionals.map((p) => resolve(io.cwd, p)),
    ...(language && language !== 'auto' ? { language } : {}),
    ...(kvK ? { kvK } : {}),
    ...(kvV ? { kvV } : {}),
    ...(maxWindowSec !== undefined ? { maxWindowSec } : {}),
    ...(parallel !== undefined ? { parallel } : {}),
    ...(gpuLayers !== undefined ? { gpuLayers } : {}),
    formats: [...new Set(formats)] as ExportFormat[],
    timestamps: v.timestamps === true,
    recursive: v.recursive === true,
    out: resolve(io.cwd, toStdout ? '.' : (str('out') ?? '.')),
    toStdout,
    existing: v.resume ? 'resume' : v.restart ? 'restart' : 'refuse',
    overwrite: v.overwrite === true,
    keepJob: v['keep-job'] === true,
    ...(modelPath ? { modelPath: resolve(io.cwd, modelPath) } : {}),
    ...(mmprojPath ? { mmprojPath: resolve(io.cwd, mmprojPath) } : {}),
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

/** The progress fields the CLI draws (structural: the job's JobProgress has them). */
export interface ProgressView {
  windowsDone: number;
  windowsTotal: number | null;
  audioSecDone: number;
  durationSec: number | null;
  etaSec: number | null;
  /** Audio seconds per wall second (× real time). */
  speedX: number | null;
}

/** Audio seconds per wall second: "4.0x real time" means an hour of audio in 15 minutes. */
export function speedOf(p: ProgressView): number | null {
  return typeof p.speedX === 'number' && p.speedX > 0 ? p.speedX : null;
}

export function progressLine(name: string, p: ProgressView, width = 80): string {
  const fraction = p.durationSec ? Math.min(1, p.audioSecDone / p.durationSec) : 0;
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  const speed = speedOf(p);
  const rtf = speed === null ? '' : ` ${speed.toFixed(1)}x`;
  const total = p.windowsTotal === null ? '?' : String(Math.max(p.windowsTotal, p.windowsDone));
  const tail = ` ${pct} ${formatEstimate(p.audioSecDone)}/${formatEstimate(p.durationSec)} w${p.windowsDone}/${total}${rtf} ETA ${formatEstimate(p.etaSec)}`;
  const label = name.length > 24 ? `${name.slice(0, 21)}...` : name;
  const barWidth = Math.max(10, width - tail.length - label.length - 4);
  const filled = Math.round(fraction * barWidth);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${tail}`;
}

interface PlanOutcome {
  plan: JobPlan;
  reason?: string;
  note?: string;
}

/**
 * Plan, then allocate: the engine reports devices, cache types and what it holds; the advisor turns those into the
 * plan here, and a plan that does not fit fails before the engine has loaded anything.
 */
async function planFor(a: TranscribeArgs, host: EngineHost, deps: CliDeps): Promise<PlanOutcome> {
  const overrides = {
    ...(a.kvK ? { kvK: a.kvK } : {}),
    ...(a.kvV ? { kvV: a.kvV } : {}),
    ...(a.maxWindowSec !== undefined ? { maxWindowSec: a.maxWindowSec } : {}),
    ...(a.parallel !== undefined ? { parallel: a.parallel } : {}),
    ...(a.gpuLayers !== undefined ? { gpuLayers: a.gpuLayers } : {}),
  };
  if (a.engine === 'echo') {
    // No model, no memory to plan: the echo engine takes the flags as they are.
    const kvK = a.kvK ?? 'f16';
    return {
      plan: { kvK, kvV: a.kvV ?? kvK, maxWindowSec: a.maxWindowSec ?? 28, parallel: a.parallel ?? 2 },
    };
  }
  const { createJobAdvisor, planJob } = await import('./advisor/job-config');
  const facts = await hostFacts(host);
  const advisor = await createJobAdvisor({
    ...facts,
    ...(a.modelPath ? { modelPath: a.modelPath } : {}),
    ...(a.mmprojPath ? { mmprojPath: a.mmprojPath } : {}),
    ...(deps.hardware ? { hardware: deps.hardware } : {}),
  });
  const r = planJob(advisor, overrides, a.modelPath);
  return {
    plan: r.plan,
    reason: r.reason,
    ...(r.lowered
      ? { note: `--parallel ${r.lowered.asked} does not fit; running ${r.lowered.fits} windows at a time.` }
      : {}),
  };
}

/**
 * A resume runs the job as it was started (the engine refuses other settings): its window layout always, its cache
 * types and window length unless the command line names others.
 */
async function resumePlan(plan: JobPlan, jobDir: string, a: TranscribeArgs): Promise<JobPlan> {
  const pinned = await pinnedSettings(jobDir);
  if (!pinned) return plan;
  const { maxWindowSec: _window, ...layout } = pinned;
  const out = withPinnedLayout(plan, a.maxWindowSec === undefined ? pinned : layout);
  if (!a.kvK && pinned.kvK) out.kvK = pinned.kvK;
  if (!a.kvV && pinned.kvV) out.kvV = pinned.kvV;
  return out;
}

async function existingOutputs(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const p of paths) {
    try {
      await stat(p);
      found.push(p);
    } catch {
      // absent: fine
    }
  }
  return found;
}

const transcribe: Handler = async (args, io, deps) => {
  const parsed = parseTranscribeArgs(args, io);
  const expanded = await expandInputs(parsed.files, { recursive: parsed.recursive });
  if (expanded.truncated) io.stderr.write(`${truncatedNote(expanded.files.length)}\n`);
  const a = { ...parsed, files: expanded.files };
  if (a.toStdout && a.files.length > 1)
    throw usageError(
      `--out - writes one transcript to stdout; ${a.files.length} inputs were given.`,
      'Name one file, or use --out DIR for several.',
    );
  if (a.toStdout && a.formats[0] === 'docx' && io.stdout.isTTY === true)
    throw usageError(
      'A DOCX file is binary and would garble the terminal.',
      'Redirect stdout to a file (> x.docx), or use --out DIR.',
    );
  await ensureOutDir(a.out);
  for (const { path, error } of expanded.failed) printError(io, a.json, error, path);
  if (a.files.length === 0) return EXIT.failed;
  const stems = outputStems(a.files);
  const exportOptions = { timestamps: a.timestamps };
  const emitJson = (obj: object): void => void io.stdout.write(`${JSON.stringify(obj)}\n`);
  const host = (deps.createHost ?? (() => defaultEngineHost()))();
  let failures = expanded.failed.length;
  let cancelled = false;
  try {
    const planned = await planFor(a, host, deps).catch((error: unknown) => {
      throw withCliHint(error);
    });
    const { plan } = planned;
    const placement =
      plan.gpuLayers === undefined
        ? ''
        : `, ${plan.gpuLayers === 0 ? 'CPU only' : `${plan.gpuLayers} GPU layers`}${plan.flashAttention ? ', flash attention' : ''}`;
    const planText = `${plan.kvK}/${plan.kvV} cache, ${plan.maxWindowSec} s windows × ${plan.parallel}${placement}`;
    if (a.json) emitJson({ type: 'plan', plan, ...(planned.reason ? { reason: planned.reason } : {}) });
    else {
      io.stderr.write(`plan: ${planText}${planned.reason ? ` — ${planned.reason}` : ''}\n`);
      if (planned.note) io.stderr.write(`note: ${planned.note}\n`);
    }
    const delay = Number(io.env.ROTORSCRIBE_ECHO_DELAY_MS ?? 0);
    const engine: JobEngine =
      a.engine === 'echo'
        ? { kind: 'echo', ...(Number.isFinite(delay) && delay > 0 ? { delayMs: delay } : {}) }
        : { kind: 'runtime', modelPath: a.modelPath ?? '', mmprojPath: a.mmprojPath ?? '' };

    for (const file of a.files) {
      const name = basename(file);
      const stem = stems.get(file) ?? name;
      const outputs = a.toStdout ? [] : a.formats.map((f) => join(a.out, `${stem}.${f}`));
      const jobDir = jobDirFor(a.out, file);
      const tty = !a.json && io.stderr.isTTY === true;
      const ac = new AbortController();
      const off = io.onInterrupt?.(() => ac.abort());
      const finished: FlaggedWindow[] = [];
      let saved = 0;
      let shownTotal = 0;
      let lastDraw = 0;
      try {
        const clash = a.overwrite || a.existing === 'restart' ? [] : await existingOutputs(outputs);
        if (clash.length > 0) {
          throw new RotorError('OUTPUT_EXISTS', `A transcript of ${name} is already there: ${clash[0]}`, {
            hint: 'Add --overwrite to replace it (or --restart to transcribe again), or choose another --out folder.',
          });
        }
        const result = await host.request(
          'job',
          {
            input: file,
            jobDir,
            existing: a.existing,
            ...(a.language ? { language: a.language } : {}),
            engine,
            plan: a.existing === 'resume' ? await resumePlan(plan, jobDir, a) : plan,
          },
          {
            signal: ac.signal,
            onEvent: (e) => {
              if (e.type === 'window') {
                saved++;
                finished.push({ startSec: e.startSec, flags: e.flags, attempts: e.attempts });
              }
              if (a.json) {
                if (e.type !== 'piece') emitJson({ file, ...e });
                return;
              }
              if (e.type === 'warning')
                io.stderr.write(`${tty ? '\r\x1b[K' : ''}warning ${e.code}: ${e.message}\n`);
              // The total is an estimate: never let the drawn figure go down.
              if (e.type === 'progress') shownTotal = Math.max(shownTotal, e.progress.windowsTotal ?? 0);
              if (tty && e.type === 'progress' && Date.now() - lastDraw > 100) {
                lastDraw = Date.now();
                const view = { ...e.progress, windowsTotal: shownTotal || null };
                io.stderr.write(`\r\x1b[K${progressLine(name, view, io.stderr.columns ?? 80)}`);
              }
            },
          },
        );
        const written: string[] = [];
        if (result.transcript.segments.length === 0) {
          // a recording with nothing but silence or noise: not a failure, but an empty file deserves a reason
          const message = `no speech was found in ${name}; the transcript is empty.`;
          if (a.json) emitJson({ type: 'warning', file, code: 'NO_SPEECH', message });
          else io.stderr.write(`warning NO_SPEECH: ${message}\n`);
        }
        if (a.toStdout)
          io.stdout.write(await exportTranscript(result.transcript, a.formats[0]!, exportOptions));
        for (let i = 0; i < outputs.length; i++) {
          const path = outputs[i]!;
          try {
            await writeFileAtomic(
              path,
              await exportTranscript(result.transcript, a.formats[i]!, exportOptions),
            );
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            throw new RotorError(
              code === 'ENOSPC' ? 'DISK_FULL' : 'OUTPUT_UNWRITABLE',
              `Could not write ${path}.`,
              {
                hint: 'The transcript is saved in the job folder; free space or fix permissions, then run again with --resume --overwrite.',
                detail: code,
                cause: error,
              },
            );
          }
          written.push(path);
        }
        // The outputs are on disk: the job folder has done its work (kept with --keep-job).
        if (!a.keepJob) {
          await deleteJobFolder(jobDir);
          await rmdir(join(a.out, '.rotorscribe-jobs')).catch(() => undefined);
        }
        const quality = qualitySummary(finished);
        const speed = speedOf(result.progress);
        if (a.json) {
          emitJson({
            type: 'written',
            file,
            outputs: written,
            ...(speed !== null ? { speedX: speed } : {}),
            ...(quality ? { quality } : {}),
          });
        } else {
          if (tty) io.stderr.write('\r\x1b[K');
          const speedText = speed !== null ? `, ${speed.toFixed(1)}x real time` : '';
          io.stderr.write(
            `${name}: ${result.windows} windows (${result.restored} restored), ${result.transcript.segments.length} segments${speedText}\n`,
          );
          if (quality) io.stderr.write(`  ${quality}\n`);
          for (const w of written) io.stdout.write(`${w}\n`);
        }
      } catch (error) {
        if (!a.json && tty) io.stderr.write('\r\x1b[K');
        let e = error;
        if (e instanceof RotorError && e.code === 'CANCELLED' && !/finished window/u.test(e.message)) {
          // The host settles a cancelled request at once; what the job saved is what it reported.
          e = new RotorError('CANCELLED', `The job was cancelled; ${saved} finished window(s) are saved.`);
        }
        const payload = printError(io, a.json, withCliHint(e, file), file);
        if (payload.code === 'CANCELLED') {
          cancelled = true;
          break;
        }
        failures++;
        if (payload.code === 'ENGINE_CRASHED') {
          const rest = a.files.slice(a.files.indexOf(file) + 1);
          if (rest.length > 0 && !a.json)
            io.stderr.write(`rotorscribe: ${rest.length} file(s) not started after the engine stopped.\n`);
          break;
        }
      } finally {
        off?.();
      }
    }
  } finally {
    await host.stop();
  }
  return cancelled ? EXIT.cancelled : failures > 0 ? EXIT.failed : EXIT.ok;
};

// ---------------------------------------------------------------------------------------------- table

const doctor: Handler = async (args, io, deps) => {
  const { values, positionals } = parse(
    args,
    { json: { type: 'boolean' }, model: { type: 'string' }, mmproj: { type: 'string' } },
    'doctor',
  );
  if (positionals.length)
    throw usageError(
      `Unexpected argument '${String(positionals[0])}'.`,
      'Run `rotorscribe help doctor` for its options.',
    );
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const modelPath = str(values.model) ?? io.env['ROTORSCRIBE_MODEL'];
  const mmprojPath = str(values.mmproj) ?? io.env['ROTORSCRIBE_MMPROJ'];
  const files = {
    ...(modelPath ? { modelPath: resolve(io.cwd, modelPath) } : {}),
    ...(mmprojPath ? { mmprojPath: resolve(io.cwd, mmprojPath) } : {}),
  };
  // The same facts and the same planning as `transcribe`: the engine process answers for the runtime.
  const host = (deps.createHost ?? (() => defaultEngineHost()))();
  let facts;
  let backend: BackendSummary | undefined;
  try {
    facts = await hostFacts(host);
    // the CPU variant the engine picked for this processor and why no GPU, as the worker loaded them
    const list = await host.request('listDevices', {});
    backend = list.source === 'runtime' ? list.backend : undefined;
  } finally {
    await host.stop();
  }
  const { createJobAdvisor, planJob, jobPlanFlags } = await import('./advisor/job-config');
  const { runDoctor } = await import('./advisor/doctor');
  const advisor = await createJobAdvisor({
    ...facts,
    ...files,
    ...(deps.hardware ? { hardware: deps.hardware } : {}),
  });
  const { report, text } = await runDoctor({
    json: values.json === true,
    useRuntime: false,
    hardware: advisor.input.hardware,
    ...(facts.supportedKvTypes ? { supportedKvTypes: facts.supportedKvTypes } : {}),
    ...files,
  });
  let plan;
  try {
    plan = planJob(advisor, {}, files.modelPath).plan;
  } catch {
    plan = undefined;
  }
  const flags = plan ? jobPlanFlags(plan) : undefined;
  if (values.json === true) {
    io.stdout.write(
      `${JSON.stringify({ ...report, ...(backend ? { backend } : {}), ...(plan && flags ? { transcribe: { plan, flags } } : {}) }, null, 2)}\n`,
    );
    return EXIT.ok;
  }
  io.stdout.write(`${text}\n`);
  if (backend) io.stdout.write(`\n${formatBackendSummary(backend).join('\n')}\n`);
  if (flags) {
    const model = files.modelPath && files.mmprojPath ? '' : ' --model FILE.gguf --mmproj MMPROJ.gguf';
    io.stdout.write(
      `\nTo transcribe with this recommendation (what transcribe does without these flags):\n  rotorscribe transcribe FILE${model} ${flags.join(' ')}\n`,
    );
  }
  return EXIT.ok;
};

export const COMMANDS: Record<string, Command> = {
  transcribe: {
    summary: 'Transcribe audio/video files (resumable; exports txt, srt, vtt, json, md, docx).',
    usage: [
      'rotorscribe transcribe <file|folder…> [options]   (a folder: the audio/video files directly in it; -r: and below)',
      '  --model FILE --mmproj FILE   Voxtral GGUF and its audio encoder (or ROTORSCRIBE_MODEL / ROTORSCRIBE_MMPROJ)',
      `  --language xx                ${['auto', ...LANGUAGES].join(' | ')} (default auto)`,
      '  --engine runtime|echo        runtime: Voxtral (default); echo: a test engine, no weights needed',
      '  --kv-k TYPE --kv-v TYPE      KV cache types (f16, q8_0, q4_0, planar3, iso3, planar4, iso4, …; default: as `rotorscribe doctor` recommends)',
      `  --format LIST                comma-separated: ${EXPORT_FORMATS.join(',')} (default txt)`,
      '  --timestamps                 start each txt paragraph with its time, [M:SS] (md and docx always do)',
      '  -r, --recursive              a folder stands for everything inside it, sub-folders too (hidden ones and links to',
      `                               folders skipped; stops at ${DEFAULT_EXPAND_LIMITS.maxDepth} levels or ${DEFAULT_EXPAND_LIMITS.maxFiles} files, and says so)`,
      '  --out DIR                    output folder (default: current folder); job progress is kept in DIR/.rotorscribe-jobs',
      '  --out -                      write the transcript to stdout (one file, one format; job progress in ./.rotorscribe-jobs)',
      '  --resume | --restart         continue an interrupted job / discard it and start over',
      '  --overwrite                  replace transcripts already in --out (refused otherwise)',
      '  --keep-job                   keep the job folder after the transcripts are written (deleted by default)',
      `  --max-window-sec N           longest audio window, ${MIN_WINDOW_SEC} to ${MAX_WINDOW_SEC} s (default: the recommendation; over 30 s = several encoder chunks in one context)`,
      '  --parallel N                 windows decoded together (default: what the recommendation fits in memory)',
      '  --gpu-layers N               text-model layers on the GPU, 0 = CPU only (default: as many as the recommendation fits)',
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
    summary: 'List, download (resumable, SHA-256 verified), import and delete models.',
    usage: MODELS_USAGE,
    run: (args, io) => modelsCommand(args, io),
  },
};

/** From package.json, read when asked (the CLI runs from the checkout or the packed app, both carry it). */
export function version(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string'
    ? pkg.version
    : 'unknown';
}

function help(io: CliIo, command?: string): number {
  const c = command ? COMMANDS[command] : undefined;
  if (c) io.stdout.write(`${c.summary}\n\n${c.usage}\n`);
  else {
    const rows = Object.entries(COMMANDS).map(([n, x]) => `  ${n.padEnd(12)}${x.summary}`);
    io.stdout.write(
      `RotorScribe ${version()} — private, local transcription\n\nUsage: rotorscribe <command> [options]\n\n${rows.join('\n')}\n  help [cmd]  This text, or a command's options.\n  --version   The version.\n`,
    );
  }
  return EXIT.ok;
}

export async function main(argv: string[], io: CliIo = processIo(), deps: CliDeps = {}): Promise<number> {
  const [command, ...rest] = argv;
  const json = rest.includes('--json');
  if (!command || command === 'help' || command === '--help' || command === '-h') return help(io, rest[0]);
  if (command === '--version' || command === '-V' || command === 'version') {
    io.stdout.write(`rotorscribe ${version()}\n`);
    return EXIT.ok;
  }
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
