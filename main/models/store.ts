/**
 * The models folder on disk:
 *
 *   <modelsDir>/<publisher>/<file>.gguf          installed: only ever moved here complete, verified and validated
 *   <modelsDir>/.downloads/<id>/job.json         a download in progress: the files' URLs, sizes and SHA-256 as
 *   <modelsDir>/.downloads/<id>/model.part       published when it started (so a resume after a restart checks
 *   <modelsDir>/.downloads/<id>/mmproj.part      against the same values), and which parts are already verified
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as v from 'valibot';
import { writeFileAtomic } from '../fs/atomic-write';
import type { CatalogEntry } from './catalog';

export const ROLES = ['model', 'mmproj'] as const;
export type Role = (typeof ROLES)[number];

const jobFileEntrySchema = v.object({
  role: v.picklist(ROLES),
  path: v.string(),
  url: v.string(),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/u)),
  verified: v.boolean(),
});

const jobFileSchema = v.object({
  version: v.literal(1),
  id: v.string(),
  files: v.pipe(v.array(jobFileEntrySchema), v.length(2)),
});

export type JobFile = v.InferOutput<typeof jobFileSchema>;
export type JobFileEntry = JobFile['files'][number];

export const DOWNLOADS_DIR = '.downloads';

export function stagingDir(modelsDir: string, id: string): string {
  return path.join(modelsDir, DOWNLOADS_DIR, id);
}

export function partPath(modelsDir: string, id: string, role: Role): string {
  return path.join(stagingDir(modelsDir, id), `${role}.part`);
}

export function installedPath(modelsDir: string, entry: CatalogEntry, role: Role): string {
  return path.join(modelsDir, entry.publisher, path.posix.basename(entry[role].path));
}

export async function readJob(modelsDir: string, id: string): Promise<JobFile | null> {
  try {
    const raw: unknown = JSON.parse(await readFile(path.join(stagingDir(modelsDir, id), 'job.json'), 'utf8'));
    const parsed = v.safeParse(jobFileSchema, raw);
    return parsed.success && parsed.output.id === id ? parsed.output : null;
  } catch {
    return null; // none, or damaged: the download starts over
  }
}

export async function writeJob(modelsDir: string, job: JobFile): Promise<void> {
  await mkdir(stagingDir(modelsDir, job.id), { recursive: true });
  await writeFileAtomic(path.join(stagingDir(modelsDir, job.id), 'job.json'), JSON.stringify(job, null, 2));
}

/** Ids of downloads an earlier run left unfinished. */
export async function pendingIds(modelsDir: string): Promise<string[]> {
  const entries = await readdir(path.join(modelsDir, DOWNLOADS_DIR), { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

export async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isFile() ?? false;
}

export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), hash, signal ? { signal } : {});
  return hash.digest('hex');
}
