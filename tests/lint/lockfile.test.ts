/**
 * `npm ci` refuses a lock file that lacks any dependency package.json implies, optional platform packages of other
 * operating systems included (node-llama-cpp lists one per platform; npm leaves out those it cannot fetch). This is
 * the check npm ci makes, for every optional dependency of every locked package, without a network.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

interface LockedPackage {
  version?: string;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
}

const root = path.resolve(import.meta.dirname, '../..');
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

/** Where npm would look for `name` required by the package at `from` (nested first, then up to the top). */
function resolve(from: string, name: string): LockedPackage | undefined {
  let dir = from;
  for (;;) {
    const hit = lock.packages[`${dir ? `${dir}/` : ''}node_modules/${name}`];
    if (hit) return hit;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut === -1 ? '' : dir.slice(0, cut);
  }
}

describe('package-lock.json', () => {
  it('locks every optional dependency for every platform (npm ci on a clean clone)', () => {
    const missing: string[] = [];
    for (const [at, pkg] of Object.entries(lock.packages)) {
      for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
        if (!resolve(at, name)) missing.push(`${name} (for ${at || 'the project'})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('a platform package without an integrity hash is one this machine never installs (another os/cpu)', () => {
    for (const [at, pkg] of Object.entries(lock.packages)) {
      if (!at.startsWith('node_modules/@node-llama-cpp/') || 'integrity' in pkg) continue;
      const here = pkg.os?.includes(process.platform) && pkg.cpu?.includes(process.arch);
      expect(here, `${at} would be installed here without an integrity hash`).toBeFalsy();
    }
  });
});
