import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGgufHeader, type GgufHeader, type GgufMetaValue } from '../engine/gguf';
import { MODEL_CATALOG, catalogEntry, recommendedEntry } from './catalog';
import { DEFAULT_MODEL_ENDPOINT, appDataDir, modelEndpoint, modelsDirFor } from './endpoint';
import { parseContentRange } from './fetch-part';
import { fileUrl, treeUrl } from './hub';
import { createRateMeter, etaSeconds } from './progress';
import { VOXTRAL_MODEL_READ, checkVoxtralPair } from '../engine/gguf/voxtral-pair';
import { checkComplete } from './validate';

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rs-models-unit-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('catalog', () => {
  it("maps the advisor's weights to an entry, falling back to the next smaller one", () => {
    expect(recommendedEntry('Q8_0')?.id).toBe('voxtral-mini-q8_0');
    expect(recommendedEntry('F16')?.id).toBe('voxtral-mini-f16');
    const noQ5 = MODEL_CATALOG.filter((e) => e.weights !== 'Q5_K_M');
    expect(recommendedEntry('Q5_K_M', noQ5)?.id).toBe('voxtral-mini-q4_k_m');
    expect(recommendedEntry('IQ2_XS')?.id).toBe(MODEL_CATALOG[0]!.id);
    expect(recommendedEntry(undefined, [])).toBeUndefined();
  });

  it('every entry pairs a text model with an mmproj, ids are unique', () => {
    expect(new Set(MODEL_CATALOG.map((e) => e.id)).size).toBe(MODEL_CATALOG.length);
    for (const e of MODEL_CATALOG) {
      expect(e.model.path).toMatch(/\.gguf$/u);
      expect(e.mmproj.path).toMatch(/^mmproj-.*\.gguf$/u);
    }
    expect(() => catalogEntry('nope')).toThrow(expect.objectContaining({ code: 'MODEL_UNKNOWN' }));
  });
});

