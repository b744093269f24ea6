import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isUpdateInfoFile,
  mergeArtifacts,
  mergeUpdateInfo,
  parseUpdateInfo,
  serializeUpdateInfo,
  type UpdateInfoError,
} from '../../.ci/update-info.mjs';

// The samples are written by the same function electron-builder writes latest*.yml with (builder-util's
// serializeToYaml, electron-builder's own dependency), so the parser meets the real format.
const { serializeToYaml } = createRequire(import.meta.url)('builder-util') as {
  serializeToYaml: (o: unknown, skipInvalid?: boolean, noRefs?: boolean) => string;
};

interface FileInfo {
  url: string;
  sha512: string;
  size: number;
  blockMapSize?: number;
  isAdminRightsRequired?: boolean;
}
interface UpdateInfo {
  version: string;
  files: FileInfo[];
  path: string;
  sha512: string;
  releaseDate: string;
  releaseNotes?: string;
}

const sha = (seed: string): string => Buffer.from(seed.repeat(48)).toString('base64').slice(0, 88);

function info(version: string, os: string, arch: string, ext: string[], date: string): UpdateInfo {
  const files = ext.map((e, i) => ({
    url: `RotorScribe-${version}-${os}-${arch}.${e}`,
    sha512: sha(`${os}${arch}${e}`),
    size: 100_000_000 + i,
    ...(e === 'exe' ? { isAdminRightsRequired: false } : {}),
  }));
  return {
    version,
    files,
    path: files[0]!.url,
    sha512: files[0]!.sha512,
    releaseDate: date,
  };
}

const yml = (o: UpdateInfo): string => serializeToYaml(o, false, true);
/** The merge of these jobs' update files, read back as YAML. */
const merge = (...infos: UpdateInfo[]): string =>
  mergeUpdateInfo(infos.map((o, i) => ({ source: `job-${i}/latest.yml`, text: yml(o) })));
const winX64 = info('0.2.0', 'win', 'x64', ['exe'], '2026-12-02T17:00:00.000Z');
const winArm = info('0.2.0', 'win', 'arm64', ['exe'], '2026-12-02T17:20:00.000Z');
const macArm = info('0.2.0', 'mac', 'arm64', ['zip', 'dmg'], '2026-12-02T17:10:00.000Z');
const macX64 = info('0.2.0', 'mac', 'x64', ['zip', 'dmg'], '2026-12-02T17:05:00.000Z');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as UpdateInfoError).code;
  }
  return undefined;
}

describe('update-info merge (.ci/update-info.mjs, the release workflow publish job)', () => {
  it('parses electron-builder output and writes it back byte for byte', () => {
    for (const o of [winX64, macArm, { ...winArm, releaseNotes: 'Fixes: the queue\n\n- one\n- two' }]) {
      const text = yml(o);
      expect(serializeUpdateInfo(parseUpdateInfo(text))).toBe(text);
    }
  });

  it('lists both architectures in one channel file, x64 in the legacy fields, the latest date', () => {
    const merged = load(merge(winArm, winX64)) as UpdateInfo;
    expect(merged.version).toBe('0.2.0');
    expect(merged.files).toEqual([...winArm.files, ...winX64.files]);
    expect(merged.path).toBe('RotorScribe-0.2.0-win-x64.exe');
    expect(merged.sha512).toBe(winX64.sha512);
    expect(merged.releaseDate).toBe('2026-12-02T17:20:00.000Z');
  });

  it('macOS: the zips and dmgs of both architectures, as electron-updater picks them by name', () => {
    const merged = load(merge(macArm, macX64)) as UpdateInfo;
    const urls = merged.files.map((f) => f.url);
    expect(urls).toEqual([
      'RotorScribe-0.2.0-mac-arm64.zip',
      'RotorScribe-0.2.0-mac-arm64.dmg',
      'RotorScribe-0.2.0-mac-x64.zip',
      'RotorScribe-0.2.0-mac-x64.dmg',
    ]);
    // MacUpdater keeps the arm64 files on Apple silicon and the others elsewhere; each side has exactly one zip
    expect(urls.filter((u) => u.includes('arm64') && u.endsWith('.zip'))).toHaveLength(1);
    expect(urls.filter((u) => !u.includes('arm64') && u.endsWith('.zip'))).toHaveLength(1);
  });

  it('refuses what it cannot merge honestly', () => {
    const other = info('0.1.9', 'win', 'arm64', ['exe'], '2026-12-02T17:20:00.000Z');
    expect(codeOf(() => merge(winX64, other))).toBe('VERSION_MISMATCH');
    const sameNameOtherHash = { ...winArm, files: [{ ...winX64.files[0]!, sha512: sha('zz') }] };
    expect(codeOf(() => merge(winX64, sameNameOtherHash))).toBe('FILE_CONFLICT');
    expect(codeOf(() => parseUpdateInfo('version: 1\nfiles:\n  - url: a\n      nested: x\n'))).toBe(
      'UNSUPPORTED_YAML',
    );
    expect(codeOf(() => mergeUpdateInfo([{ source: 'a', text: 'version: 1\npath: x\n' }]))).toBe('NO_FILES');
  });

  describe('mergeArtifacts', () => {
    const dirs: string[] = [];
    afterEach(() => {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    });

    it('copies every job installer once and merges the channel files of the same name', () => {
      const root = mkdtempSync(join(tmpdir(), 'rs-update-info-'));
      dirs.push(root);
      const jobs: [string, UpdateInfo, string][] = [
        ['installers-windows-x64', winX64, 'latest.yml'],
        ['installers-windows-arm64', winArm, 'latest.yml'],
        ['installers-macos-arm64', macArm, 'latest-mac.yml'],
        [
          'installers-linux-x64',
          info('0.2.0', 'linux', 'x86_64', ['AppImage'], winX64.releaseDate),
          'latest-linux.yml',
        ],
      ];
      for (const [job, o, name] of jobs) {
        mkdirSync(join(root, 'in', job), { recursive: true });
        writeFileSync(join(root, 'in', job, name), yml(o));
        for (const f of o.files) writeFileSync(join(root, 'in', job, f.url), f.url);
      }
      const { copied, merged } = mergeArtifacts(join(root, 'in'), join(root, 'out'));
      expect(copied.sort()).toEqual(jobs.flatMap(([, o]) => o.files.map((f) => f.url)).sort());
      expect(merged.map((m) => m.split(' ')[0]).sort()).toEqual([
        'latest-linux.yml',
        'latest-mac.yml',
        'latest.yml',
      ]);
      const win = load(readFileSync(join(root, 'out', 'latest.yml'), 'utf8')) as UpdateInfo;
      expect(win.files.map((f) => f.url).sort()).toEqual([winArm.files[0]!.url, winX64.files[0]!.url]);
      // a single job's channel file passes through unchanged
      expect(readFileSync(join(root, 'out', 'latest-mac.yml'), 'utf8')).toBe(yml(macArm));
      expect(isUpdateInfoFile('latest-linux-arm64.yml')).toBe(true);
      expect(isUpdateInfoFile('RotorScribe-0.2.0-win-x64.exe.blockmap')).toBe(false);
    });
  });
});
