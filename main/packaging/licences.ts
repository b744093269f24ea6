/**
 * Build-time list of the licences of everything the app ships: the production dependencies as installed in
 * node_modules (followed transitively), Electron itself, and the sources compiled into the native addon. The
 * renderer imports it as a virtual module (`virtual:rotorscribe-licences`, electron.vite.config.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
// type-only: the electron-vite config loads this file without the @common alias
import type { LicenceEntry } from '@common/licences';

/** Whether an SPDX expression includes a GPL-family licence (GPL, LGPL, AGPL). */
export function isGplFamily(licence: string): boolean {
  return /\b(A|L)?GPL\b|\bGPL-|GNU (Lesser |Affero )?General Public/i.test(licence);
}

/** Dependencies installed but not packed (electron-builder.yml `files`), so not shipped. */
export const NOT_SHIPPED = ['@ffmpeg-installer/', '@node-llama-cpp/'];

/** Shipped code that is not an npm package of its own. */
const BUILT_IN: LicenceEntry[] = [
  {
    name: 'llama.cpp + ggml (compiled into the native addon)',
    version: 'node-llama-cpp release bundle',
    licence: 'MIT',
    gpl: false,
    homepage: 'https://github.com/ggml-org/llama.cpp',
  },
];

interface PackageJson {
  name?: string;
  version?: string;
  license?: string | { type?: string };
  licenses?: { type?: string }[];
  homepage?: string;
  repository?: string | { url?: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readJson(path: string): PackageJson {
  return JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
}

/** The licence field in any of the shapes npm packages use. */
export function licenceOf(pkg: PackageJson): string {
  if (typeof pkg.license === 'string' && pkg.license.trim() !== '') return pkg.license.trim();
  if (typeof pkg.license === 'object' && pkg.license?.type) return pkg.license.type;
  const types = (pkg.licenses ?? []).map((l) => l.type).filter((t): t is string => !!t);
  return types.length > 0 ? types.join(' OR ') : 'UNKNOWN';
}

function homepageOf(pkg: PackageJson): string | null {
  if (pkg.homepage) return pkg.homepage;
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  return repo ? repo.replace(/^git\+/, '').replace(/\.git$/, '') : null;
}

/** Node's lookup: `node_modules/<name>` in `from` and each folder above it, up to `root`. */
function resolvePackage(name: string, from: string, root: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (dir === root || dirname(dir) === dir) return null;
    dir = dirname(dir);
  }
}

/**
 * Every shipped package under `root` (a checkout with node_modules installed), sorted by name. Optional packages
 * that are not installed (other platforms' binaries) are not listed.
 */
export function collectLicences(root: string, extraRuntime: string[] = ['electron']): LicenceEntry[] {
  const top = readJson(join(root, 'package.json'));
  const seen = new Map<string, LicenceEntry>();
  const queue: { name: string; from: string }[] = [
    ...Object.keys({ ...top.dependencies, ...top.optionalDependencies }),
    ...extraRuntime,
  ].map((name) => ({ name, from: root }));
  while (queue.length > 0) {
    const { name, from } = queue.shift()!;
    if (NOT_SHIPPED.some((prefix) => name.startsWith(prefix))) continue;
    const path = resolvePackage(name, from, root);
    if (path === null) continue;
    const pkg = readJson(path);
    const key = `${name}@${pkg.version ?? '?'}`;
    if (seen.has(key)) continue;
    const licence = licenceOf(pkg);
    seen.set(key, {
      name,
      version: pkg.version ?? '?',
      licence,
      gpl: isGplFamily(licence),
      homepage: homepageOf(pkg),
    });
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      queue.push({ name: dep, from: dirname(path) });
    }
  }
  return [...seen.values(), ...BUILT_IN].sort(
    (a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version),
  );
}

export const LICENCES_MODULE = 'virtual:rotorscribe-licences';

/** A Vite plugin serving the list as `export default [...]` under {@link LICENCES_MODULE}. */
export function licencesPlugin(root: string): {
  name: string;
  resolveId(id: string): string | undefined;
  load(id: string): string | undefined;
} {
  const resolved = `\0${LICENCES_MODULE}`;
  return {
    name: 'rotorscribe:licences',
    resolveId: (id) => (id === LICENCES_MODULE ? resolved : undefined),
    load: (id) => (id === resolved ? `export default ${JSON.stringify(collectLicences(root))};` : undefined),
  };
}