describe('endpoint and folders', () => {
  it('the environment wins over settings.json, which wins over the default; a bad URL is refused', async () => {
    const settings = path.join(tmp, 'settings.json');
    await writeFile(settings, JSON.stringify({ modelEndpoint: 'https://mirror.example/' }));
    expect(await modelEndpoint({}, settings)).toBe('https://mirror.example');
    expect(await modelEndpoint({ HF_ENDPOINT: 'http://10.0.0.2:8080' }, settings)).toBe(
      'http://10.0.0.2:8080',
    );
    expect(
      await modelEndpoint(
        { ROTORSCRIBE_MODEL_ENDPOINT: 'http://127.0.0.1:9', HF_ENDPOINT: 'http://x' },
        settings,
      ),
    ).toBe('http://127.0.0.1:9');
    expect(await modelEndpoint({}, path.join(tmp, 'missing.json'))).toBe(DEFAULT_MODEL_ENDPOINT);
    await expect(modelEndpoint({ ROTORSCRIBE_MODEL_ENDPOINT: 'ftp://x' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it("the CLI finds the app's user data folder as Electron names it", () => {
    expect(appDataDir({}, 'linux', '/home/a')).toBe('/home/a/.config/RotorScribe');
    expect(appDataDir({ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/a')).toBe('/x/RotorScribe');
    expect(appDataDir({}, 'darwin', '/Users/a')).toBe('/Users/a/Library/Application Support/RotorScribe');
    expect(appDataDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32', 'C:\\Users\\a')).toContain(
      'RotorScribe',
    );
    expect(modelsDirFor('/d', {})).toBe('/d/models');
    expect(modelsDirFor('/d', { ROTORSCRIBE_MODELS_DIR: '/m' })).toBe('/m');
  });

  it('Hub URLs encode each path segment', () => {
    expect(fileUrl('http://h', 'o/r', 'main', 'sub dir/a#b.gguf')).toBe(
      'http://h/o/r/resolve/main/sub%20dir/a%23b.gguf',
    );
    expect(treeUrl('http://h', 'o/r', 'main', '.')).toBe('http://h/api/models/o/r/tree/main');
    expect(treeUrl('http://h', 'o/r', 'v1', 'q/x')).toBe('http://h/api/models/o/r/tree/v1/q/x');
  });
});

describe('Range and progress arithmetic', () => {
  it('reads Content-Range', () => {
    expect(parseContentRange('bytes 100-199/1000')).toEqual({ start: 100, total: 1000 });
    expect(parseContentRange('bytes 5-9/*')?.start).toBe(5);
    expect(parseContentRange('items 1-2/3')).toBeNull();
    expect(parseContentRange(undefined)).toBeNull();
  });

  it('speed over a sliding window, ETA from it', () => {
    const m = createRateMeter(5000, 500);
    m.add(0, 0);
    m.add(200, 1_000_000);
    expect(m.bytesPerSec()).toBeNull(); // too short a span to say
    m.add(1000, 5_000_000);
    expect(m.bytesPerSec()).toBe(5_000_000);
    // then a steady 1 MB/s: the early burst leaves the window
    for (let t = 2000; t <= 9000; t += 1000) m.add(t, 5_000_000 + (t - 1000) * 1000);
    expect(m.bytesPerSec()).toBe(1_000_000);
    expect(etaSeconds(10_000_000, 2_000_000)).toBe(5);
    expect(etaSeconds(10, null)).toBeNull();
    expect(etaSeconds(0, null)).toBe(0);
  });
});

function header(metadata: Record<string, GgufMetaValue>, extra: Partial<GgufHeader> = {}): GgufHeader {
  return {
    path: '/m/x.gguf',
    version: 3,
    metadata: new Map(Object.entries(metadata)),
    types: new Map(),
    arrayTypes: new Map(),
    arrayLengths: new Map(),
    tensors: [],
    alignment: 32,
    dataOffset: 1024,
    fileSize: 1024,
    ...extra,
  };
}

describe('GGUF pair checks', () => {
  const trained = path.join(__dirname, '..', '..', 'fixtures', 'trained');
  /** The trained fixture's headers with some metadata replaced (the tensors stay as they are). */
  const pair = async (): Promise<{ model: GgufHeader; mmproj: GgufHeader }> => ({
    model: await readGgufHeader(path.join(trained, 'voxtral-small-q8_0.gguf'), VOXTRAL_MODEL_READ),
    mmproj: await readGgufHeader(path.join(trained, 'voxtral-small-mmproj-q8_0.gguf')),
  });
  const withMeta = (h: GgufHeader, changes: Record<string, GgufMetaValue>): GgufHeader => ({
    ...h,
    metadata: new Map([...h.metadata, ...Object.entries(changes)]),
  });

  it('accepts a Voxtral pair and names what is wrong otherwise', async () => {
    const { model, mmproj } = await pair();
    expect(() => checkVoxtralPair(model, mmproj)).not.toThrow();
    expect(() => checkVoxtralPair(withMeta(model, { 'general.architecture': 'qwen2' }), mmproj)).toThrow(
      expect.objectContaining({ code: 'MODEL_WRONG_ARCH' }),
    );
    expect(() => checkVoxtralPair(model, model)).toThrow(
      expect.objectContaining({ code: 'MODEL_MMPROJ_MISMATCH' }),
    );
    const whisper = withMeta(mmproj, { 'clip.projector_type': 'ultravox' });
    expect(() => checkVoxtralPair(model, whisper)).toThrow(/projector 'ultravox'/u);
    const narrow = withMeta(mmproj, { 'clip.audio.projection_dim': 2048 });
    expect(() => checkVoxtralPair(model, narrow)).toThrow(/2048 dimensions but the model has 384/u);
  });

  it('reads the projector type the way llama.cpp does: the shared key before the audio one', async () => {
    const { model, mmproj } = await pair();
    const both = withMeta(mmproj, {
      'clip.audio.projector_type': 'voxtral',
      'clip.projector_type': 'ultravox',
    });
    expect(() => checkVoxtralPair(model, both)).toThrow(/projector 'ultravox'/u);
    const audioOnly = new Map(mmproj.metadata);
    audioOnly.delete('clip.projector_type');
    audioOnly.set('clip.audio.projector_type', 'voxtral');
    expect(() => checkVoxtralPair(model, { ...mmproj, metadata: audioOnly })).not.toThrow();
  });

  it('a file shorter than its tensors is MODEL_TRUNCATED', () => {
    const tensors = [{ name: 't', shape: [256, 4], type: 0, offset: 0 }]; // 4 KiB of F32
    expect(() => checkComplete(header({}, { tensors, fileSize: 1024 + 4096 }))).not.toThrow();
    expect(() => checkComplete(header({}, { tensors, fileSize: 1024 + 4095 }))).toThrow(
      expect.objectContaining({ code: 'MODEL_TRUNCATED' }),
    );
  });
});
