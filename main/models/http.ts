/**
 * GET over node:http/https with redirects followed (Hub-style servers answer a file with a redirect to storage) and
 * typed failures. No retries here: the caller decides, since it knows what is already on disk.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { RotorError } from '@common/errors';

export interface HttpGetOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** No bytes for this long (connecting or mid-body): the request fails as a dropped connection. */
  idleTimeoutMs?: number;
}

const MAX_REDIRECTS = 5;

export function isAbort(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'AbortError' || (error as NodeJS.ErrnoException).code === 'ABORT_ERR')
  );
}

/** The endpoint as given in settings or the environment: an http(s) URL without a trailing slash. */
export function normalizeEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new RotorError('INVALID_ARGUMENT', `'${raw}' is not a URL.`, {
      hint: 'The model endpoint must be an http:// or https:// address.',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RotorError('INVALID_ARGUMENT', `'${raw}' is not an http(s) address.`, {
      hint: 'The model endpoint must be an http:// or https:// address.',
    });
  }
  return url.toString().replace(/\/+$/u, '');
}

function once(url: URL, options: HttpGetOptions): Promise<IncomingMessage> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.get(
      url,
      { headers: { 'user-agent': 'RotorScribe', ...options.headers }, signal: options.signal },
      resolve,
    );
    if (options.idleTimeoutMs) {
      req.setTimeout(options.idleTimeoutMs, () =>
        req.destroy(Object.assign(new Error('no data from the server'), { code: 'ETIMEDOUT' })),
      );
    }
    req.on('error', reject);
  });
}

/** Resolves with the final response (any status); rejects on network failure or abort. */
export async function httpGet(url: string, options: HttpGetOptions = {}): Promise<IncomingMessage> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    let res: IncomingMessage;
    try {
      res = await once(current, options);
    } catch (error) {
      if (isAbort(error)) throw error;
      throw networkError(current, error);
    }
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location) {
      res.resume();
      if (hop >= MAX_REDIRECTS) {
        throw new RotorError('DOWNLOAD_FAILED', `Too many redirects from ${current.host}.`);
      }
      current = new URL(location, current);
      continue;
    }
    return res;
  }
}

export function networkError(url: URL | string, error: unknown): RotorError {
  const host = typeof url === 'string' ? url : url.host;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return new RotorError('DOWNLOAD_FAILED', `The connection to ${host} failed.`, {
    hint: 'Check the internet connection (or the model endpoint setting) and try again; the download resumes where it stopped.',
    detail: code ?? (error instanceof Error ? error.message : String(error)),
    cause: error,
  });
}

/** A small JSON body (metadata), with a size cap so a misbehaving server cannot fill memory. */
export async function readJson(res: IncomingMessage, maxBytes = 8 * 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > maxBytes) {
      res.destroy();
      throw new RotorError('DOWNLOAD_FAILED', 'The model metadata is larger than expected.');
    }
    chunks.push(buf);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new RotorError('DOWNLOAD_FAILED', 'The model endpoint sent metadata that is not JSON.', {
      cause: error,
    });
  }
}
