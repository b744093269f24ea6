import { describe, expect, it, vi } from 'vitest';
import {
  contentTypeFor,
  handleMediaRequest,
  mediaUrlFor,
  parseRange,
  type MediaFile,
  type MediaRequest,
} from './media-protocol';

const TOKEN = '3f1c2a4e-8b7d-4c1e-9f00-123456789abc';
const BYTES = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
const FILE: MediaFile = {
  path: '/home/u/Recordings/meeting.M4A',
  size: BYTES.length,
  mtimeMs: 1_700_000_000_123,
};

function setup(files: Record<string, MediaFile> = { [TOKEN]: FILE }) {
  const resolveToken = vi.fn((token: string) => files[token]);
  const openRange = vi.fn(
    (_path: string, start: number, end: number) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(BYTES.slice(start, end + 1));
          c.close();
        },
      }),
  );
  const request = (headers: Record<string, string> = {}, init: Partial<MediaRequest> = {}) =>
    handleMediaRequest({ url: mediaUrlFor(TOKEN), headers, ...init }, resolveToken, openRange);
  return { resolveToken, openRange, request };
}

async function bytesOf(body: ReadableStream<Uint8Array> | null): Promise<number[]> {
  if (!body) return [];
  return [...new Uint8Array(await new Response(body).arrayBuffer())];
}

