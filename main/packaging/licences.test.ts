import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LICENCES_MODULE, collectLicences, isGplFamily, licenceOf, licencesPlugin } from './licences';

const root = mkdtempSync(join(tmpdir(), 'rs-licences-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function pkg(dir: string, json: object): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(json));
}

describe('licence list', () => {
  it('follows production dependencies transitively, nested copies first, and leaves out what is not shipped', () => {
    pkg(root, {
      name: 'app',
      dependencies: { a: '1', '@ffmpeg-installer/ffmpeg': '1' },
      optionalDependencies: { 'not-installed': '1' },
      devDependencies: { 'dev-only': '1' },
    });
    const nm = join(root, 'node_modules');
    pkg(join(nm, 'a'), { name: 'a', version: '1.0.0', license: 'MIT', dependencies: { b: '2' } });
    pkg(join(nm, 'a', 'node_modules', 'b'), { name: 'b', version: '2.0.0', license: { type: 'ISC' } });
    pkg(join(nm, 'b'), { name: 'b', version: '1.0.0', license: 'MIT' }); // hoisted copy a does not use
    pkg(join(nm, 'dev-only'), { name: 'dev-only', version: '1.0.0', license: 'MIT' });
    pkg(join(nm, '@ffmpeg-installer', 'ffmpeg'), {
      name: '@ffmpeg-installer/ffmpeg',
      version: '1.1.0',
      license: 'LGPL-2.1',
    });
    pkg(join(nm, 'electron'), {
      name: 'electron',
      version: '45.5.0',
      license: 'MIT',
      repository: 'git+https://github.com/electron/electron.git',
      dependencies: { gpl: '1' },
    });
    pkg(join(nm, 'gpl'), { name: 'gpl', version: '3.0.0', licenses: [{ type: 'GPL-2.0-or-later' }] });

    const list = collectLicences(root);
    const names = list.map((e) => `${e.name}@${e.version}`);
    expect(names).toEqual(expect.arrayContaining(['a@1.0.0', 'b@2.0.0', 'electron@45.5.0', 'gpl@3.0.0']));
    expect(names).not.toContain('b@1.0.0');
    expect(names.some((n) => n.startsWith('dev-only') || n.startsWith('@ffmpeg-installer'))).toBe(false);
    expect(list.find((e) => e.name === 'b')).toMatchObject({ licence: 'ISC', gpl: false });
    expect(list.find((e) => e.name === 'gpl')).toMatchObject({ licence: 'GPL-2.0-or-later', gpl: true });
    expect(list.find((e) => e.name === 'electron')?.homepage).toBe('https://github.com/electron/electron');
    expect(list.some((e) => e.name.startsWith('llama.cpp'))).toBe(true);
  });

  it('reads every shape of licence field and tells the GPL family apart', () => {
    expect(licenceOf({ license: ' MIT ' })).toBe('MIT');
    expect(licenceOf({ licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] })).toBe('MIT OR Apache-2.0');
    expect(licenceOf({})).toBe('UNKNOWN');
    for (const gpl of ['GPL-2.0-or-later', 'LGPL-2.1', 'AGPL-3.0-only', '(MIT OR GPL-3.0)', 'GPL'])
      expect([gpl, isGplFamily(gpl)]).toEqual([gpl, true]);
    for (const free of ['MIT', 'ISC', 'BlueOak-1.0.0', 'Apache-2.0', 'BSD-3-Clause'])
      expect([free, isGplFamily(free)]).toEqual([free, false]);
  });

  it('lists the real checkout: the wasm FFmpeg called out as GPL, the native ffmpeg binaries absent', () => {
    const list = collectLicences(resolve(import.meta.dirname, '..', '..'));
    expect(list.find((e) => e.name === '@ffmpeg/core')).toMatchObject({ gpl: true });
    expect(list.some((e) => e.name.startsWith('@ffmpeg-installer/'))).toBe(false);
    expect(list.find((e) => e.name === 'react')).toMatchObject({ licence: 'MIT', gpl: false });
    expect(list.every((e) => e.licence !== 'UNKNOWN')).toBe(true);
  });

  it('serves the list as a virtual module', () => {
    const plugin = licencesPlugin(root);
    const id = plugin.resolveId(LICENCES_MODULE)!;
    expect(plugin.resolveId('react')).toBeUndefined();
    const code = plugin.load(id)!;
    expect(code.startsWith('export default [')).toBe(true);
    expect(JSON.parse(code.slice('export default '.length, -1))).toEqual(collectLicences(root));
  });
});
