/**
 * Security decisions for windows, IPC and permissions, as pure functions over URLs so they are unit-tested in Node.
 * The renderer is served from our own privileged scheme (app://rotorscribe/) in production — not file://, whose
 * "origin" would be shared with any local file — and from the Vite dev server in development.
 */
import path from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'rotorscribe';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** The origin of a URL, or null for anything unparsable or opaque (about:blank, data:, file:). */
export function originOf(url: string | undefined | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.origin;
    if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST) return APP_ORIGIN;
    return null;
  } catch {
    return null;
  }
}

export function isTrustedUrl(url: string | undefined | null, trustedOrigins: readonly string[]): boolean {
  const origin = originOf(url);
  return origin !== null && trustedOrigins.includes(origin);
}

/** The parts of Electron's WebFrameMain the sender check needs. */
export interface SenderFrameLike {
  readonly url: string;
  readonly parent: unknown;
}

/** The parts of Electron's IpcMainInvokeEvent registerIpc needs. */
export interface InvokeEventLike {
  readonly senderFrame: SenderFrameLike | null;
}

/**
 * A sender is trusted when the calling frame is the top frame of a page on one of our origins, and (in the app)
 * the web contents belongs to one of our windows. Sub-frames never get the API, even same-origin ones.
 */
export function createSenderGuard(options: {
  trustedOrigins: readonly string[];
  isOurContents?: (event: InvokeEventLike) => boolean;
}): (event: InvokeEventLike) => boolean {
  return (event) => {
    const frame = event.senderFrame;
    if (!frame || frame.parent) return false;
    if (!isTrustedUrl(frame.url, options.trustedOrigins)) return false;
    return options.isOurContents ? options.isOurContents(event) : true;
  };
}

/** What Electron's permission request handler says about a request (PermissionRequest / MediaAccessPermissionRequest). */
export interface PermissionRequestDetailsLike {
  readonly requestingUrl?: string;
  /** False when a sub-frame asks; our page has none, so a sub-frame asking is refused like IPC from one. */
  readonly isMainFrame?: boolean;
  /** For 'media': the devices asked for; Chromium sends both for getUserMedia({ audio, video }). */
  readonly mediaTypes?: readonly string[];
}

/**
 * Only the microphone, only for our own pages. Electron names camera and microphone capture one permission,
 * 'media', so the request's mediaTypes decide: a request that includes 'video' (or names no device) is refused
 * whole. Everything else (geolocation, notifications, ...) is denied.
 */
export function isPermissionAllowed(
  permission: string,
  details: PermissionRequestDetailsLike,
  trustedOrigins: readonly string[],
): boolean {
  if (permission !== 'media' || details.isMainFrame === false) return false;
  if (!isTrustedUrl(details.requestingUrl, trustedOrigins)) return false;
  const types = details.mediaTypes ?? [];
  return types.length > 0 && types.every((t) => t === 'audio');
}

/**
 * The synchronous permission check (navigator.permissions, device enumeration): 'media' with mediaType 'audio'
 * only; 'video' and 'unknown' are refused like every other permission.
 */
export function isPermissionCheckAllowed(
  permission: string,
  requestingOrigin: string | undefined,
  details: { readonly mediaType?: string; readonly isMainFrame?: boolean },
  trustedOrigins: readonly string[],
): boolean {
  return (
    permission === 'media' &&
    details.mediaType === 'audio' &&
    details.isMainFrame !== false &&
    isTrustedUrl(requestingOrigin, trustedOrigins)
  );
}

/**
 * Electron's two permission handlers for a session, refusing any web contents that is not one of our windows
 * (Electron passes null for requests without one, e.g. a service worker) before the per-permission rules above.
 * The session is shared by every web contents the app could ever create, so the origin alone is not "our window".
 */
export function createPermissionHandlers<C>(options: {
  trustedOrigins: readonly string[];
  isOurContents: (contents: C | null) => boolean;
}): {
  request: (
    contents: C | null,
    permission: string,
    callback: (granted: boolean) => void,
    details: PermissionRequestDetailsLike,
  ) => void;
  check: (
    contents: C | null,
    permission: string,
    requestingOrigin: string,
    details: { readonly mediaType?: string; readonly isMainFrame?: boolean },
  ) => boolean;
} {
  const { trustedOrigins, isOurContents } = options;
  return {
    request: (contents, permission, callback, details) =>
      callback(isOurContents(contents) && isPermissionAllowed(permission, details, trustedOrigins)),
    check: (contents, permission, requestingOrigin, details) =>
      isOurContents(contents) &&
      isPermissionCheckAllowed(permission, requestingOrigin, details, trustedOrigins),
  };
}

/**
 * The built app's Content-Security-Policy, sent as a header with every HTML page of app:// (main/app/index.ts). The
 * meta tag in renderer/index.html says the same for the page itself (a test holds them together); the header also
 * says what a meta tag cannot: no page may frame ours, and ours frames nothing. Both are enforced, so neither can
 * loosen the other.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream: rotorscribe-media:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Headers added to one file served from app://: the CSP on pages. Nothing on scripts and styles, whose types come
 * from the file's extension through net.fetch.
 */
export function appResponseHeaders(file: string): Record<string, string> {
  return /\.html?$/iu.test(file) ? { 'Content-Security-Policy': APP_CSP } : {};
}

/** The project's own pages: the only links that leave the app, to the system browser. */
export const HELP_URL = 'https://github.com/rotorscribe/rotorscribe#readme';
export const ISSUES_URL = 'https://github.com/rotorscribe/rotorscribe/issues';
const PROJECT_ORIGIN = 'https://github.com';
const PROJECT_PATH = '/rotorscribe/rotorscribe';

/**
 * Whether a link may open in the system browser: https on the project's pages only (help, issues, releases),
 * judged on the parsed URL so dot segments, credentials or look-alike hosts cannot slip through.
 */
export function isAllowedExternalUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.origin !== PROJECT_ORIGIN || u.username || u.password) return false;
  return u.pathname === PROJECT_PATH || u.pathname.startsWith(`${PROJECT_PATH}/`);
}

/** Maps app://rotorscribe/<path> to a file inside rootDir; null for other hosts or any path escaping rootDir. */
export function resolveAppAsset(url: string, rootDir: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const relative = pathname === '/' || pathname === '' ? 'index.html' : pathname.replace(/^\/+/, '');
  const root = path.resolve(rootDir);
  const file = path.resolve(root, relative);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  return file;
}
