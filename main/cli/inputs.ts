/**
 * The command line's inputs → the files to transcribe. A folder stands for the audio and video files directly in it
 * (in name order, hidden files skipped, not its sub-folders: `rotorscribe transcribe talks/` does what `talks/*`
 * would, without the shell's hidden-file and non-media surprises). Anything else is passed on as given: a missing or
 * unreadable path is reported per file by the job, and a folder with nothing to transcribe is reported on its own, so
 * one bad name does not stop a batch.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { RotorError } from '@common/errors';
import { MEDIA_EXTENSIONS } from '@common/media-extensions';

const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function isMediaName(name: string): boolean {
  return MEDIA_EXTENSIONS.includes(extname(name).slice(1).toLowerCase());
}

export interface ExpandedInputs {
  files: string[];
  /** Folders that gave nothing to transcribe, each with the error to report for it. */
  failed: { path: string; error: RotorError }[];
}

export async function expandInputs(paths: readonly string[]): Promise<ExpandedInputs> {
  const out: string[] = [];
  const failed: ExpandedInputs['failed'] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => null);
    if (!info?.isDirectory()) {
      out.push(p);
      continue;
    }
    let entries;
    try {
      entries = await readdir(p, { withFileTypes: true });
    } catch (error) {
      const error_ = new RotorError('FILE_UNREADABLE', `The folder cannot be read: ${p}`, {
        hint: 'Check its permissions, or name the files to transcribe.',
        detail: (error as NodeJS.ErrnoException).code,
        cause: error,
      });
      failed.push({ path: p, error: error_ });
      continue;
    }
    const media = entries
      .filter((e) => !e.name.startsWith('.') && isMediaName(e.name))
      .map((e) => join(p, e.name))
      .sort((a, b) => byName.compare(a, b));
    const files: string[] = [];
    // a link is followed to a file, never to a folder
    for (const m of media) if ((await stat(m).catch(() => null))?.isFile()) files.push(m);
    if (files.length === 0) {
      const error = new RotorError('FILE_NOT_FOUND', `No audio or video files in the folder ${p}`, {
        hint: `A folder stands for the files directly in it named .${MEDIA_EXTENSIONS.join(', .')}; sub-folders are not searched; name other files one by one.`,
      });
      failed.push({ path: p, error });
    }
    out.push(...files);
  }
  return { files: [...new Set(out)], failed };
}
