/**
 * The command line's inputs → the files to transcribe. A folder stands for the audio and video files directly in it
 * (in name order, hidden files skipped, not its sub-folders: `rotorscribe transcribe talks/` does what `talks/*`
 * would, without the shell's hidden-file and non-media surprises — a command line never descends unasked, so a
 * script's input set stays predictable). With `recursive` a folder stands for everything inside it, walked by the
 * app's own expandPaths (main/fs/expand-paths.ts: same order, same caps, links to folders not followed). Anything
 * else is passed on as given: a missing or unreadable path is reported per file by the job, and a folder with nothing
 * to transcribe is reported on its own, so one bad name does not stop a batch.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RotorError } from '@common/errors';
import { MEDIA_EXTENSIONS } from '@common/media-extensions';
import { DEFAULT_EXPAND_LIMITS, expandPaths, isAudioName, type ExpandLimits } from '../fs/expand-paths';

const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export interface ExpandedInputs {
  files: string[];
  /** Folders that gave nothing to transcribe, each with the error to report for it. */
  failed: { path: string; error: RotorError }[];
  /** `recursive` only: a cap of the walk was reached, so not everything below the folders was looked at. */
  truncated: boolean;
}

export interface ExpandOptions {
  /** Sub-folders too (`--recursive`). */
  recursive?: boolean;
  /** The walk's caps with `recursive` (tests lower them). */
  limits?: ExpandLimits;
}

const NAMES = `.${MEDIA_EXTENSIONS.join(', .')}`;

function unreadable(p: string, error: unknown): RotorError {
  return new RotorError('FILE_UNREADABLE', `The folder cannot be read: ${p}`, {
    hint: 'Check its permissions, or name the files to transcribe.',
    detail: (error as NodeJS.ErrnoException).code,
    cause: error,
  });
}

function noMedia(p: string, recursive: boolean): RotorError {
  return recursive
    ? new RotorError('FILE_NOT_FOUND', `No audio or video files in the folder ${p} or its sub-folders`, {
        hint: `Files named ${NAMES} are looked for (hidden ones skipped); name other files one by one.`,
      })
    : new RotorError('FILE_NOT_FOUND', `No audio or video files in the folder ${p}`, {
        hint: `A folder stands for the files directly in it named ${NAMES}; add --recursive to search its sub-folders too; name other files one by one.`,
      });
}

export async function expandInputs(
  paths: readonly string[],
  options: ExpandOptions = {},
): Promise<ExpandedInputs> {
  if (options.recursive === true) return expandRecursive(paths, options.limits ?? DEFAULT_EXPAND_LIMITS);
  const out: string[] = [];
  const failed: ExpandedInputs['failed'] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => null);
    if (!info?.isDirectory()) {
      out.push(p);
      continue;
    }
    const found = await filesDirectlyIn(p).catch((error: unknown) => {
      failed.push({ path: p, error: unreadable(p, error) });
      return null;
    });
    if (found?.length === 0) failed.push({ path: p, error: noMedia(p, false) });
    out.push(...(found ?? []));
  }
  return { files: [...new Set(out)], failed, truncated: false };
}

/**
 * One walk over every input, in the order given: a file is taken as it is, a folder for what is inside it, and a
 * folder given twice (or with one of its sub-folders, or through a link) is walked once. What is neither a file nor a
 * folder (missing, a device) follows at the end, for the job to report per file.
 */
async function expandRecursive(paths: readonly string[], limits: ExpandLimits): Promise<ExpandedInputs> {
  const walk = await expandPaths(paths, limits);
  // expandPaths answers with absolute paths: a folder or file is named as it was given
  const given = (p: string): string => paths.find((f) => resolve(f) === p) ?? p;
  const failed: ExpandedInputs['failed'] = [];
  for (const p of walk.emptyFolders) {
    // expandPaths skips what it cannot read; a folder named on the command line that cannot be read says so
    const error = await readdir(p).then(
      () => noMedia(p, true),
      (e: unknown) => unreadable(p, e),
    );
    failed.push({ path: given(p), error });
  }
  const files = [...walk.files.map((f) => f.path), ...walk.missing.map(given)];
  return { files: [...new Set(files)], failed, truncated: walk.truncated };
}

/** The media files directly in `dir`, in name order; a link is followed to a file, never to a folder. */
async function filesDirectlyIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const media = entries
    .filter((e) => !e.name.startsWith('.') && isAudioName(e.name))
    .map((e) => join(dir, e.name))
    .sort((a, b) => byName.compare(a, b));
  const files: string[] = [];
  for (const m of media) if ((await stat(m).catch(() => null))?.isFile()) files.push(m);
  return files;
}

/** The stderr line for a walk stopped by a cap: what was found is transcribed, the rest was not looked at. */
export function truncatedNote(found: number, limits: ExpandLimits = DEFAULT_EXPAND_LIMITS): string {
  const caps = [`${limits.maxDepth} folder levels`, `${limits.maxFiles} files`];
  if (limits.maxEntries !== undefined)
    caps.push(`${limits.maxEntries.toLocaleString('en')} entries looked at`);
  return `note: --recursive stopped at a limit (${caps.join(', ')}): ${found} file${found === 1 ? '' : 's'} found, the rest not searched; add sub-folders one at a time.`;
}
