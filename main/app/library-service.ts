/**
 * The library as the window reaches it: the SQLite store's transcripts plus what only main can do with them — write
 * an export where the user chose in a save dialog, and hand out opaque playback URLs for a transcript's recording.
 * Electron-free (dialogs come in as functions), so the e2e harness runs the same code.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { RotorError } from '@common/errors';
import type {
  ExportFormat,
  ListSort,
  SearchHit,
  StoredTranscript,
  TranscriptSummary,
} from '@common/library-schema';
import type { Segment } from '@common/transcript';
import type { Library } from '../library/db/index';
import { exportTranscript } from '../library/export/index';
import { writeFileAtomic } from '../fs/atomic-write';
import type { InvokeEventLike } from './security';
import { mediaFileOf, openVerifiedRange } from './media-file';
import { handleMediaRequest, type MediaFile, type MediaRequest, type MediaResponse } from './media-protocol';

export interface LibraryServiceOptions {
  library: Library;
  /** Shows a save dialog for the sender's window; resolves to the chosen path, undefined when cancelled. */
  showSaveDialog: (
    event: InvokeEventLike,
    suggestion: { defaultName: string; format: ExportFormat },
  ) => Promise<string | undefined>;
  /** The URL the renderer plays a media token from (the custom scheme in Electron, http in the e2e harness). */
  mediaUrlFor: (token: string) => string;
  onChanged?: (id?: string) => void;
}

export interface LibraryService {
  list(options: { sort?: ListSort; direction?: 'asc' | 'desc'; offset?: number; limit?: number }): {
    items: TranscriptSummary[];
    total: number;
  };
  get(id: string): StoredTranscript;
  rename(id: string, title: string): TranscriptSummary;
  remove(id: string): void;
  restore(id: string): TranscriptSummary;
  search(query: string, limit?: number): SearchHit[];
  saveSegments(id: string, segments: readonly Segment[]): TranscriptSummary;
  exportTo(
    event: InvokeEventLike,
    id: string,
    format: ExportFormat,
  ): Promise<{ saved: boolean; name?: string }>;
  /** A playback URL for the transcript's recording; null with the reason when the file is gone. */
  mediaUrl(id: string): Promise<{ url: string | null; reason?: string }>;
  /** Serves one request of the media scheme (tokens minted by mediaUrl only). */
  serveMedia(request: MediaRequest): MediaResponse;
}

/** Windows device names, with or without an extension: `CON.txt` is the console, not a file. */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/iu;

/**
 * File names as an OS accepts them: no separators, control or reserved characters, not empty, no leading dot (a
 * hidden file; `../../.ssh/x` must not come out as `.. .ssh x`), no trailing dot or space (Windows drops them), not a
 * Windows device name.
 */
export function safeFileStem(title: string): string {
  const printable = [...title.normalize('NFC')].map((c) => (c.charCodeAt(0) < 0x20 ? ' ' : c)).join('');
  // a recording's time keeps its look: 'Recording 3 Dec 2026, 07:24' → '… 07.24', not '… 07 24' (':' is not allowed on
  // Windows, nor shown by the macOS Finder)
  const timed = printable.replace(/(?<=\d):(?=\d)/gu, '.');
  const spaced = timed.replace(/[<>:"/\\|?*]/gu, ' ').replace(/\s+/gu, ' ');
  const cleaned = [...spaced]
    .slice(0, 120)
    .join('')
    .replace(/^[\s.]+|[\s.]+$/gu, '');
  if (!cleaned) return 'transcript';
  return WINDOWS_DEVICE.test(cleaned) ? `_${cleaned}` : cleaned;
}

export function createLibraryService(options: LibraryServiceOptions): LibraryService {
  const { library } = options;
  // token → file, for this run of the app only; a transcript keeps its token so the element's URL stays stable
  const media = new Map<string, MediaFile>();
  const tokenOfTranscript = new Map<string, string>();
  const changed = (id?: string): void => options.onChanged?.(id);

  return {
    list: (o) => library.list(o),
    get: (id) => library.get(id),
    rename(id, title) {
      const summary = library.rename(id, title);
      changed(id);
      return summary;
    },
    remove(id) {
      library.remove(id);
      changed(id);
    },
    restore(id) {
      const summary = library.restore(id);
      changed(id);
      return summary;
    },
    search: (query, limit) => library.search(query, limit === undefined ? {} : { limit }),
    saveSegments(id, segments) {
      const summary = library.updateSegments(id, segments);
      changed(id);
      return summary;
    },

    async exportTo(event, id, format) {
      const { transcript } = library.get(id);
      const target = await options.showSaveDialog(event, {
        defaultName: `${safeFileStem(transcript.meta.title)}.${format}`,
        format,
      });
      if (!target) return { saved: false };
      try {
        await writeFileAtomic(target, await exportTranscript(transcript, format));
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        throw new RotorError(
          code === 'ENOSPC' ? 'DISK_FULL' : 'OUTPUT_UNWRITABLE',
          `Could not write ${path.basename(target)}.`,
          {
            hint:
              code === 'ENOSPC' ? 'Free some space, then export again.' : 'Choose a folder you can write to.',
            ...(code ? { detail: code } : {}),
            cause,
          },
        );
      }
      return { saved: true, name: path.basename(target) };
    },

    async mediaUrl(id) {
      const source = library.sourceRef(id);
      if (!source) return { url: null, reason: 'This transcript has no recording attached.' };
      let info;
      try {
        info = await stat(source);
      } catch {
        return { url: null, reason: `The recording ${path.basename(source)} is no longer where it was.` };
      }
      if (!info.isFile())
        return { url: null, reason: `The recording ${path.basename(source)} is not a file.` };
      let token = tokenOfTranscript.get(id);
      if (!token) {
        token = randomUUID();
        tokenOfTranscript.set(id, token);
      }
      // the file's identity now: what the URL plays is this file, not whatever the path points to later
      media.set(token, mediaFileOf(source, info));
      return { url: options.mediaUrlFor(token) };
    },

    serveMedia: (request) =>
      handleMediaRequest(
        request,
        (token) => media.get(token),
        (_path, start, end, file) => openVerifiedRange(file, start, end),
      ),
  };
}
