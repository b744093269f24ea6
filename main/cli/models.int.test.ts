/**
 * `rotorscribe models …` in process (main() with a fake terminal) against the Hub-style test server on 127.0.0.1:
 * list, pull with JSON lines and with the progress bar, a missing file, import (either order, a truncated file), rm.
 */
import { copyFile, mkdtemp, rm, stat, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticVoxtral } from '../../fixtures/voxtral';
import { main, type CliIo } from '../cli';
import { catalogEntry } from '../models/catalog';
import { startHubServer, type HubServer } from '../models/testkit';
import { downloadProgressLine } from './models';

const ENTRY = catalogEntry('voxtral-mini-q4_k_m');
let root = '';
let server: HubServer;
let fixture = { modelPath: '', mmprojPath: '' };

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rs-cli-models-'));
  fixture = await writeSyntheticVoxtral({ dir: path.join(root, 'fixture'), size: 'tiny', seed: 5 });
  server = await startHubServer({
    repos: {
      [ENTRY.repo]: {
        [ENTRY.model.path]: { source: fixture.modelPath },
        [ENTRY.mmproj.path]: { source: fixture.mmprojPath },
      },
    },
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

function io(dataDir: string, tty = false): CliIo & { out: string; err: string } {
  const t = {
    out: '',
    err: '',
    stdout: { write: (s: string) => (t.out += s) },
    stderr: { write: (s: string) => (t.err += s), isTTY: tty, columns: 80 },
    env: { XDG_CONFIG_HOME: dataDir, ROTORSCRIBE_MODEL_ENDPOINT: server.endpoint },
    cwd: root,
  };
  return t;
}

const lines = (out: string): Record<string, unknown>[] =>
  out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('rotorscribe models', () => {
  it('pull --json: progress lines then done; list shows it downloaded; rm deletes it', async () => {
    const data = path.join(root, 'data-1');
    const t = io(data);
    expect(await main(['models', 'pull', ENTRY.id, '--json'], t)).toBe(0);
    const events = lines(t.out);
    const done = events.at(-1)!;
    expect(done).toMatchObject({ type: 'done', id: ENTRY.id });
    expect(String(done.modelPath)).toBe(
      path.join(data, 'RotorScribe', 'models', 'ggml-org', ENTRY.model.path),
    );
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.map((e) => e.state)).toEqual(
      expect.arrayContaining(['resolving', 'downloading', 'done']),
    );
    expect(progress.at(-1)).toMatchObject({ bytesDone: done.bytes, bytesTotal: done.bytes });
    expect((await stat(String(done.modelPath))).size).toBe(server.sizeOf(ENTRY.model.path));

    const l = io(data);
    expect(await main(['models', 'list', '--json'], l)).toBe(0);
    const listed = lines(l.out);
    expect(listed.filter((e) => e.installed).map((e) => e.id)).toEqual([ENTRY.id]);
    expect(listed.map((e) => e.id)).toContain('voxtral-mini-f16');

    const r = io(data);
    expect(await main(['models', 'rm', ENTRY.id], r)).toBe(0);
    await expect(stat(String(done.modelPath))).rejects.toThrow();
    const again = io(data);
    expect(await main(['models', 'rm', ENTRY.id, '--json'], again)).toBe(1);
    expect(lines(again.out)[0]).toMatchObject({ type: 'error', code: 'MODEL_NOT_FOUND' });
  });

  it('pull on a terminal draws one progress bar and prints the transcribe flags', async () => {
    const t = io(path.join(root, 'data-2'), true);
    expect(await main(['models', 'pull', ENTRY.id], t)).toBe(0);
    // each redraw clears the line (carriage return + ESC [K), the last one full
    const redraws = t.err.split('\r\u001b[K').filter(Boolean);
    expect(redraws.length).toBeGreaterThan(1);
    expect(redraws.at(-1)).toMatch(/^Q4_K_M \[#+\] 100% 6\.\d+ MB\/6\.\d+ MB/u);
    expect(t.out).toMatch(/SHA-256 verified/u);
    expect(t.out).toMatch(/rotorscribe transcribe FILE --model .+Q4_K_M\.gguf --mmproj .+mmproj-.+\.gguf/u);
  });

  it('a model the server does not have: DOWNLOAD_NOT_FOUND, exit 1', async () => {
    const t = io(path.join(root, 'data-3'));
    expect(await main(['models', 'pull', 'voxtral-mini-q8_0', '--json'], t)).toBe(1);
    expect(lines(t.out).at(-1)).toMatchObject({ type: 'error', code: 'DOWNLOAD_NOT_FOUND' });
    const u = io(path.join(root, 'data-3'));
    expect(await main(['models', 'pull', 'no-such-model'], u)).toBe(1);
    expect(u.err).toMatch(/error MODEL_UNKNOWN/u);
  });

  it('import checks the pair in either order and refuses a truncated model', async () => {
    const t = io(path.join(root, 'data-4'));
    expect(await main(['models', 'import', fixture.mmprojPath, fixture.modelPath, '--json'], t)).toBe(0);
    expect(lines(t.out)[0]).toMatchObject({
      type: 'imported',
      modelPath: fixture.modelPath,
      mmprojPath: fixture.mmprojPath,
    });
    const cut = path.join(root, 'cut.gguf');
    await copyFile(fixture.modelPath, cut);
    await truncate(cut, Math.floor(server.sizeOf(ENTRY.model.path) * 0.6));
    const bad = io(path.join(root, 'data-4'));
    expect(await main(['models', 'import', cut, fixture.mmprojPath], bad)).toBe(1);
    expect(bad.err).toMatch(/error MODEL_TRUNCATED/u);
    const swapped = io(path.join(root, 'data-4'));
    expect(await main(['models', 'import', fixture.modelPath, fixture.modelPath], swapped)).toBe(1);
    expect(swapped.err).toMatch(/error MODEL_MMPROJ_MISMATCH/u);
  });

  it('usage errors exit 2', async () => {
    const t = io(path.join(root, 'data-5'));
    expect(await main(['models'], t)).toBe(2);
    expect(await main(['models', 'pull'], t)).toBe(2);
    expect(await main(['models', 'frobnicate'], t)).toBe(2);
    expect(t.err).toMatch(/Unknown models command 'frobnicate'/u);
  });

  it('draws the download bar in 80 columns', () => {
    const bar = downloadProgressLine('Q4_K_M', {
      id: 'x',
      state: 'downloading',
      bytesDone: 1_280_000_000,
      bytesTotal: 3_200_000_000,
      bytesPerSec: 12_500_000,
      etaSec: 154,
    });
    expect(bar).toMatch(/^Q4_K_M \[#+-+\] {2}40% 1\.28 GB\/3\.20 GB 12\.5 MB\/s ETA 2:34$/u);
    // one column short of the terminal, so it never wraps
    expect(bar.length).toBe(79);
  });
});
