import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const config = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<
  string,
  unknown
>;
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string };

const schema = JSON.parse(readFileSync(path.join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8'));
const validate = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true }).compile(schema);

type Targets = { target: string; arch?: string[] }[];
const targetsOf = (platform: string): string[] =>
  ((config[platform] as { target: Targets }).target ?? []).map((t) => t.target);

describe('electron-builder.yml', () => {
  it("is valid against app-builder-lib's own schema", () => {
    const valid = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check is real: a typo is rejected', () => {
    expect(validate({ ...config, npmRebiuld: false })).toBe(false);
    expect(validate({ ...config, asarUnpack: 42 })).toBe(false);
  });

  it('builds only the installers we ship: nsis, dmg, AppImage, deb', () => {
    expect(targetsOf('win')).toEqual(['nsis']);
    expect(targetsOf('mac')).toEqual(['dmg']);
    expect(targetsOf('linux').sort()).toEqual(['AppImage', 'deb']);
  });

  it('never rebuilds dependencies and unpacks native code from the asar', () => {
    expect(config['npmRebuild']).toBe(false);
    const unpack = config['asarUnpack'] as string[];
    expect(unpack).toContain('**/*.node');
    expect(unpack.some((p) => p.startsWith('native/'))).toBe(true);
  });

  it('packs the built app and the addon, not sources', () => {
    const files = config['files'] as string[];
    expect(files).toEqual(expect.arrayContaining(['out/main/**', 'out/preload/**', 'out/renderer/**']));
    expect(files).toContain('native/build/Release/rotorscribe.node');
    expect(pkg.main.startsWith('out/main/')).toBe(true);
    // node-llama-cpp's prebuilt inference binaries (~670 MB) are never used by the app.
    expect(files).toContain('!node_modules/@node-llama-cpp/**');
    for (const source of ['main/**', 'renderer/**', 'preload/**', 'fixtures/**', 'tests/**', '.cache/**']) {
      expect(files).not.toContain(source);
    }
  });

  it('turns off the Electron fuses that would let the binary run as plain Node', () => {
    expect(config['electronFuses']).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
    });
  });
});