describe('handleMediaRequest', () => {
  it('serves the whole file with 200, its length, type and Accept-Ranges', async () => {
    const { request, openRange, resolveToken } = setup();
    const res = request();
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      'Accept-Ranges': 'bytes',
      'Content-Length': '1000',
      'Content-Type': 'audio/mp4',
      'X-Content-Type-Options': 'nosniff',
    });
    expect(res.headers).not.toHaveProperty('Content-Range');
    expect(resolveToken).toHaveBeenCalledWith(TOKEN);
    expect(openRange).toHaveBeenCalledWith(FILE.path, 0, 999, FILE);
    expect(await bytesOf(res.body)).toEqual([...BYTES]);
  });

  it.each([
    ['bytes=0-99', 0, 99],
    ['bytes=100-', 100, 999],
    ['bytes=-10', 990, 999],
    ['bytes=-5000', 0, 999],
    ['bytes=990-5000', 990, 999],
    ['bytes=999-999', 999, 999],
    ['BYTES = 5-6', 5, 6],
  ])('%s → 206 for bytes %i–%i', async (range, start, end) => {
    const { request, openRange } = setup();
    const res = request({ Range: range });
    expect(res.status).toBe(206);
    expect(res.headers['Content-Range']).toBe(`bytes ${start}-${end}/1000`);
    expect(res.headers['Content-Length']).toBe(String(end - start + 1));
    expect(openRange).toHaveBeenCalledWith(FILE.path, start, end, FILE);
    expect(await bytesOf(res.body)).toEqual([...BYTES.slice(start, end + 1)]);
  });

  it.each([
    'bytes=1000-',
    'bytes=1000-1001',
    'bytes=-0',
    'bytes=5-4',
    'bytes=abc',
    'bytes=',
    'bytes=1-2-3',
    'junk',
  ])('%s → 416 with the size', (range) => {
    const { request, openRange } = setup();
    const res = request({ range });
    expect(res.status).toBe(416);
    expect(res.headers['Content-Range']).toBe('bytes */1000');
    expect(res.body).toBeNull();
    expect(openRange).not.toHaveBeenCalled();
  });

  it('answers several ranges with the whole file (allowed by RFC 9110; media elements send one)', () => {
    const { request, openRange } = setup();
    const res = request({ range: 'bytes=0-1, 5-6' });
    expect(res.status).toBe(200);
    expect(res.headers['Content-Length']).toBe('1000');
    expect(openRange).toHaveBeenCalledWith(FILE.path, 0, 999, FILE);
    expect(request({ range: 'bytes=0-1, nonsense' }).status).toBe(416);
  });

  it('overlapping ranges and a header of 10,000 ranges get the whole file once, never 10,000 reads', () => {
    const { request, openRange } = setup();
    expect(request({ range: 'bytes=0-500, 100-900' }).status).toBe(200);
    const many = `bytes=${Array.from({ length: 10_000 }, () => '0-999').join(',')}`;
    const res = request({ range: many });
    expect(res.status).toBe(200);
    expect(res.headers['Content-Length']).toBe('1000');
    expect(openRange).toHaveBeenCalledTimes(2);
  });

  it('ignores a Range in another unit', () => {
    expect(setup().request({ range: 'items=0-5' }).status).toBe(200);
  });

  it('reads headers from a Headers object too (what Electron passes)', () => {
    const { openRange } = setup();
    const res = handleMediaRequest(
      { url: mediaUrlFor(TOKEN), headers: new Headers({ Range: 'bytes=10-19' }), method: 'GET' },
      (t) => (t === TOKEN ? FILE : undefined),
      openRange,
    );
    expect(res.status).toBe(206);
    expect(res.headers['Content-Length']).toBe('10');
  });

  it('HEAD gives the same headers without opening the file', () => {
    const { request, openRange } = setup();
    const res = request({ range: 'bytes=0-9' }, { method: 'HEAD' });
    expect(res.status).toBe(206);
    expect(res.headers['Content-Length']).toBe('10');
    expect(res.body).toBeNull();
    expect(openRange).not.toHaveBeenCalled();
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('%s → 405', (method) => {
    const { request, resolveToken } = setup();
    const res = request({}, { method });
    expect(res.status).toBe(405);
    expect(res.headers['Allow']).toBe('GET, HEAD');
    expect(resolveToken).not.toHaveBeenCalled();
  });

  it('an unknown token is 404', () => {
    const { resolveToken, openRange } = setup();
    const res = handleMediaRequest(
      { url: 'rotorscribe-media://00000000-0000-0000-0000-000000000000', headers: {} },
      resolveToken,
      openRange,
    );
    expect(res.status).toBe(404);
    expect(resolveToken).toHaveBeenCalledOnce();
  });

  it.each([
    `rotorscribe-media://${TOKEN}/../../etc/passwd`,
    `rotorscribe-media://${TOKEN}/meeting.m4a`,
    'rotorscribe-media:///etc/passwd',
    'rotorscribe-media://%2Fetc%2Fpasswd',
    'rotorscribe-media://..',
    `rotorscribe-media://${TOKEN}%2F..%2F..%2Fetc%2Fpasswd`,
    `rotorscribe-media://${TOKEN}/%2e%2e/%2e%2e/etc/passwd`,
    `rotorscribe-media://${TOKEN}\\..\\..\\secret`,
    `rotorscribe-media://${TOKEN}%5C..%5Csecret`,
    `rotorscribe-media://${TOKEN}%00`,
    `rotorscribe-media://user:pw@${TOKEN}`,
    `rotorscribe-media://${TOKEN}:8080`,
    `rotorscribe-media://${TOKEN.toUpperCase()}`,
    `file:///etc/passwd`,
    `app://${TOKEN}`,
    'not a url',
  ])('refuses %s without resolving anything', (url) => {
    const { resolveToken, openRange } = setup();
    expect(handleMediaRequest({ url, headers: {} }, resolveToken, openRange).status).toBe(404);
    expect(resolveToken).not.toHaveBeenCalled();
    expect(openRange).not.toHaveBeenCalled();
  });

  it('serves an empty file as 200 with no body, and any range of it as 416', () => {
    const empty = { ...FILE, size: 0 };
    const { request, openRange } = setup({ [TOKEN]: empty });
    const res = request();
    expect(res.status).toBe(200);
    expect(res.headers['Content-Length']).toBe('0');
    expect(res.body).toBeNull();
    expect(request({ range: 'bytes=-1' }).status).toBe(416);
    expect(request({ range: 'bytes=0-' }).headers['Content-Range']).toBe('bytes */0');
    expect(openRange).not.toHaveBeenCalled();
  });

  it('honours If-Range: the current validator gets the range, a stale one the whole file', () => {
    const { request } = setup();
    const first = request();
    const etag = first.headers['ETag']!;
    const lastModified = first.headers['Last-Modified']!;
    expect(request({ range: 'bytes=0-9', 'if-range': etag }).status).toBe(206);
    expect(request({ range: 'bytes=0-9', 'if-range': lastModified }).status).toBe(206);
    expect(request({ range: 'bytes=0-9', 'if-range': 'W/"old"' }).status).toBe(200);
  });
});

describe('parseRange', () => {
  it('refuses numbers beyond what a file offset can be', () => {
    expect(parseRange('bytes=0-99999999999999999999', 10)).toBe('unsatisfiable');
  });

  it('no header means the whole file', () => {
    expect(parseRange(undefined, 10)).toBeNull();
  });
});

describe('contentTypeFor and mediaUrlFor', () => {
  it.each([
    ['a.wav', 'audio/wav'],
    ['a.MP3', 'audio/mpeg'],
    ['dir.with.dots/a.flac', 'audio/flac'],
    ['C:\\x\\a.opus', 'audio/ogg'],
    ['a.mkv', 'video/x-matroska'],
    ['a.exe', 'application/octet-stream'],
    ['noext', 'application/octet-stream'],
    ['.wav', 'application/octet-stream'],
  ])('%s → %s', (path, type) => expect(contentTypeFor(path)).toBe(type));

  it('builds URLs only from well-formed tokens', () => {
    expect(mediaUrlFor(TOKEN)).toBe(`rotorscribe-media://${TOKEN}`);
    expect(() => mediaUrlFor('../etc')).toThrow();
    expect(() => mediaUrlFor('ABCDEFGHIJ')).toThrow();
  });
});
