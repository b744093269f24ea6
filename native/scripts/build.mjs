#!/usr/bin/env node
// Builds the RotorScribe native addon (and llama.cpp's reference tools) from the llama.cpp release that the
// node-llama-cpp package ships as a git bundle, with our patch series applied on top.
//
// Run by `npm install` (postinstall) and `npm run build:native`. Environment:
//   ROTORSCRIBE_SKIP_NATIVE=1     skip everything (CI jobs that do not need the addon, dependency installs)
//   ROTORSCRIBE_NATIVE_CPU=1      GGML_NATIVE=ON: tune for this CPU (local benches only; never ship such a build)
//   ROTORSCRIBE_NATIVE_TOOLS=0    build only the addon, not llama-mtmd-cli / llama-quantize / llama-bench
//   ROTORSCRIBE_NATIVE_JOBS=N     parallel compile jobs (default: number of CPUs)
//   ROTORSCRIBE_CPU_VARIANTS=all  every CPU variant of the architecture (releases); default: a small set (see below);
//                                 or a comma-separated list of ggml's variant names (x64,sse42,haswell,...)
//   ROTORSCRIBE_GPU=cuda,vulkan   GPU backends, each its own library loaded at run time (metal on macOS)
//   ROTORSCRIBE_CUDA_ARCHS=dev|release|<list>  CUDA architectures: dev (default) = the GPUs of this machine
//                                 ("native"), release = Turing..Blackwell, or a CMake list such as 89;90
//   ROTORSCRIBE_BACKEND_DL=0      one static addon without run-time backends (GGML_BACKEND_DL off)
//   ROTORSCRIBE_NATIVE_BUILD_DIR=path  build tree (default native/build; the addon lands in <dir>/Release)
//   ROTORSCRIBE_CMAKE_ARGS="-DX=Y ..."   extra CMake definitions (see native/README.md)
//   ROTORSCRIBE_WIN_TOOLSET=name  Visual Studio toolset (default: ClangCL on arm64, where ggml's CPU code refuses
//                                 MSVC; the VS default, MSVC, on x64)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LLAMA_COMMIT = 'de3ff815ea7d559ee917f063901b8986f038abc6';
const LLAMA_TAG = 'v0.5.0';

const nativeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rootDir = path.resolve(nativeDir, '..');
const buildDir = process.env.ROTORSCRIBE_NATIVE_BUILD_DIR
  ? path.resolve(rootDir, process.env.ROTORSCRIBE_NATIVE_BUILD_DIR)
  : path.join(nativeDir, 'build');
const srcDir = path.join(buildDir, 'llama.cpp');
const patchDir = path.join(nativeDir, 'patches');
const stampFile = path.join(buildDir, 'llama.cpp.stamp.json');
const configStampFile = path.join(buildDir, 'configure.stamp.json');
const llamaPkgDir = path.join(rootDir, 'node_modules', 'node-llama-cpp', 'llama');

const started = Date.now();
const log = (msg) =>
  console.log(`[native] ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s  ${msg}`);

