/**
 * Window hardening seen from outside: who may use the microphone (our window's top frame only), and the CSP the built
 * page runs under, from the meta tag in renderer/index.html and the header main sends with it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  APP_CSP,
  APP_ORIGIN,
  appResponseHeaders,
  createPermissionHandlers,
  isPermissionAllowed,
  isPermissionCheckAllowed,
} from './security';

const OURS = { id: 1 };
const OTHER = { id: 2 };
const page = `${APP_ORIGIN}/index.html`;

describe('permissions: only the microphone, only for our window', () => {
  const handlers = createPermissionHandlers<{ id: number }>({
    trustedOrigins: [APP_ORIGIN],
    isOurContents: (contents) => contents === OURS,
  });
  const request = (contents: { id: number } | null, details: Parameters<typeof handlers.request>[3]) => {
    const callback = vi.fn();
    handlers.request(contents, 'media', callback, details);
    expect(callback).toHaveBeenCalledOnce();
    return callback.mock.calls[0]![0] as boolean;
  };

  it('grants our window top frame the microphone', () => {
    expect(request(OURS, { requestingUrl: page, mediaTypes: ['audio'], isMainFrame: true })).toBe(true);
    expect(handlers.check(OURS, 'media', APP_ORIGIN, { mediaType: 'audio', isMainFrame: true })).toBe(true);
  });

  it('refuses web contents that are not our window, or none, even on our origin', () => {
    for (const contents of [OTHER, null]) {
      expect(request(contents, { requestingUrl: page, mediaTypes: ['audio'], isMainFrame: true })).toBe(
        false,
      );
      expect(handlers.check(contents, 'media', APP_ORIGIN, { mediaType: 'audio' })).toBe(false);
    }
  });

  it('refuses a sub-frame, even one of our origin in our window', () => {
    expect(request(OURS, { requestingUrl: page, mediaTypes: ['audio'], isMainFrame: false })).toBe(false);
    expect(
      isPermissionAllowed('media', { requestingUrl: page, mediaTypes: ['audio'], isMainFrame: false }, [
        APP_ORIGIN,
      ]),
    ).toBe(false);
    expect(
      isPermissionCheckAllowed('media', APP_ORIGIN, { mediaType: 'audio', isMainFrame: false }, [APP_ORIGIN]),
    ).toBe(false);
  });

  it('still refuses the camera and every other permission for our window', () => {
    expect(request(OURS, { requestingUrl: page, mediaTypes: ['audio', 'video'] })).toBe(false);
    const callback = vi.fn();
    handlers.request(OURS, 'geolocation', callback, { requestingUrl: page });
    expect(callback).toHaveBeenCalledWith(false);
    expect(handlers.check(OURS, 'notifications', APP_ORIGIN, {})).toBe(false);
  });
});

function directives(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/u);
    // a browser obeys the first of two same-named directives and ignores the rest
    if (name && !out.has(name.toLowerCase())) out.set(name.toLowerCase(), values);
  }
  return out;
}

function metaCsp(): string {
  const html = readFileSync(path.join(import.meta.dirname, '../../renderer/index.html'), 'utf8');
  const match = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/u.exec(html);
  if (!match?.[1]) throw new Error('renderer/index.html has no CSP meta tag');
  return match[1];
}

describe('Content-Security-Policy of the built page', () => {
  it.each([
    ['the meta tag in renderer/index.html', metaCsp()],
    ['the header main sends', APP_CSP],
  ])('%s allows no inline or eval script, no plugins, no remote origins', (_what, policy) => {
    const d = directives(policy);
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('form-action')).toEqual(["'none'"]);
    const everything = [...d.values()].flat();
    // data: is for images only (icons); nowhere else may a page load from it
    const outsideImages = [...d.entries()].filter(([name]) => name !== 'img-src').flatMap(([, v]) => v);
    for (const loose of [
      "'unsafe-inline'",
      "'unsafe-eval'",
      "'wasm-unsafe-eval'",
      '*',
      'http:',
      'https:',
      'ws:',
      'file:',
    ])
      expect(everything, loose).not.toContain(loose);
    expect(outsideImages).not.toContain('data:');
    // the only scheme beyond our own: main's opaque playback tokens, for media only
    expect(
      everything.filter((s) => s.endsWith(':') && !['blob:', 'mediastream:', 'data:'].includes(s)),
    ).toEqual(['rotorscribe-media:']);
    expect(d.get('media-src')).toContain('rotorscribe-media:');
  });

  it('the header says what the meta tag says, and also that nothing frames or is framed', () => {
    const meta = directives(metaCsp());
    const header = directives(APP_CSP);
    for (const [name, values] of meta) expect([name, header.get(name)]).toEqual([name, values]);
    expect(header.get('frame-src')).toEqual(["'none'"]);
    expect(header.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('pages get the CSP header, other files nothing added', () => {
    expect(appResponseHeaders('/out/renderer/index.html')).toEqual({ 'Content-Security-Policy': APP_CSP });
    expect(appResponseHeaders('/out/renderer/assets/index-abc.js')).toEqual({});
  });
});
