/**
 * The recordings folder: each recording is `<id>.wav` plus, while it is being written, a journal `<id>.json` that
 * says how to read it. A journal that outlives its recording (the app, the writer or the machine died) marks an
 * unfinished recording: the next start repairs its header from the file's real length and offers it to the user.
 */
import { randomUUID } from 'node:crypto';
import { open, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import * as v from 'valibot';
import { RotorError } from '@common/errors';
import { check, num, object, str, list } from '@common/schema';
import { writeFileAtomic } from '../fs/atomic-write';
import { WAV_HEADER_BYTES, bytesPerSecond, parseWavHeader, repairedHeader } from './wav';

const journalSchema = object({
  version: v.literal(1),
  id: str({ min: 1, max: 100, pattern: /^[A-Za-z0-9_-]+$/u }),
  title: str({ max: 500 }),
  startedAt: num({ min: 0 }),
  sampleRate: num({ min: 8000, max: 384_000, integer: true }),
  channels: num({ min: 1, max: 2, integer: true }),
  channelNames: list(str({ max: 100 }), { max: 2 }),
});
export type Journal = v.InferOutput<typeof journalSchema>;

export interface RecordingPaths {
  id: string;
  wavPath: string;
  journalPath: string;
}

export function pathsOf(dir: string, id: string): RecordingPaths {
  return { id, wavPath: path.join(dir, `${id}.wav`), journalPath: path.join(dir, `${id}.json`) };
}

/** A name that sorts by time and says when it was made: 2026-12-02_0915-<short id>. */
export function newRecordingId(now: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}_${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${stamp}-${randomUUID().slice(0, 8)}`;
}

export async function writeJournal(dir: string, journal: Journal): Promise<RecordingPaths> {
  const paths = pathsOf(dir, journal.id);
  await writeFileAtomic(paths.journalPath, JSON.stringify(journal));
  return paths;
}

/** The recording is sealed: without its journal it is an ordinary finished file. */
export async function dropJournal(paths: RecordingPaths): Promise<void> {
  await rm(paths.journalPath, { force: true });
}

export interface Unfinished extends RecordingPaths {
  journal: Journal;
}

/** Recordings whose journal is still there; unreadable journals are skipped (never deleted: a person may look). */
export async function listUnfinished(dir: string): Promise<Unfinished[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return [];
    throw error;
  }
  const out: Unfinished[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const id = name.slice(0, -'.json'.length);
    const paths = pathsOf(dir, id);
    try {
      const parsed = check(journalSchema, JSON.parse(await readFile(paths.journalPath, 'utf8')));
      if (!parsed.ok || parsed.value.id !== id) continue;
      await stat(paths.wavPath);
      out.push({ ...paths, journal: parsed.value });
    } catch {
      continue;
    }
  }
  return out;
}

export interface Repaired {
  durationSec: number;
  dataBytes: number;
  /** Bytes of a torn last frame that were cut off. */
  droppedBytes: number;
}

/**
 * Rewrites the header of an interrupted recording from the data really on disk (whole frames), truncates a torn
 * last frame and fsyncs. The journal stays until the user decides what to do with the recording.
 */
export async function repairRecording(rec: Unfinished): Promise<Repaired> {
  const format = { sampleRate: rec.journal.sampleRate, channels: rec.journal.channels };
  const size = (await stat(rec.wavPath)).size;
  if (size < WAV_HEADER_BYTES) {
    throw new RotorError('AUDIO_CORRUPT', 'The interrupted recording holds no audio.', {
      detail: path.basename(rec.wavPath),
    });
  }
  const fixed = repairedHeader(format, size);
  const fh = await open(rec.wavPath, 'r+');
  try {
    const head = Buffer.alloc(WAV_HEADER_BYTES);
    await fh.read(head, 0, WAV_HEADER_BYTES, 0);
    parseWavHeader(head);
    await fh.write(fixed.header, 0, WAV_HEADER_BYTES, 0);
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (fixed.fileBytes < size) await truncate(rec.wavPath, fixed.fileBytes);
  return {
    durationSec: fixed.dataBytes / bytesPerSecond(format),
    dataBytes: fixed.dataBytes,
    droppedBytes: size - fixed.fileBytes,
  };
}
