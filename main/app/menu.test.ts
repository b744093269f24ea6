import { describe, expect, it } from 'vitest';
import { RELEASES_URL } from './links';
import { buildMenuTemplate } from './menu';
import { HELP_URL, ISSUES_URL } from './security';

type Item = { label?: string; type?: string; click?: () => void };

describe('Help menu', () => {
  it('opens the real project pages and checks for updates when the build can update itself', () => {
    const calls: string[] = [];
    const t = buildMenuTemplate(
      {
        addFiles: () => undefined,
        openSettings: () => undefined,
        openHelp: () => calls.push('help'),
        openIssues: () => calls.push('issues'),
        openReleaseNotes: () => calls.push('releases'),
        checkForUpdates: () => calls.push('update'),
      },
      { platform: 'win32', appName: 'RotorScribe', devTools: false },
    );
    const help = t.at(-1)?.submenu as Item[];
    expect(help.map((i) => i.label ?? i.type)).toEqual([
      'RotorScribe Help',
      'Release Notes',
      'Report a Problem…',
      'separator',
      'Check for Updates…',
    ]);
    for (const i of help) i.click?.();
    expect(calls).toEqual(['help', 'releases', 'issues', 'update']);
    for (const url of [HELP_URL, ISSUES_URL, RELEASES_URL]) {
      expect(url).toMatch(/^https:\/\/github\.com\/rotorscribe\/rotorscribe([/#]|$)/);
    }
  });

  it('leaves out the update entry where there is no updater', () => {
    const t = buildMenuTemplate(
      {
        addFiles: () => undefined,
        openSettings: () => undefined,
        openHelp: () => undefined,
        openIssues: () => undefined,
      },
      { platform: 'linux', appName: 'RotorScribe', devTools: false },
    );
    const help = t.at(-1)?.submenu as Item[];
    expect(help.map((i) => i.label)).toEqual(['RotorScribe Help', 'Report a Problem…']);
  });
});
