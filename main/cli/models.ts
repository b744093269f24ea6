/**
 * `rotorscribe models list|pull|import|rm`: the app's model manager from the command line, on the same models folder
 * as the app (its user data folder, or ROTORSCRIBE_MODELS_DIR / --dir) and the same endpoint setting
 * (ROTORSCRIBE_MODEL_ENDPOINT, settings.json modelEndpoint, --endpoint). Progress is a bar on a terminal and JSON
 * lines with --json, like `transcribe`; Ctrl-C pauses a pull, and running it again resumes from the bytes on disk.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatEstimate } from '@common/clock';
import { formatBytes } from '@common/format-bytes';
import { RotorError } from '@common/errors';
import type { CliIo } from '../cli';
import { MODEL_CATALOG, catalogEntry, type CatalogEntry } from '../models/catalog';
import { appDataDir, modelEndpoint, modelsDirFor } from '../models/endpoint';
import { normalizeEndpoint } from '../models/http';
import { createModelManager, type DownloadSnapshot, type ModelManager } from '../models/manager';
import { pendingIds } from '../models/store';
import { validateModelPair } from '../models/validate';

export const MODELS_USAGE = [
  'rotorscribe models list [--json]                 the catalog, what is downloaded, an unfinished download',
  'rotorscribe models pull ID [--json]              download a model + its mmproj (resumes an interrupted pull)',
  'rotorscribe models import MODEL MMPROJ [--json]  check two GGUF files you have (either order)',
  'rotorscribe models rm ID                         delete a downloaded model (and its unfinished download)',
  "  --dir DIR          models folder (default: the app's, or ROTORSCRIBE_MODELS_DIR)",
  '  --endpoint URL     Hub-style server to download from (or ROTORSCRIBE_MODEL_ENDPOINT / settings.json modelEndpoint)',
].join('\n');

const OPTIONS = {
  json: { type: 'boolean' },
  dir: { type: 'string' },
  endpoint: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ModelsCliDeps {
  /** Tests: the user data folder (default: where Electron puts the app's). */
  userDataDir?: string;
  catalog?: readonly CatalogEntry[];
  /** How often progress is drawn or printed. */
  progressIntervalMs?: number;
}

const EXIT_OK = 0;
const EXIT_CANCELLED = 130;

function usage(message: string): RotorError {
  return new RotorError('INVALID_ARGUMENT', message, { hint: 'Run `rotorscribe help models` for usage.' });
}

/** `Q4_K_M [#####-----]  40% 1.28 GB/3.20 GB 12.5 MB/s ETA 2:40` in `width` columns. */
export function downloadProgressLine(label: string, s: DownloadSnapshot, width = 80): string {
  const fraction = s.bytesTotal > 0 ? Math.min(1, s.bytesDone / s.bytesTotal) : 0;
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  const speed = s.bytesPerSec !== null ? ` ${formatBytes(s.bytesPerSec)}/s` : '';
  const what =
    s.state === 'resolving'
      ? ' reading sizes'
      : s.state === 'verifying'
        ? ' checking'
        : ` ETA ${formatEstimate(s.etaSec)}`;
  const tail = ` ${pct} ${formatBytes(s.bytesDone)}/${formatBytes(s.bytesTotal)}${speed}${what}`;
  const name = label.length > 16 ? `${label.slice(0, 13)}...` : label;
  const bar = Math.max(10, width - tail.length - name.length - 4);
  const filled = Math.round(fraction * bar);
  return `${name} [${'#'.repeat(filled)}${'-'.repeat(bar - filled)}]${tail}`;
}

function line(io: CliIo, value: Record<string, unknown>): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

export async function modelsCommand(args: string[], io: CliIo, deps: ModelsCliDeps = {}): Promise<number> {
  const [sub, ...rest] = args;
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; args: string[] }>
  >;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage(error instanceof Error ? error.message.replace(/\. To specify.*$/su, '.') : String(error));
  }
  const { values: v, positionals } = parsed;
  const json = v.json === true;
  const userDataDir = deps.userDataDir ?? appDataDir(io.env);
  const modelsDir = v.dir ? path.resolve(io.cwd, v.dir) : modelsDirFor(userDataDir, io.env);
  const settingsPath = path.join(userDataDir, 'settings.json');
  const catalog = deps.catalog ?? MODEL_CATALOG;
  const endpoint = async (): Promise<string> =>
    v.endpoint ? normalizeEndpoint(v.endpoint) : modelEndpoint(io.env, settingsPath);
  const make = (onChange?: (s: DownloadSnapshot) => void): ModelManager =>
    createModelManager({
      modelsDir,
      endpoint,
      catalog,
      progressIntervalMs: deps.progressIntervalMs ?? 250,
      ...(onChange ? { onChange } : {}),
    });

  switch (sub) {
    case 'list':
      return list(io, json, make(), modelsDir);
    case 'pull': {
      const [id, ...extra] = positionals;
      if (!id || extra.length > 0)
        throw usage('`models pull` takes one model id (see `rotorscribe models list`).');
      return pull(io, json, id, catalog, make);
    }
    case 'import': {
      if (positionals.length !== 2) throw usage('`models import` takes two files: the model and its mmproj.');
      const pair = await validateModelPair(
        path.resolve(io.cwd, positionals[0]!),
        path.resolve(io.cwd, positionals[1]!),
      );
      if (json) line(io, { type: 'imported', ...pair });
      else {
        io.stdout.write(
          `ok: ${path.basename(pair.modelPath)} (${formatBytes(pair.modelBytes)}) + ${path.basename(pair.mmprojPath)} (${formatBytes(pair.mmprojBytes)}) are a complete Voxtral model and audio encoder.\n` +
            `  rotorscribe transcribe FILE --model ${pair.modelPath} --mmproj ${pair.mmprojPath}\n` +
            '  (or choose "Import model files…" in the app to use them there)\n',
        );
      }
      return EXIT_OK;
    }
    case 'rm': {
      const [id, ...extra] = positionals;
      if (!id || extra.length > 0) throw usage('`models rm` takes one model id.');
      const manager = make();
      const installed = await manager.filesOf(id);
      const pending = (await pendingIds(modelsDir)).includes(id);
      if (!installed && !pending) {
        throw new RotorError('MODEL_NOT_FOUND', `${id} is not downloaded.`, {
          hint: 'See `rotorscribe models list`.',
        });
      }
      if (installed) await manager.remove(id);
      if (pending) {
        await manager.restore();
        await manager.cancel();
      }
      if (json) line(io, { type: 'removed', id });
      else io.stdout.write(`removed ${id}\n`);
      return EXIT_OK;
    }
    default:
      throw usage(
        sub ? `Unknown models command '${sub}'.` : 'Which models command? list, pull, import or rm.',
      );
  }
}

