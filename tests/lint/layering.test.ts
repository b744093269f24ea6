/**
 * The layering rules of eslint.config.js, exercised through ESLint's Node API on small in-memory sources placed at
 * real paths: each forbidden import must fail with the layering rule, its allowed counterpart must pass.
 */
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: process.cwd() });
});

const LAYER_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

async function layeringErrors(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\n`, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId && LAYER_RULES.has(m.ruleId)).map((m) => m.message);
}

// "use" keeps the import from being an unused-variable error that would hide nothing but add noise
const importOf = (spec: string) => `import { x } from '${spec}';\nexport const y = x;`;

describe('forbidden imports fail', () => {
  const cases: [string, string, string][] = [
    ['engine → advisor', 'main/engine/host/probe.ts', '../../advisor/runtime-deps'],
    ['engine → app', 'main/engine/job/probe.ts', '../../app/security'],
    ['engine → library', 'main/engine/job/probe.ts', '../../library/export'],
    ['engine → models', 'main/engine/job/probe.ts', '../../models/catalog'],
    ['engine → cli', 'main/engine/host/probe.ts', '../../cli'],
    ['renderer → main', 'renderer/src/features/queue/probe.ts', '../../../../main/advisor/recommend'],
    ['renderer → node', 'renderer/src/probe.ts', 'node:fs'],
    ['renderer → preload', 'renderer/src/probe.ts', '../../preload/api'],
    ['preload → main', 'preload/probe.ts', '../main/app/ipc'],
    ['common → node', 'common/probe.ts', 'node:path'],
    ['common → electron', 'common/probe.ts', 'electron'],
    ['common → main', 'common/probe.ts', '../main/engine/host/protocol'],
    ['advisor → app', 'main/advisor/probe.ts', '../app/settings-store'],
    ['production → test file', 'main/engine/job/probe.ts', './runner.test'],
    ['production → testkit', 'main/engine/scheduler/probe.ts', './testkit'],
    ['production → test-profiles', 'main/advisor/probe.ts', './test-profiles'],
    ['production → test-support', 'renderer/src/probe.ts', './test-support'],
    ['production → fixtures', 'main/engine/audio/probe.ts', '../../../fixtures/audio'],
    ['production → tests/', 'main/app/probe.ts', '../../tests/e2e/harness'],
    ['production → export/testing', 'main/library/export/probe.ts', './testing/subtitle-parsers'],
    ['app → renderer', 'main/app/probe.ts', '../../renderer/src/ipc'],
    ['engine → common by a relative path', 'main/engine/host/probe.ts', '../../../common/errors'],
    ['renderer → common by a relative path', 'renderer/src/probe.ts', '../../common/settings'],
    ['test → common by a relative path', 'main/engine/job/probe.test.ts', '../../../common/audio'],
  ];
  it.each(cases)('%s', async (_name, file, spec) => {
    expect(await layeringErrors(file, importOf(spec))).toHaveLength(1);
  });

  it('catches re-exports and dynamic import() too', async () => {
    expect(
      await layeringErrors('main/engine/host/probe.ts', "export { x } from '../../advisor/recommend';"),
    ).toHaveLength(1);
    const dynamic = "export const load = () => import('../../advisor/runtime-deps');";
    expect(await layeringErrors('main/engine/host/probe.ts', dynamic)).toHaveLength(1);
  });

  it('allows only type imports of electron in the engine', async () => {
    expect(await layeringErrors('main/engine/host/probe.ts', importOf('electron'))).toHaveLength(1);
    const typeOnly = "import type { UtilityProcess } from 'electron';\nexport type P = UtilityProcess;";
    expect(await layeringErrors('main/engine/host/probe.ts', typeOnly)).toEqual([]);
  });
});

describe('allowed imports pass', () => {
  const cases: [string, string, string][] = [
    ['advisor → engine', 'main/advisor/probe.ts', '../engine/runtime/facts'],
    ['engine → engine', 'main/engine/host/probe.ts', '../runtime/facts'],
    ['engine → common by alias', 'main/engine/host/probe.ts', '@common/errors'],
    ['app → advisor', 'main/app/probe.ts', '../advisor/service'],
    ['renderer → common by alias', 'renderer/src/probe.ts', '@common/settings'],
    ['common → common', 'common/probe.ts', './errors'],
    ['common → common by alias', 'common/probe.ts', '@common/errors'],
    ['test file → fixtures', 'main/engine/job/probe.test.ts', '../../../fixtures/audio'],
    ['testkit → fixtures', 'main/engine/scheduler/testkit.ts', '../../../fixtures/audio-long'],
  ];
  it.each(cases)('%s', async (_name, file, spec) => {
    expect(await layeringErrors(file, importOf(spec))).toEqual([]);
  });

  it('main/app may import Electron', async () => {
    expect(await layeringErrors('main/app/probe.ts', importOf('electron'))).toEqual([]);
  });
});