function fail(msg) {
  console.error(`[native] ERROR: ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, {
    stdio: opts.capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    encoding: 'utf8',
    ...opts,
  });
  if (res.error) fail(`${cmd} could not be started: ${res.error.message}`);
  if (res.status !== 0 && !opts.allowFail) {
    fail(
      `${cmd} ${args.join(' ')} exited with ${res.status}${opts.capture ? `\n${res.stdout}\n${res.stderr}` : ''}`,
    );
  }
  return res;
}

const git = (args, opts = {}) => run('git', ['-C', srcDir, ...args], { capture: true, ...opts });
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const readJson = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
};

function verifyRelease() {
  const bundle = path.join(llamaPkgDir, 'gitRelease.bundle');
  if (!fs.existsSync(bundle))
    fail(`llama.cpp source bundle missing: ${bundle} (is node-llama-cpp installed?)`);
  const info = readJson(path.join(llamaPkgDir, 'llama.cpp.info.json'));
  if (!info || info.tag !== LLAMA_TAG) {
    fail(
      `node-llama-cpp ships llama.cpp ${info?.tag ?? '(unknown)'}, this build and its patches need ${LLAMA_TAG}`,
    );
  }
  const heads = run('git', ['bundle', 'list-heads', bundle], { capture: true }).stdout;
  if (!heads.includes(LLAMA_COMMIT)) {
    fail(`llama.cpp bundle does not contain commit ${LLAMA_COMMIT} (${LLAMA_TAG}); heads:\n${heads}`);
  }
  return bundle;
}

function ensureSource(bundle) {
  if (!fs.existsSync(path.join(srcDir, '.git'))) {
    log(`cloning llama.cpp ${LLAMA_TAG} from the node-llama-cpp bundle`);
    fs.rmSync(srcDir, { recursive: true, force: true });
    fs.mkdirSync(buildDir, { recursive: true });
    run('git', ['clone', '--quiet', '--no-checkout', bundle, srcDir]);
    git(['checkout', '--quiet', '--detach', LLAMA_COMMIT]);
    fs.rmSync(stampFile, { force: true });
  }
  const head = git(['rev-parse', 'HEAD']).stdout.trim();
  if (head !== LLAMA_COMMIT)
    fail(`${srcDir} is at ${head}, expected ${LLAMA_COMMIT}; delete native/build and retry`);
}

function listPatches() {
  if (!fs.existsSync(patchDir)) return [];
  return fs
    .readdirSync(patchDir)
    .filter((f) => f.endsWith('.patch'))
    .sort()
    .map((name) => {
      const file = path.join(patchDir, name);
      const text = fs.readFileSync(file);
      const files = git(['apply', '--numstat', '-z', file])
        .stdout.split('\0')
        .map((l) => l.split('\t').pop())
        .filter(Boolean);
      return { name, sha256: sha256(text), files, file };
    });
}

// Restores only the files that previous or current patches touch, re-applies the series, and puts back the old
// modification time on files whose content came out identical, so that the CMake build recompiles only what changed.
function applyPatches(patches) {
  const stamp = {
    commit: LLAMA_COMMIT,
    patches: patches.map(({ name, sha256: h, files }) => ({ name, sha256: h, files })),
  };
  const previous = readJson(stampFile);
  if (previous && JSON.stringify(previous) === JSON.stringify(stamp)) {
    log(`source up to date (${patches.length} patches applied)`);
    return;
  }
  const touched = new Set(patches.flatMap((p) => p.files));
  if (previous?.patches) for (const p of previous.patches) for (const f of p.files) touched.add(f);
  else {
    // Unknown state (first run after clone, or an interrupted apply): clean tree.
    git(['checkout', '--quiet', '--force', LLAMA_COMMIT, '--', '.']);
    git(['clean', '-fdq']);
  }
  const before = new Map();
  for (const rel of touched) {
    const abs = path.join(srcDir, rel);
    if (fs.existsSync(abs)) before.set(rel, { hash: sha256(fs.readFileSync(abs)), stat: fs.statSync(abs) });
  }
  fs.rmSync(stampFile, { force: true });
  for (const rel of touched) {
    const inTree = git(['cat-file', '-e', `${LLAMA_COMMIT}:${rel}`], { allowFail: true }).status === 0;
    if (inTree) git(['checkout', '--quiet', LLAMA_COMMIT, '--', rel]);
    else fs.rmSync(path.join(srcDir, rel), { force: true });
  }
  for (const p of patches) {
    log(`applying ${p.name}`);
    const res = git(['apply', '--whitespace=nowarn', p.file], { allowFail: true });
    if (res.status !== 0) fail(`patch ${p.name} does not apply to llama.cpp ${LLAMA_TAG}:\n${res.stderr}`);
  }
  let changed = 0;
  for (const rel of touched) {
    const abs = path.join(srcDir, rel);
    const old = before.get(rel);
    if (old && fs.existsSync(abs) && sha256(fs.readFileSync(abs)) === old.hash) {
      fs.utimesSync(abs, old.stat.atime, old.stat.mtime);
    } else changed++;
  }
  log(`${patches.length} patches applied, ${changed} file(s) changed since the last build`);
  fs.writeFileSync(stampFile, JSON.stringify(stamp, null, 2));
}

// The CPU variants a development/CI build compiles: the baseline every CPU of the architecture runs and the one
// most machines of today pick, so a build stays near the time of a single-variant one. Releases build them all.
function defaultCpuVariants() {
  if (process.arch === 'x64') return ['x64', 'haswell'];
  if (process.arch === 'arm64' && process.platform === 'darwin') return ['apple_m1', 'apple_m2_m3'];
  if (process.arch === 'arm64' && process.platform === 'linux') return ['armv8.0_1', 'armv8.2_2'];
  return undefined; // no variant list upstream (e.g. Windows on arm64): one module for ggml's default flags
}

// x86 features (Linux /proc/cpuinfo names) of ggml's variants, for the one the direct-CPU tests link
const X86_VARIANT_FLAGS = {
  x64: [],
  sse42: ['sse4_2'],
  sandybridge: ['sse4_2', 'avx'],
  ivybridge: ['sse4_2', 'avx', 'f16c'],
  piledriver: ['sse4_2', 'avx', 'f16c', 'fma'],
  haswell: ['sse4_2', 'avx', 'f16c', 'fma', 'avx2', 'bmi2'],
  alderlake: ['sse4_2', 'avx', 'f16c', 'fma', 'avx2', 'bmi2', 'avx_vnni'],
  skylakex: [
    'sse4_2',
    'avx',
    'f16c',
    'fma',
    'avx2',
    'bmi2',
    'avx512f',
    'avx512cd',
    'avx512vl',
    'avx512dq',
    'avx512bw',
  ],
};

function cpuVariants() {
  const v = (process.env.ROTORSCRIBE_CPU_VARIANTS ?? '').trim();
  if (process.env.ROTORSCRIBE_NATIVE_CPU === '1') {
    if (v)
      fail('ROTORSCRIBE_NATIVE_CPU=1 builds one CPU module for this machine; drop ROTORSCRIBE_CPU_VARIANTS');
    return undefined;
  }
  if (v === 'all') {
    // upstream has no variant set for Windows on arm64 (ggml stops with "Unsupported ARM target OS"): one module
    // with ggml's default arm64 flags, which every Windows 11 arm64 device runs
    if (process.platform === 'win32' && process.arch === 'arm64') return undefined;
    return [];
  }
  if (v && v !== 'default') return v.split(/[,;\s]+/).filter(Boolean);
  return defaultCpuVariants();
}

// The best built variant this machine runs: the tools that call the CPU backend directly link it (Linux only).
function toolsCpuVariant(variants) {
  if (!variants || process.platform !== 'linux') return '';
  let flags = new Set();
  try {
    const line = fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => /^(flags|Features)\s*:/.test(l));
    flags = new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
  } catch {
    /* unknown CPU: the first variant */
  }
  const built = variants.length ? variants : Object.keys(X86_VARIANT_FLAGS);
  if (process.arch !== 'x64') return built[0];
  const runnable = built.filter((n) => X86_VARIANT_FLAGS[n]?.every((f) => flags.has(f)));
  return runnable.at(-1) ?? built[0];
}

const CUDA_ARCHS = {
  dev: 'native',
  // Turing, Ampere (A100, RTX 30), Ada, Hopper, Blackwell (B200, RTX 50) as machine code, plus PTX of the newest
  // for GPUs after it
  release: '75-real;80-real;86-real;89-real;90-real;100-real;120-real;120-virtual',
};

function gpuDefinitions() {
  const defs = {};
  const gpus = (process.env.ROTORSCRIBE_GPU ?? '')
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((g) => g.toLowerCase());
  for (const g of gpus) {
    if (g === 'cuda') {
      const a = process.env.ROTORSCRIBE_CUDA_ARCHS ?? 'dev';
      defs.GGML_CUDA = 'ON';
      defs.CMAKE_CUDA_ARCHITECTURES = CUDA_ARCHS[a] ?? a;
    } else if (g === 'vulkan') defs.GGML_VULKAN = 'ON';
    else if (g === 'metal') {
      defs.GGML_METAL = 'ON';
      defs.GGML_METAL_EMBED_LIBRARY = 'ON';
    } else fail(`ROTORSCRIBE_GPU: unknown backend ${g} (cuda, vulkan, metal)`);
  }
  // ggml turns Metal on by default on Apple: a build asked for without it gets none
  if (process.platform === 'darwin' && !defs.GGML_METAL) defs.GGML_METAL = 'OFF';
  return defs;
}

function cmakeDefinitions() {
  // ROTORSCRIBE_BACKEND_DL=0: the former layout, everything static in the addon for this build machine's
  // instruction set (no variants, no GPU libraries beside it)
  const dl = process.env.ROTORSCRIBE_BACKEND_DL !== '0';
  const variants = dl ? cpuVariants() : undefined;
  const defs = {
    ROTORSCRIBE_BACKEND_DL: dl ? 'ON' : 'OFF',
    CMAKE_BUILD_TYPE: 'Release',
    GGML_NATIVE: process.env.ROTORSCRIBE_NATIVE_CPU === '1' ? 'ON' : 'OFF',
    ROTORSCRIBE_TOOLS: process.env.ROTORSCRIBE_NATIVE_TOOLS === '0' ? 'OFF' : 'ON',
    ROTORSCRIBE_LLAMA_SOURCE: srcDir,
    GGML_CPU_ALL_VARIANTS: variants ? 'ON' : 'OFF',
    GGML_CPU_VARIANTS: variants ? variants.join(';') : '',
    ROTORSCRIBE_TOOLS_CPU_VARIANT: toolsCpuVariant(variants),
    ...gpuDefinitions(),
  };
  const ccache = spawnSync(process.platform === 'win32' ? 'where' : 'which', ['ccache'], {
    encoding: 'utf8',
  });
  if (ccache.status === 0 && process.env.ROTORSCRIBE_NO_CCACHE !== '1') {
    defs.CMAKE_C_COMPILER_LAUNCHER = 'ccache';
    defs.CMAKE_CXX_COMPILER_LAUNCHER = 'ccache';
  }
  for (const arg of (process.env.ROTORSCRIBE_CMAKE_ARGS ?? '').split(/\s+/).filter(Boolean)) {
    const m = /^-D([^=:]+)(?::[A-Z]+)?=(.*)$/.exec(arg);
    if (!m) fail(`ROTORSCRIBE_CMAKE_ARGS entries must look like -DNAME=VALUE, got ${arg}`);
    defs[m[1]] = m[2];
  }
  return defs;
}

// Windows builds go through cmake-js's Visual Studio generator; ggml-cpu stops on MSVC for arm64 ("use clang"),
// so arm64 uses the VS toolset that drives clang-cl (the "C++ Clang tools" component of Visual Studio)
function windowsToolset() {
  if (process.platform !== 'win32') return '';
  const t = process.env.ROTORSCRIBE_WIN_TOOLSET;
  if (t !== undefined) return t.trim();
  return process.arch === 'arm64' ? 'ClangCL' : '';
}

function configureAndBuild() {
  const defs = cmakeDefinitions();
  const cmakeJs = path.join(rootDir, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
  if (!fs.existsSync(cmakeJs)) fail('cmake-js is not installed (npm install --include=dev)');
  const configStamp = {
    defs,
    ...(windowsToolset() ? { toolset: windowsToolset() } : {}),
    cmakeLists: sha256(fs.readFileSync(path.join(nativeDir, 'CMakeLists.txt'))),
  };
  const cache = path.join(buildDir, 'CMakeCache.txt');
  if (!fs.existsSync(cache) || JSON.stringify(readJson(configStampFile)) !== JSON.stringify(configStamp)) {
    log(
      `configuring (${Object.entries(defs)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')})`,
    );
    const args = [
      cmakeJs,
      'configure',
      '--directory',
      nativeDir,
      '--out',
      buildDir,
      '--config',
      'Release',
      '--log-level',
      'warn',
    ];
    const toolset = windowsToolset();
    if (toolset) args.push('--toolset', toolset);
    for (const [k, v] of Object.entries(defs)) args.push(`--CD${k}=${v}`);
    fs.rmSync(configStampFile, { force: true });
    run(process.execPath, args, { cwd: rootDir });
    fs.writeFileSync(configStampFile, JSON.stringify(configStamp, null, 2));
  } else log('build tree configured already');
  const jobs = Number(process.env.ROTORSCRIBE_NATIVE_JOBS) || os.availableParallelism?.() || os.cpus().length;
  const targets = ['rotorscribe'];
  // the tools and C++ tests: native/CMakeLists.txt's ROTORSCRIBE_TOOL_TARGETS
  if (defs.ROTORSCRIBE_TOOLS === 'ON') targets.push('rotorscribe-tools');
  log(`compiling ${targets.join(', ')} with ${jobs} job(s)`);
  run(
    'cmake',
    ['--build', buildDir, '--config', 'Release', '--parallel', String(jobs), '--target', ...targets],
    { cwd: rootDir },
  );
  const addon = findAddon();
  if (!addon) fail(`build finished but rotorscribe.node was not found under ${buildDir}`);
  const libs = fs
    .readdirSync(path.dirname(addon))
    .filter((f) => /^(lib)?(ggml|llama|mtmd).*\.(so|dylib|dll)$/.test(f));
  log(`done: ${path.relative(rootDir, addon)} + ${libs.length} libraries: ${libs.join(' ')}`);
}

function findAddon() {
  for (const rel of ['Release/rotorscribe.node', 'rotorscribe.node']) {
    const p = path.join(buildDir, rel);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

if (process.env.ROTORSCRIBE_SKIP_NATIVE === '1') {
  log('ROTORSCRIBE_SKIP_NATIVE=1: skipping the native build');
  process.exit(0);
}
const bundle = verifyRelease();
ensureSource(bundle);
applyPatches(listPatches());
configureAndBuild();
log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
