/**
 * A Hub-style model server on 127.0.0.1 for tests: repository trees with LFS sizes and SHA-256, files behind a
 * redirect (as the hub sends them to storage), Range requests, and the faults a home connection has: a socket cut
 * after N bytes, throttled bodies to pause or cancel mid-way. It counts every body byte it sends, per file.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubFileSpec {
  /** Where the bytes come from. */
  source: string;
  /** What the tree publishes as its SHA-256 (default: the real one); a wrong value simulates corruption. */
  publishedSha256?: string;
}

export interface HubServerOptions {
  /** repo → path inside the repo → file. */
  repos: Record<string, Record<string, HubFileSpec>>;
}

export interface HubRequest {
  path: string;
  range?: string;
  status: number;
  /** Body bytes this response sent. */
  sent: number;
}

export interface HubServer {
  endpoint: string;
  /** Body bytes sent per repo path (after redirects, file bytes only). */
  sent: Map<string, number>;
  requests: HubRequest[];
  /** Cut the connection of the next request for `path` once `bytes` of its body were sent. */
  dropOnce(path: string, bytes: number): void;
  /** Body bytes per 10 ms tick for every file response from now on (0 = as fast as possible). */
  throttle(bytesPerTick: number): void;
  /** Resolves once at least `bytes` of `path` were sent. */
  waitForSent(path: string, bytes: number): Promise<void>;
  sizeOf(path: string): number;
  close(): Promise<void>;
}

interface Loaded {
  bytes: Buffer;
  sha256: string;
  published: string;
}

export async function startHubServer(options: HubServerOptions): Promise<HubServer> {
  const files = new Map<string, Loaded>(); // key: repo + '/' + path
  for (const [repo, entries] of Object.entries(options.repos)) {
    for (const [p, spec] of Object.entries(entries)) {
      const bytes = await readFile(spec.source);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      files.set(`${repo}/${p}`, { bytes, sha256, published: spec.publishedSha256 ?? sha256 });
    }
  }
  const sent = new Map<string, number>();
  const requests: HubRequest[] = [];
  const drops = new Map<string, number>();
  const waiters: { path: string; bytes: number; resolve: () => void }[] = [];
  let perTick = 0;

  const count = (p: string, n: number): void => {
    sent.set(p, (sent.get(p) ?? 0) + n);
    for (const w of [...waiters]) {
      if ((sent.get(w.path) ?? 0) >= w.bytes) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };

  function sendBody(res: ServerResponse, repoPath: string, body: Buffer, request: HubRequest): void {
    const cutAt = drops.get(repoPath);
    if (cutAt !== undefined) drops.delete(repoPath);
    const limit = cutAt !== undefined ? Math.min(cutAt, body.length) : body.length;
    let offset = 0;
    const step = (): void => {
      if (res.destroyed) return;
      const chunk = perTick > 0 ? perTick : 64 * 1024;
      while (offset < limit) {
        const end = Math.min(limit, offset + chunk);
        const piece = body.subarray(offset, end);
        offset = end;
        count(repoPath, piece.length);
        request.sent += piece.length;
        if (offset === limit && cutAt !== undefined) {
          // what a dropped home connection looks like to the client: the socket goes away mid-body, after what
          // was written reached it (so the count here is what the client got)
          res.write(piece, () => res.socket?.destroy());
          return;
        }
        const ok = res.write(piece);
        if (perTick > 0) {
          setTimeout(step, 10);
          return;
        }
        if (!ok) {
          res.once('drain', step);
          return;
        }
      }
      res.end();
    };
    step();
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const log = (status: number, p: string): HubRequest => {
      const r: HubRequest = {
        path: p,
        status,
        sent: 0,
        ...(req.headers.range ? { range: req.headers.range } : {}),
      };
      requests.push(r);
      return r;
    };
    // /api/models/{owner}/{name}/tree/{rev}[/{dir}]
    if (parts[0] === 'api' && parts[1] === 'models' && parts[4] === 'tree') {
      const repo = `${parts[2]}/${parts[3]}`;
      const dir = parts.slice(6).join('/');
      const entries = options.repos[repo];
      if (!entries) {
        log(404, url.pathname);
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Repository not found"}');
        return;
      }
      const list = Object.keys(entries)
        .filter((p) => (dir ? p.startsWith(`${dir}/`) : !p.includes('/')))
        .map((p) => {
          const f = files.get(`${repo}/${p}`)!;
          return {
            type: 'file',
            oid: createHash('sha1').update(f.bytes).digest('hex'),
            size: f.bytes.length,
            path: p,
            lfs: { oid: f.published, size: f.bytes.length, pointerSize: 134 },
          };
        });
      log(200, url.pathname);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
      return;
    }
    // /{owner}/{name}/resolve/{rev}/{path} → 302 → /cdn/{owner}/{name}/{path}
    if (parts[2] === 'resolve') {
      const repoPath = `${parts[0]}/${parts[1]}/${parts.slice(4).join('/')}`;
      if (!files.has(repoPath)) {
        log(404, url.pathname);
        res.writeHead(404).end('Entry not found');
        return;
      }
      log(302, url.pathname);
      res.writeHead(302, { location: `/cdn/${repoPath.split('/').map(encodeURIComponent).join('/')}` }).end();
      return;
    }
    if (parts[0] === 'cdn') {
      const repoPath = parts.slice(1).join('/');
      const f = files.get(repoPath);
      if (!f) {
        log(404, url.pathname);
        res.writeHead(404).end();
        return;
      }
      const path = parts.slice(3).join('/');
      const m = /^bytes=(\d+)-$/u.exec(req.headers.range ?? '');
      if (m) {
        const start = Number(m[1]);
        if (start >= f.bytes.length) {
          log(416, path);
          res.writeHead(416, { 'content-range': `bytes */${f.bytes.length}` }).end();
          return;
        }
        const r = log(206, path);
        res.writeHead(206, {
          'content-length': f.bytes.length - start,
          'content-range': `bytes ${start}-${f.bytes.length - 1}/${f.bytes.length}`,
          'accept-ranges': 'bytes',
        });
        sendBody(res, path, f.bytes.subarray(start), r);
        return;
      }
      const r = log(200, path);
      res.writeHead(200, { 'content-length': f.bytes.length, 'accept-ranges': 'bytes' });
      sendBody(res, path, f.bytes, r);
      return;
    }
    log(404, url.pathname);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const byPath = (p: string): Loaded => {
    const hit = [...files.entries()].find(([k]) => k.endsWith(`/${p}`));
    if (!hit) throw new Error(`no file ${p}`);
    return hit[1];
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    sent,
    requests,
    dropOnce: (p, bytes) => void drops.set(p, bytes),
    throttle: (n) => void (perTick = n),
    waitForSent: (p, bytes) =>
      (sent.get(p) ?? 0) >= bytes
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ path: p, bytes, resolve })),
    sizeOf: (p) => byPath(p).bytes.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
