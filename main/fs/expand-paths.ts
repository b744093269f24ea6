/**
 * Files and folders the user dropped or picked → the audio/video files to queue. A dropped folder stands for every
 * recording inside it, sub-folders included (a meeting archive is usually a folder per month or per meeting).
 * Folders are walked in name order (the order a file manager shows), hidden entries are skipped, symbolic links to
 * folders are never followed and a folder reached twice (a bind mount or a junction back up the tree) is walked once,
 * so no loop can make the walk endless; depth, count and the entries looked at are capped so a dropped home folder
 * can neither flood the queue nor keep the walk busy for minutes. Pure Node, no Electron: the CLI's `--recursive`
 * walks its folders with this same function (main/cli/inputs.ts), so the app and the command line cannot drift.
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { MEDIA_EXTENSIONS } from '@common/media-extensions';

export interface ExpandLimits {
  /** Folder levels below a dropped folder (0 = only its own files). */
  maxDepth: number;
  /** Files returned in all; the walk stops there and says so. */
  maxFiles: number;
  /** Folder entries looked at in all (files of any kind and folders); the walk stops there and says so. */
  maxEntries?: number;
}

export const DEFAULT_EXPAND_LIMITS: Readonly<ExpandLimits> = Object.freeze({
  maxDepth: 8,
  maxFiles: 1000,
  maxEntries: 50_000,
});

export interface ExpandedFile {
  path: string;
  sizeBytes: number;
}

export interface ExpandResult {
  files: ExpandedFile[];
  /** Dropped paths that are neither a file nor a folder (missing, device, unreadable). */
  missing: string[];
  /** Folders that held no audio or video file. */
  emptyFolders: string[];
  /** A cap was reached: not everything below the dropped folders was looked at. */
  truncated: boolean;
}

export function isAudioName(name: string): boolean {
  const ext = path.extname(name).slice(1).toLowerCase();
  return MEDIA_EXTENSIONS.includes(ext);
}

const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * A dropped file is taken whatever its extension (the probe then says clearly what it is); inside folders only names
 * with an audio/video extension count. The same file given twice (or reached twice) appears once.
 */
export async function expandPaths(
  inputs: readonly string[],
  limits: ExpandLimits = DEFAULT_EXPAND_LIMITS,
): Promise<ExpandResult> {
  const out: ExpandResult = { files: [], missing: [], emptyFolders: [], truncated: false };
  const seen = new Set<string>();
  const walked = new Set<string>();
  let entriesLeft = limits.maxEntries ?? Number.POSITIVE_INFINITY;
  const full = (): boolean => out.files.length >= limits.maxFiles;
  const take = (p: string, sizeBytes: number): void => {
    if (seen.has(p)) return;
    if (full()) {
      out.truncated = true;
      return;
    }
    seen.add(p);
    out.files.push({ path: p, sizeBytes });
  };

  /** False for a folder already walked (nothing new in it, but not empty either). */
  async function walk(dir: string, depth: number): Promise<boolean> {
    // the same folder under another path: walked once (its files would otherwise be queued twice, a loop forever)
    const id = await stat(dir).then(
      (s) => `${s.dev}:${s.ino}`,
      () => null,
    );
    if (id !== null && walked.has(id)) return false;
    if (id !== null) walked.add(id);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return true; // unreadable sub-folder: skip it, keep the rest
    }
    entries.sort((a, b) => byName.compare(a.name, b.name));
    const subdirs: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (entriesLeft <= 0) {
        out.truncated = true; // a folder of this size is not what a meeting archive looks like: stop looking
        break;
      }
      entriesLeft--;
      if (full() && (e.isDirectory() || isAudioName(e.name))) {
        out.truncated = true; // something more might have counted
        break;
      }
      if (e.isDirectory()) subdirs.push(p);
      else if (e.isFile() && isAudioName(e.name)) {
        const info = await lstat(p).catch(() => null);
        if (info) take(p, info.size);
      } else if (e.isSymbolicLink() && isAudioName(e.name)) {
        // a link to a file is followed; a link to a folder is not (loops)
        const info = await stat(p).catch(() => null);
        if (info?.isFile()) take(p, info.size);
      }
    }
    for (const sub of subdirs) {
      if (full() || entriesLeft <= 0 || depth >= limits.maxDepth) {
        out.truncated = true;
        return true;
      }
      await walk(sub, depth + 1);
    }
    return true;
  }

  for (const input of inputs) {
    const p = path.resolve(input);
    const info = await stat(p).catch(() => null);
    if (info?.isFile()) take(p, info.size);
    else if (info?.isDirectory()) {
      const before = out.files.length;
      const fresh = await walk(p, 0);
      if (fresh && out.files.length === before && !out.truncated) out.emptyFolders.push(p);
    } else out.missing.push(p);
  }
  return out;
}
