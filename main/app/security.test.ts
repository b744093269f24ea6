import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMenuTemplate } from './menu';
import {
  APP_ORIGIN,
  HELP_URL,
  ISSUES_URL,
  isAllowedExternalUrl,
  isPermissionAllowed,
  isPermissionCheckAllowed,
  originOf,
  resolveAppAsset,
} from './security';
import { hardenWebContents, secureWindowOptions, type HardenableContents } from './window';

describe('origins', () => {
  it('recognises our scheme, http(s), and nothing opaque', () => {
    expect(originOf('app://rotorscribe/index.html')).toBe(APP_ORIGIN);
    expect(originOf('app://other/index.html')).toBeNull();
    expect(originOf('http://127.0.0.1:4000/x?y')).toBe('http://127.0.0.1:4000');
    expect(originOf('file:///etc/passwd')).toBeNull();
    expect(originOf('about:blank')).toBeNull();
    expect(originOf('not a url')).toBeNull();
  });
});

describe('permissions', () => {
  const ours = 'app://rotorscribe/index.html';
  const ask = (permission: string, requestingUrl: string, mediaTypes?: string[]) =>
    isPermissionAllowed(permission, mediaTypes ? { requestingUrl, mediaTypes } : { requestingUrl }, [
      APP_ORIGIN,
    ]);

  it('grants the microphone, only for our origin', () => {
    expect(ask('media', ours, ['audio'])).toBe(true);
    expect(ask('media', 'https://evil.example/', ['audio'])).toBe(false);
  });

  it('refuses the camera, alone or together with the microphone, and media requests that name no device', () => {
    expect(ask('media', ours, ['video'])).toBe(false);
    expect(ask('media', ours, ['audio', 'video'])).toBe(false);
    expect(ask('media', ours, [])).toBe(false);
    expect(ask('media', ours)).toBe(false);
  });

  it('refuses every other permission', () => {
    for (const p of [
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'midiSysex',
      'display-capture',
    ]) {
      expect(ask(p, ours, ['audio'])).toBe(false);
    }
  });

  it('the permission check answers yes only for audio media on our origin', () => {
    expect(isPermissionCheckAllowed('media', APP_ORIGIN, { mediaType: 'audio' }, [APP_ORIGIN])).toBe(true);
    expect(isPermissionCheckAllowed('media', APP_ORIGIN, { mediaType: 'video' }, [APP_ORIGIN])).toBe(false);
    expect(isPermissionCheckAllowed('media', APP_ORIGIN, { mediaType: 'unknown' }, [APP_ORIGIN])).toBe(false);
    expect(isPermissionCheckAllowed('media', APP_ORIGIN, {}, [APP_ORIGIN])).toBe(false);
    expect(
      isPermissionCheckAllowed('media', 'https://evil.example', { mediaType: 'audio' }, [APP_ORIGIN]),
    ).toBe(false);
    expect(isPermissionCheckAllowed('geolocation', APP_ORIGIN, { mediaType: 'audio' }, [APP_ORIGIN])).toBe(
      false,
    );
  });
});