async function list(io: CliIo, json: boolean, manager: ModelManager, modelsDir: string): Promise<number> {
  const installed = new Map((await manager.installed()).map((m) => [m.id, m]));
  const pending = await manager.restore();
  if (json) {
    for (const e of manager.catalog) {
      const files = installed.get(e.id);
      line(io, {
        type: 'model',
        id: e.id,
        label: e.label,
        weights: e.weights,
        repo: e.repo,
        approxBytes: Math.round(e.approxBytes),
        installed: files !== undefined,
        ...(files ? { modelPath: files.modelPath, mmprojPath: files.mmprojPath } : {}),
      });
    }
    if (pending) line(io, { type: 'download', ...pending });
    return EXIT_OK;
  }
  const rows = manager.catalog.map((e) => {
    const mark = installed.has(e.id) ? 'downloaded' : pending?.id === e.id ? 'partial' : '';
    return `  ${e.id.padEnd(22)}${e.label.padEnd(28)}~${formatBytes(e.approxBytes).padEnd(10)}${mark}`;
  });
  io.stdout.write(`Models (${modelsDir}):\n${rows.join('\n')}\n`);
  if (pending) {
    io.stdout.write(
      `\nUnfinished download: ${pending.id}, ${formatBytes(pending.bytesDone)} of ${formatBytes(pending.bytesTotal)} — \`rotorscribe models pull ${pending.id}\` resumes it.\n`,
    );
  }
  return EXIT_OK;
}

async function pull(
  io: CliIo,
  json: boolean,
  id: string,
  catalog: readonly CatalogEntry[],
  make: (onChange?: (s: DownloadSnapshot) => void) => ModelManager,
): Promise<number> {
  const entry = catalogEntry(id, catalog);
  const tty = io.stderr.isTTY === true;
  let lastState = '';
  const manager = make((s) => {
    if (json) {
      // every state change, and progress as often as the manager reports it
      if (s.state !== lastState || s.state === 'downloading') {
        line(io, {
          type: 'progress',
          id: s.id,
          state: s.state,
          bytesDone: s.bytesDone,
          bytesTotal: s.bytesTotal,
          bytesPerSec: s.bytesPerSec,
          etaSec: s.etaSec,
        });
      }
    } else if (tty) {
      io.stderr.write(`\r\x1b[K${downloadProgressLine(entry.weights, s, io.stderr.columns ?? 80)}`);
    }
    lastState = s.state;
  });
  const stopInterrupt = io.onInterrupt?.(() => manager.pause());
  try {
    await manager.start(id);
    const end = await manager.settled();
    if (tty && !json) io.stderr.write('\n');
    if (!end) throw new RotorError('INTERNAL', 'The download did not start.');
    if (end.state === 'paused') {
      if (json) line(io, { type: 'paused', id, bytesDone: end.bytesDone, bytesTotal: end.bytesTotal });
      else
        io.stderr.write(
          `paused at ${formatBytes(end.bytesDone)}: run \`rotorscribe models pull ${id}\` again to resume.\n`,
        );
      return EXIT_CANCELLED;
    }
    if (end.state === 'failed' && end.error) {
      throw new RotorError(end.error.code, end.error.message, {
        ...(end.error.hint ? { hint: end.error.hint } : {}),
        ...(end.error.detail ? { detail: end.error.detail } : {}),
      });
    }
    if (end.state !== 'done' || !end.files) throw new RotorError('CANCELLED');
    if (json) line(io, { type: 'done', id, bytes: end.bytesTotal, ...end.files });
    else {
      io.stdout.write(
        `downloaded ${entry.label} (${formatBytes(end.bytesTotal)}, SHA-256 verified)\n` +
          `  rotorscribe transcribe FILE --model ${end.files.modelPath} --mmproj ${end.files.mmprojPath}\n`,
      );
    }
    return EXIT_OK;
  } finally {
    stopInterrupt?.();
  }
}
