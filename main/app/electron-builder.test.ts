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

  it('builds only the installers we ship: nsis, dmg (+ the zip electron-updater installs from), AppImage, deb', () => {
    expect(targetsOf('win')).toEqual(['nsis']);
    expect(targetsOf('mac')).toEqual(['dmg', 'zip']);
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

  it('sets every security fuse: no plain-Node modes, only the integrity-checked asar, no file:// privileges', () => {
    // toEqual, not toMatchObject: a fuse dropped from the file (electron-builder then leaves Electron's default,
    // which for grantFileProtocolExtraPrivileges is on) fails here.
    expect(config['electronFuses']).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});

describe('electron-builder.yml: per-platform installers (issue 24)', () => {
  type PlatformConfig = { target: Targets; files?: string[]; icon?: string };
  const platform = (name: string): PlatformConfig => config[name] as PlatformConfig;
  const archesOf = (name: string): string[] => platform(name).target.flatMap((t) => t.arch ?? []);
  const ort = 'node_modules/onnxruntime-node/bin/napi-v*';

  it('builds x64 and arm64 installers on Windows, macOS and Linux', () => {
    expect(archesOf('win').sort()).toEqual(['arm64', 'x64']);
    // Intel Macs run the VAD on onnxruntime-web's wasm: onnxruntime-node has no darwin-x64 binary (tests/packaged)
    expect(archesOf('mac').sort()).toEqual(['arm64', 'arm64', 'x64', 'x64']);
    expect(archesOf('linux').sort()).toEqual(['arm64', 'arm64', 'x64', 'x64']);
  });

  it("each installer carries only its own platform's and architecture's onnxruntime", () => {
    // ${platform}/${arch}: the platform and architecture being packed (releases build each installer natively);
    // platform-level files lists would turn the allow-list into "everything" (electron-builder prepends **/* to a
    // list of exclusions only), so the filters live in the one top-level list
    const files = config['files'] as string[];
    expect(files).toContain(`!${ort}/!(\${platform})/**`);
    expect(files).toContain(`!${ort}/\${platform}/!(\${arch})/**`);
    for (const name of ['win', 'mac', 'linux']) expect(platform(name).files).toBeUndefined();
  });

  it('packs the addon with the backend libraries it loads at run time, unpacked', () => {
    const files = config['files'] as string[];
    for (const ext of ['so', 'dylib', 'dll']) expect(files).toContain(`native/build/Release/*.${ext}`);
    expect(config['asarUnpack'] as string[]).toContain('native/**');
  });

  it('Windows installs per user without administrator rights', () => {
    expect(config['nsis']).toMatchObject({ oneClick: true, perMachine: false, packElevateHelper: false });
  });

  it('macOS: hardened runtime, microphone and system-audio prompts, notarization from the environment', () => {
    const mac = config['mac'] as Record<string, unknown>;
    expect(mac).toMatchObject({ hardenedRuntime: true, notarize: true });
    const info = mac['extendInfo'] as Record<string, string>;
    expect(info['NSMicrophoneUsageDescription']).toMatch(/records/);
    expect(info['NSAudioCaptureUsageDescription']).toMatch(/records/);
    const entitlements = readFileSync(path.join(root, mac['entitlements'] as string), 'utf8');
    expect(entitlements).toContain('<key>com.apple.security.device.audio-input</key>');
  });

  it("every platform's icon exists in assets/ and audio files are associated", async () => {
    const { existsSync } = await import('node:fs');
    for (const name of ['win', 'mac', 'linux']) {
      const icon = platform(name).icon;
      expect(icon && existsSync(path.join(root, icon)), `${name} icon ${icon}`).toBe(true);
    }
    const { MEDIA_EXTENSIONS } = await import('@common/media-extensions');
    const exts = (config['fileAssociations'] as { ext: string }[]).map((a) => a.ext).sort();
    expect(exts).toEqual([...MEDIA_EXTENSIONS].sort());
  });

  it('publishes to the GitHub releases electron-updater reads', () => {
    expect(config['publish']).toMatchObject({
      provider: 'github',
      owner: 'rotorscribe',
      repo: 'rotorscribe',
    });
  });
});