describe('external links', () => {
  it('allows the project help and issue pages', () => {
    expect(isAllowedExternalUrl(HELP_URL)).toBe(true);
    expect(isAllowedExternalUrl(ISSUES_URL)).toBe(true);
    expect(isAllowedExternalUrl('https://github.com/rotorscribe/rotorscribe/issues/17')).toBe(true);
  });

  it('refuses every other URL, including look-alikes', () => {
    for (const url of [
      'https://example.org/docs',
      'http://github.com/rotorscribe/rotorscribe/issues',
      'https://github.com/rotorscribe/rotorscribe-evil',
      'https://github.com/attacker/repo',
      'https://github.com/rotorscribe/rotorscribe/../../attacker/repo',
      'https://github.com.evil.example/rotorscribe/rotorscribe',
      'https://user:pw@github.com/rotorscribe/rotorscribe',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
  });
});

describe('app:// asset resolution', () => {
  const root = path.resolve('/srv/renderer');
  it('maps paths inside the renderer folder', () => {
    expect(resolveAppAsset('app://rotorscribe/', root)).toBe(path.join(root, 'index.html'));
    expect(resolveAppAsset('app://rotorscribe/assets/index-abc.js', root)).toBe(
      path.join(root, 'assets/index-abc.js'),
    );
  });
  it('refuses traversal, other hosts and NUL bytes', () => {
    // The URL parser folds encoded dot segments, so this one is clamped to the root rather than refused.
    expect(resolveAppAsset('app://rotorscribe/%2e%2e/%2e%2e/etc/passwd', root)).toBe(
      path.join(root, 'etc/passwd'),
    );
    expect(resolveAppAsset('app://rotorscribe/..%2f..%2fetc%2fpasswd', root)).toBeNull();
    expect(resolveAppAsset('app://evil/index.html', root)).toBeNull();
    expect(resolveAppAsset('app://rotorscribe/a%00.js', root)).toBeNull();
    expect(resolveAppAsset('app://rotorscribe/%E0%A4%A', root)).toBeNull();
  });
});

describe('windows', () => {
  it('every window is isolated and sandboxed', () => {
    const prefs = secureWindowOptions('/x/preload.cjs').webPreferences;
    expect(prefs).toMatchObject({
      preload: '/x/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
  });

  it('denies window.open, navigation and webviews; only project links go to the system browser', () => {
    const listeners = new Map<string, (e: { preventDefault(): void }) => void>();
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    const fake = {
      on: (name: string, l: (e: { preventDefault(): void }) => void) => listeners.set(name, l),
      setWindowOpenHandler: (h: (d: { url: string }) => { action: string }) => (openHandler = h),
    };
    const opened: string[] = [];
    hardenWebContents(fake as unknown as HardenableContents, (url) => opened.push(url));
    expect(openHandler?.({ url: 'https://example.org/docs' })).toEqual({ action: 'deny' });
    expect(openHandler?.({ url: ISSUES_URL })).toEqual({ action: 'deny' });
    expect(openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(opened).toEqual([ISSUES_URL]);
    for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      listeners.get(name)?.({ preventDefault: () => (prevented = true) });
      expect(prevented, name).toBe(true);
    }
  });
});

describe('app menu', () => {
  const calls: string[] = [];
  const actions = {
    addFiles: () => calls.push('add'),
    openSettings: () => calls.push('settings'),
    openHelp: () => calls.push('help'),
    openIssues: () => calls.push('issues'),
  };

  it('has the usual top-level entries on Windows/Linux, with Add Files and Quit under File', () => {
    const t = buildMenuTemplate(actions, { platform: 'linux', appName: 'RotorScribe', devTools: false });
    expect(t.map((m) => m.label)).toEqual(['&File', '&Edit', '&View', '&Window', '&Help']);
    const file = t[0]?.submenu as { label?: string; role?: string; click?: () => void }[];
    expect(file.map((i) => i.label ?? i.role)).toContain('Add Files…');
    expect(file.at(-1)?.role).toBe('quit');
    file.find((i) => i.label === 'Add Files…')?.click?.();
    expect(calls).toContain('add');
    const view = t[2]?.submenu as { role?: string }[];
    expect(view.some((i) => i.role === 'toggleDevTools')).toBe(false);
  });

  it('puts Settings and Quit in the app menu on macOS', () => {
    const t = buildMenuTemplate(actions, { platform: 'darwin', appName: 'RotorScribe', devTools: true });
    expect(t[0]?.label).toBe('RotorScribe');
    const appMenu = t[0]?.submenu as { label?: string; role?: string; click?: () => void }[];
    expect(appMenu.some((i) => i.role === 'quit')).toBe(true);
    appMenu.find((i) => i.label === 'Settings…')?.click?.();
    expect(calls).toContain('settings');
  });
});
