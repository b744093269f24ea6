/**
 * The fuzz corpus: short real files of every container/codec family the app claims, made with the system ffmpeg
 * (as the decode tests do), and the GGUF headers of the synthetic Voxtral pair (fixtures/voxtral.ts).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FIXTURE_FFMPEG } from '../../fixtures/audio-long';
import { writeSyntheticVoxtral } from '../../fixtures/voxtral';
import { readGgufHeader } from '../../main/engine/gguf';

const run = promisify(execFile);

export type SeedKind = 'wav' | 'mp3' | 'm4a' | 'opus' | 'flac' | 'mp4' | 'gguf';

export interface CorpusSeed {
  kind: SeedKind;
  name: string;
  bytes: Uint8Array;
  /** Length of the header region most mutations aim at. */
  focus: number;
  /** GGUF: the whole file's size (only the header is mutated; the tensor data is kept as a sparse tail). */
  fileSize?: number;
}

// 2 s of a chirp with noise: decoders see real, varying frames, not digital silence
const SOURCE = ['-f', 'lavfi', '-i', 'aevalsrc=0.4*sin(2*PI*(200+300*t)*t)+0.05*(random(0)-0.5):d=2:s=48000'];
const VIDEO = ['-f', 'lavfi', '-i', 'testsrc=size=32x32:rate=5:duration=2'];

const MEDIA: { kind: Exclude<SeedKind, 'gguf'>; file: string; args: string[] }[] = [
  { kind: 'wav', file: 'seed.wav', args: [...SOURCE, '-ar', '8000', '-c:a', 'pcm_s16le'] },
  {
    kind: 'mp3',
    file: 'seed.mp3',
    args: [...SOURCE, '-ar', '44100', '-ac', '2', '-c:a', 'libmp3lame', '-b:a', '64k'],
  },
  { kind: 'm4a', file: 'seed.m4a', args: [...SOURCE, '-ac', '2', '-c:a', 'aac', '-b:a', '64k'] },
  { kind: 'opus', file: 'seed.opus', args: [...SOURCE, '-c:a', 'libopus', '-b:a', '24k'] },
  { kind: 'flac', file: 'seed.flac', args: [...SOURCE, '-ar', '22050', '-c:a', 'flac'] },
  {
    kind: 'mp4',
    file: 'seed.mp4',
    args: [...SOURCE, ...VIDEO, '-map', '1:v', '-map', '0:a', '-c:v', 'libx264', '-pix_fmt', 'yuv420p'],
  },
];

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Builds (or reuses) the corpus in `dir`. */
export async function buildCorpus(dir: string): Promise<CorpusSeed[]> {
  await mkdir(dir, { recursive: true });
  const seeds: CorpusSeed[] = [];
  for (const m of MEDIA) {
    const path = join(dir, m.file);
    if (!(await exists(path))) {
      await run(FIXTURE_FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...m.args, path]);
    }
    seeds.push({ kind: m.kind, name: m.file, bytes: new Uint8Array(await readFile(path)), focus: 4096 });
  }
  const pair = await writeSyntheticVoxtral({
    dir: join(dir, 'gguf'),
    size: 'tiny',
    reuse: true,
    name: 'fuzz',
  });
  for (const path of [pair.modelPath, pair.mmprojPath]) {
    const header = await readGgufHeader(path);
    const bytes = new Uint8Array(await readFile(path)).subarray(0, header.dataOffset);
    seeds.push({ kind: 'gguf', name: path, bytes, focus: header.dataOffset, fileSize: header.fileSize });
  }
  return seeds;
}
