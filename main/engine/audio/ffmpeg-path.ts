import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { RotorError } from '@common/errors';
import { toAsarUnpacked } from './unpacked-path';

const requireFromHere = createRequire(import.meta.url);

/** Where the ffmpeg binary of `@ffmpeg-installer/<platform>-<arch>` may live, most likely first. */
export function ffmpegCandidates(
  platform: string = process.platform,
  arch: string = process.arch,
  resolve: (id: string) => string = (id) => requireFromHere.resolve(id),
): string[] {
  const binary = platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg';
  const platformPkg = `@ffmpeg-installer/${platform}-${arch}`;
  const found: string[] = [];
  const tryResolve = (id: string, toBinary: (pkgDir: string) => string[]): void => {
    try {
      found.push(...toBinary(dirname(resolve(id))));
    } catch {
      // not installed under this layout: the next candidate decides
    }
  };
  tryResolve(`${platformPkg}/package.json`, (dir) => [join(dir, binary)]);
  // npm 2 nested layout, or a hoisting quirk: look relative to the umbrella package.
  tryResolve('@ffmpeg-installer/ffmpeg/package.json', (dir) => [
    join(dir, '..', `${platform}-${arch}`, binary),
    join(dir, 'node_modules', platformPkg, binary),
  ]);
  return [...new Set(found.map(toAsarUnpacked))];
}

let cached: string | undefined;

/**
 * Absolute path of the ffmpeg program shipped in npm (never a system ffmpeg, whose codecs and licence we do not
 * control). `ROTORSCRIBE_FFMPEG` overrides it, for packagers and for debugging.
 */
export function resolveFfmpegPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.ROTORSCRIBE_FFMPEG;
  if (override) {
    if (!existsSync(override)) {
      throw new RotorError('INTERNAL', `ROTORSCRIBE_FFMPEG points to a missing file: ${override}`);
    }
    return override;
  }
  if (cached !== undefined) return cached;
  const candidates = ffmpegCandidates();
  const hit = candidates.find((p) => existsSync(p));
  if (hit === undefined) {
    throw new RotorError('INTERNAL', 'The ffmpeg program that ships with RotorScribe is missing.', {
      hint: 'Reinstall RotorScribe.',
      detail: `looked for: ${candidates.join(', ') || `@ffmpeg-installer/${process.platform}-${process.arch}`}`,
    });
  }
  cached = hit;
  return hit;
}
