/**
 * A Hub-style endpoint: repository trees at `/api/models/{repo}/tree/{revision}[/{dir}]` (each LFS file with its size
 * and SHA-256 as `lfs.oid`), file bytes at `/{repo}/resolve/{revision}/{path}`. The public hub, a mirror and the
 * tests' 127.0.0.1 server all speak it.
 */
import path from 'node:path/posix';
import * as v from 'valibot';
import { RotorError } from '@common/errors';
import type { CatalogEntry } from './catalog';
import { httpGet, readJson, type HttpGetOptions } from './http';

export interface RemoteFile {
  /** Path inside the repository. */
  path: string;
  url: string;
  size: number;
  /** Lower-case hex. */
  sha256: string;
}

export interface ResolvedEntry {
  entry: CatalogEntry;
  model: RemoteFile;
  mmproj: RemoteFile;
}

const treeItem = v.object({
  type: v.string(),
  path: v.string(),
  size: v.optional(v.number()),
  lfs: v.optional(
    v.object({
      oid: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/iu)),
      size: v.pipe(v.number(), v.integer(), v.minValue(0)),
    }),
  ),
});
const treeSchema = v.array(treeItem);

const encodePath = (p: string): string => p.split('/').map(encodeURIComponent).join('/');
const encodeRepo = (repo: string): string => repo.split('/').map(encodeURIComponent).join('/');

export function fileUrl(endpoint: string, repo: string, revision: string, file: string): string {
  return `${endpoint}/${encodeRepo(repo)}/resolve/${encodeURIComponent(revision)}/${encodePath(file)}`;
}

export function treeUrl(endpoint: string, repo: string, revision: string, dir: string): string {
  const tail = dir === '.' || dir === '' ? '' : `/${encodePath(dir)}`;
  return `${endpoint}/api/models/${encodeRepo(repo)}/tree/${encodeURIComponent(revision)}${tail}`;
}

/** One folder of a repository: path → size and SHA-256 of each LFS file. */
export async function fetchTree(
  endpoint: string,
  repo: string,
  revision: string,
  dir: string,
  options: HttpGetOptions = {},
): Promise<Map<string, { size: number; sha256: string }>> {
  const url = treeUrl(endpoint, repo, revision, dir);
  const res = await httpGet(url, options);
  if (res.statusCode === 404) {
    res.resume();
    throw new RotorError('DOWNLOAD_NOT_FOUND', `The repository ${repo} is not on the model server.`, {
      hint: 'Check the model endpoint setting, or choose another model.',
      detail: url,
    });
  }
  if (res.statusCode !== 200) {
    res.resume();
    throw new RotorError('DOWNLOAD_FAILED', `The model server answered ${res.statusCode} for ${repo}.`, {
      hint: 'Try again later, or check the model endpoint setting.',
      detail: url,
    });
  }
  const parsed = v.safeParse(treeSchema, await readJson(res));
  if (!parsed.success) {
    throw new RotorError(
      'DOWNLOAD_FAILED',
      `The model server's file list for ${repo} is not in the expected form.`,
    );
  }
  const out = new Map<string, { size: number; sha256: string }>();
  for (const item of parsed.output) {
    if (item.type === 'file' && item.lfs) {
      out.set(item.path, { size: item.lfs.size, sha256: item.lfs.oid.toLowerCase() });
    }
  }
  return out;
}

/** Sizes and checksums of an entry's two files, read before any byte of them is fetched. */
export async function resolveEntry(
  endpoint: string,
  entry: CatalogEntry,
  options: HttpGetOptions = {},
): Promise<ResolvedEntry> {
  const trees = new Map<string, Map<string, { size: number; sha256: string }>>();
  const file = async (p: string): Promise<RemoteFile> => {
    const dir = path.dirname(p);
    let tree = trees.get(dir);
    if (!tree) trees.set(dir, (tree = await fetchTree(endpoint, entry.repo, entry.revision, dir, options)));
    const meta = tree.get(p);
    if (!meta) {
      throw new RotorError('DOWNLOAD_NOT_FOUND', `${p} is not in ${entry.repo} on the model server.`, {
        hint: 'The publisher may have renamed it: choose another model, or import the files you have.',
      });
    }
    return { path: p, url: fileUrl(endpoint, entry.repo, entry.revision, p), ...meta };
  };
  return { entry, model: await file(entry.model.path), mmproj: await file(entry.mmproj.path) };
}
