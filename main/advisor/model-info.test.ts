import { copyFile, mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticVoxtral, type VoxtralFixture } from '../../fixtures/voxtral';
import { describeModel, type GgufHeaderLike } from './memory-model';
import { readModelDescription } from './model-info';

let dir: string;
let fx: VoxtralFixture;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'model-info-'));
  fx = await writeSyntheticVoxtral({ dir, size: 'tiny' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** node-llama-cpp's reader, which the advisor used before: an independent parser to compare with. */
async function independent(path: string): Promise<GgufHeaderLike> {
  const info = await readGgufFileInfo(path, { logWarnings: false });
  return { metadata: info.metadata, tensorInfo: info.fullTensorInfo ?? info.tensorInfo };
}

describe('readModelDescription (the engine GGUF reader)', () => {
  it('describes the model exactly as node-llama-cpp’s reader does: dimensions, bytes by layer and by type', async () => {
    const ours = await readModelDescription('tiny', fx.modelPath, fx.mmprojPath);
    const theirs = describeModel('tiny', await independent(fx.modelPath), await independent(fx.mmprojPath));
    expect(ours).toEqual(theirs);
    expect(ours.weightBytes).toBeGreaterThan(0);
    expect(ours.layerBytes).toHaveLength(fx.meta.text.nLayer);
    expect(Object.keys(ours.matmulBytesByType.layers[0]!).length).toBeGreaterThan(0);
  });

  it('a truncated model is MODEL_TRUNCATED naming the file, not a parser crash', async () => {
    const cut = join(dir, 'cut.gguf');
    await copyFile(fx.modelPath, cut);
    await truncate(cut, 300);
    await expect(readModelDescription('tiny', cut, fx.mmprojPath)).rejects.toMatchObject({
      code: 'MODEL_TRUNCATED',
      message: expect.stringContaining(cut),
    });
  });
});
