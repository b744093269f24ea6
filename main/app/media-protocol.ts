// Wiring (main/app/index.ts): registerSchemesAsPrivileged with { standard, secure, stream, supportFetchAPI: true,
// bypassCSP: false } before `ready`; then protocol.handle(MEDIA_SCHEME, (req) => { const r = handleMediaRequest(…);
// return new Response(r.body, r) }). renderer/index.html's CSP must add `rotorscribe-media:` to media-src.
/**
 * Playback of a transcript's source file in the renderer, served by main under an opaque token. Pure: the caller
 * resolves tokens to files and opens byte ranges, so the path never comes from the URL and nothing here touches
 * the disk. Range handling follows RFC 9110 §14 for the single ranges that media elements send.
 */

export const MEDIA_SCHEME = 'rotorscribe-media';

export interface MediaRequest {
  /** GET when absent (Electron's Request always has one). */
  method?: string;
  url: string;
  headers: { get(name: string): string | null } | Readonly<Record<string, string | undefined>>;
}

export interface MediaFile {
  path: string;
  size: number;
  mtimeMs: number;
  /** The file's device and inode when its token was minted: a path swapped since then is refused (media-file.ts). */
  dev?: number;
  ino?: number;
}

/**
 * Opens bytes `start..end` of a file, both inclusive (like fs.createReadStream's options). `file` is what the token
 * resolved to, so the opener can check the file is still that one (media-file.ts: openVerifiedRange).
 */
export type OpenRange = (
  path: string,
  start: number,
  end: number,
  file: MediaFile,
) => ReadableStream<Uint8Array>;

export interface MediaResponse {
  status: number;
  headers: Record<string, string>;
  body: ReadableStream<Uint8Array> | null;
}

/**
 * Tokens are minted by main (random UUIDs). A standard scheme puts the token in the host, which Chromium
 * lower-cases: tokens must be lower-case already. Anything else in the URL (a path, `..`) is refused outright.
 */
const TOKEN = /^[a-z0-9][a-z0-9-]{7,127}$/u;

export function mediaUrlFor(token: string): string {
  if (!TOKEN.test(token)) throw new Error('media tokens are 8–128 lower-case letters, digits or dashes');
  return `${MEDIA_SCHEME}://${token}`;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/ogg',
  weba: 'audio/webm',
  webm: 'video/webm',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mkv: 'video/x-matroska',
  mov: 'video/quicktime',
};

export function contentTypeFor(path: string): string {
  const name = path.split(/[\\/]/u).at(-1) ?? '';
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

function header(headers: MediaRequest['headers'], name: string): string | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | undefined>>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : record[key];
}

function tokenOf(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${MEDIA_SCHEME}:` || u.username || u.password || u.port) return undefined;
  if (u.pathname !== '' && u.pathname !== '/') return undefined;
  return TOKEN.test(u.hostname) ? u.hostname : undefined;
}

export type ByteRange = { start: number; end: number };

/**
 * Reads a Range header against a file size: `null` = serve the whole file (no header, another unit, or several
 * ranges, which servers may ignore and media elements never send), `'unsatisfiable'` = 416, else one inclusive range.
 * A malformed `bytes=` value is answered with 416 rather than ignored, so a broken client shows up.
 */
export function parseRange(value: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (value === undefined) return null;
  const m = /^\s*([A-Za-z]+)\s*=\s*(.*)$/u.exec(value);
  if (!m) return 'unsatisfiable';
  if (m[1]?.toLowerCase() !== 'bytes') return null;
  const specs = (m[2] ?? '').split(',');
  if (specs.length > 1) return specs.every((s) => /^\s*(\d+-\d*|-\d+)\s*$/u.test(s)) ? null : 'unsatisfiable';
  const spec = /^\s*(\d*)-(\d*)\s*$/u.exec(specs[0] ?? '');
  if (!spec) return 'unsatisfiable';
  const [, a = '', b = ''] = spec;
  const first = a === '' ? undefined : Number(a);
  const last = b === '' ? undefined : Number(b);
  if (
    (first !== undefined && !Number.isSafeInteger(first)) ||
    (last !== undefined && !Number.isSafeInteger(last))
  ) {
    return 'unsatisfiable';
  }
  if (first === undefined) {
    // suffix range: the last n bytes
    if (last === undefined || last === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - last), end: size - 1 };
  }
  if (last !== undefined && last < first) return 'unsatisfiable';
  if (first >= size) return 'unsatisfiable';
  return { start: first, end: Math.min(last ?? size - 1, size - 1) };
}

function etagOf(file: MediaFile): string {
  return `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
}

/** If-Range names a validator of an older version of the file: the client must get the whole new one. */
function ifRangeHolds(value: string | undefined, file: MediaFile, lastModified: string): boolean {
  if (value === undefined) return true;
  const v = value.trim();
  return v === etagOf(file) || v === lastModified;
}

function plain(status: number, extra: Record<string, string> = {}): MediaResponse {
  return { status, headers: { 'Content-Length': '0', ...extra }, body: null };
}

export function handleMediaRequest(
  request: MediaRequest,
  resolveToken: (token: string) => MediaFile | undefined,
  openRange: OpenRange,
): MediaResponse {
  const method = (request.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') return plain(405, { Allow: 'GET, HEAD' });
  const token = tokenOf(request.url);
  const file = token === undefined ? undefined : resolveToken(token);
  if (!file) return plain(404);

  const lastModified = new Date(file.mtimeMs).toUTCString();
  const common: Record<string, string> = {
    'Accept-Ranges': 'bytes',
    'Content-Type': contentTypeFor(file.path),
    'Cache-Control': 'no-cache',
    'Last-Modified': lastModified,
    ETag: etagOf(file),
    'X-Content-Type-Options': 'nosniff',
  };
  const range = ifRangeHolds(header(request.headers, 'if-range'), file, lastModified)
    ? parseRange(header(request.headers, 'range'), file.size)
    : null;
  if (range === 'unsatisfiable') {
    return plain(416, { ...common, 'Content-Range': `bytes */${file.size}` });
  }
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  const length = end - start + 1;
  const headers: Record<string, string> = { ...common, 'Content-Length': String(length) };
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`;
  const body = method === 'HEAD' || length === 0 ? null : openRange(file.path, start, end, file);
  return { status: range ? 206 : 200, headers, body };
}
