import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { chooseVadRuntime, nativeBindingPath, wasmDir } from '../../main/engine/vad/runtime';

// What electron-builder.yml builds, what the release workflow's matrix builds, and what the VAD's runtimes exist
// for must agree: an installer for a platform/arch with neither an onnxruntime-node binary nor onnxruntime-web's wasm
// packed would start and then fail to load the VAD.
const root = path.resolve(import.meta.dirname, '../..');
interface FileSet {
  from: string;
  to: string;
  filter?: string[];
}
const builder = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<
  string,
  { target?: { target: string; arch?: string[] }[]; extraResources?: (string | FileSet)[] }
>;
const workflow = yaml.load(readFileSync(path.join(root, '.github/workflows/release.yml'), 'utf8')) as {
  jobs: {
    build: {
      strategy: { matrix: { include: { platform: string; arch: string }[] } };
      steps: { uses?: string; with?: { path?: string } }[];
    };
  };
};

const NODE_PLATFORM: Record<string, string> = { win: 'win32', mac: 'darwin', linux: 'linux' };
const pairsOf = (list: { platform: string; arch: string }[]): string[] =>
  [...new Set(list.map((p) => `${p.platform}/${p.arch}`))].sort();

const builderPairs = pairsOf(
  Object.keys(NODE_PLATFORM).flatMap((platform) =>
    (builder[platform]?.target ?? []).flatMap((t) => (t.arch ?? []).map((arch) => ({ platform, arch }))),
  ),
);

const ortNode = path.join(root, 'node_modules/onnxruntime-node');
const hasNative = (platform: string, arch: string): boolean =>
  existsSync(nativeBindingPath(ortNode, NODE_PLATFORM[platform]!, arch));

/** The wasm files a platform's installer carries (mac.extraResources from onnxruntime-web), with where they go. */
function wasmResources(platform: string): FileSet | undefined {
  return (builder[platform]?.extraResources ?? []).find(
    (r): r is FileSet => typeof r === 'object' && r.from === 'node_modules/onnxruntime-web/dist',
  );
}

describe('release targets', () => {
  it("every platform/arch electron-builder targets runs the VAD: onnxruntime-node's binary or the packed wasm", () => {
    expect(builderPairs.length).toBeGreaterThan(0);
    const missing = builderPairs.filter((pair) => {
      const [platform, arch] = pair.split('/') as [string, string];
      const choice = chooseVadRuntime(undefined, NODE_PLATFORM[platform]!, arch, hasNative(platform, arch));
      if (choice.runtime === 'native') return false;
      // the wasm path: the loader and binary runtime.ts reads must be in the installer, and exist to be copied
      const set = wasmResources(platform);
      const files = set?.filter ?? [];
      return !(
        files.includes('ort-wasm-simd-threaded.mjs') &&
        files.includes('ort-wasm-simd-threaded.wasm') &&
        files.every((f) => existsSync(path.join(root, set!.from, f)))
      );
    });
    expect(missing).toEqual([]);
  });

  it('the wasm fallback lands where runtime.ts looks for it in the packaged app', () => {
    const set = wasmResources('mac');
    expect(set).toBeDefined();
    // Resources/<to>/<files>, laid out as electron-builder copies them (process.resourcesPath is Resources)
    const resources = mkdtempSync(path.join(tmpdir(), 'targets-'));
    try {
      mkdirSync(path.join(resources, set!.to));
      for (const f of set!.filter ?? []) writeFileSync(path.join(resources, set!.to, f), '');
      expect(wasmDir(resources)).toBe(path.join(resources, set!.to));
    } finally {
      rmSync(resources, { recursive: true, force: true });
    }
  });

  it('the wasm fallback is packed only for a platform with an arch that needs it (Intel Macs today)', () => {
    // when onnxruntime-node ships a darwin-x64 binary this fails: drop mac.extraResources (15 MB)
    const needing = builderPairs.filter((pair) => {
      const [platform, arch] = pair.split('/') as [string, string];
      return !hasNative(platform, arch);
    });
    expect(needing).toEqual(['mac/x64']);
    for (const platform of Object.keys(NODE_PLATFORM)) {
      const needs = needing.some((pair) => pair.startsWith(`${platform}/`));
      expect(wasmResources(platform) !== undefined, platform).toBe(needs);
    }
  });

  it("the release workflow's matrix builds exactly electron-builder's platform/arch pairs", () => {
    expect(pairsOf(workflow.jobs.build.strategy.matrix.include)).toEqual(builderPairs);
  });

  it('every installer type electron-builder writes is uploaded for the release', () => {
    const upload = workflow.jobs.build.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
    const globs = (upload?.with?.path ?? '').split('\n').map((l) => l.trim());
    const ext: Record<string, string> = {
      nsis: 'exe',
      dmg: 'dmg',
      zip: 'zip',
      AppImage: 'AppImage',
      deb: 'deb',
    };
    const targets = Object.keys(NODE_PLATFORM).flatMap((p) =>
      (builder[p]?.target ?? []).map((t) => t.target),
    );
    for (const t of targets) expect(globs).toContain(`dist/*.${ext[t] ?? `unknown target ${t}`}`);
    expect(globs).toContain('dist/latest*.yml');
  });
});
