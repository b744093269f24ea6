import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

// What electron-builder.yml builds, what the release workflow's matrix builds, and what the native runtimes we
// depend on exist for must agree: an installer for a platform/arch without an onnxruntime binary would start and
// then fail to load the VAD (the reason there is no Intel Mac build).
const root = path.resolve(import.meta.dirname, '../..');
const builder = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<
  string,
  { target?: { target: string; arch?: string[] }[] }
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

describe('release targets', () => {
  it('every platform/arch electron-builder targets has an onnxruntime-node binary (the VAD runs on it)', () => {
    expect(builderPairs.length).toBeGreaterThan(0);
    const missing = builderPairs.filter((pair) => {
      const [platform, arch] = pair.split('/') as [string, string];
      const bin = `node_modules/onnxruntime-node/bin/napi-v6/${NODE_PLATFORM[platform]}/${arch}/onnxruntime_binding.node`;
      return !existsSync(path.join(root, bin));
    });
    expect(missing).toEqual([]);
  });

  it('onnxruntime-node still has no darwin-x64 binary: the reason the Intel Mac build is left out holds', () => {
    // when a newer onnxruntime-node ships one, this fails: add mac x64 back to electron-builder.yml and the matrix
    expect(
      existsSync(
        path.join(root, 'node_modules/onnxruntime-node/bin/napi-v6/darwin/x64/onnxruntime_binding.node'),
      ),
    ).toBe(false);
    expect(builderPairs).not.toContain('mac/x64');
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
