import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addonCandidates, resolveAddonPath } from './native';

const ADDON = join('native', 'build', 'Release', 'rotorscribe.node');

describe('addon resolver', () => {
  it('finds the addon from the source tree, the electron-vite bundle and a packaged app', () => {
    const root = '/home/u/rotorscribe';
    expect(addonCandidates(join(root, 'main/engine/runtime'))).toContain(join(root, ADDON));
    expect(addonCandidates(join(root, 'out/main/chunks'))).toContain(join(root, ADDON));
    const res = '/opt/RotorScribe/resources';
    const packaged = addonCandidates(join(res, 'app.asar/out/main'), res);
    // never inside the archive: native code has to be loaded from app.asar.unpacked
    expect(packaged).toContain(join(res, 'app.asar.unpacked', ADDON));
    expect(packaged.some((p) => p.includes(`app.asar${join('/', 'native')}`))).toBe(false);
  });

  it('puts an explicit override first', () => {
    expect(addonCandidates('/x/y', undefined, '/custom/rs.node')[0]).toBe('/custom/rs.node');
  });

  it('resolves the built addon in this checkout', () => {
    expect(resolveAddonPath()).toMatch(/rotorscribe\.node$/);
  });
});
