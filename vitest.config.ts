import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { licencesPlugin } from './main/packaging/licences';

// Build outputs and the vendored llama.cpp tree (which carries its own *.test.ts) are never ours to test.
const notOurs = ['**/node_modules/**', 'out/**', 'native/build/**', 'native/llama.cpp/**'];
// The same alias as tsconfig.base.json's paths and electron.vite.config.ts.
const alias = { '@common': fileURLToPath(new URL('./common', import.meta.url)) };
// Child processes run TypeScript through tsx (engine worker, CLI): wherever their working directory is, they read
// the alias from our tsconfig.
const env = { TSX_TSCONFIG_PATH: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) };

const NODE_TESTS = ['{main,preload,common,native,fixtures,bench}/**/*.test.ts', 'tests/*/**/*.test.ts'];

/**
 * Node tests that load the native addon or node-llama-cpp, start child processes (engine worker, CLI, espeak-ng,
 * sox, mount), run ffmpeg or onnxruntime: the `integration` project. Everything else under NODE_TESTS is `unit` and
 * must stay fast (the whole project runs in under a minute on a 2-core machine). A new slow test either goes in
 * this list or is named `*.int.test.ts`.
 */
const INTEGRATION = [
  '**/*.int.test.ts',
  'bench/kv-decode.test.ts',
  'native/**/*.test.ts',
  'fixtures/audio.test.ts',
  'fixtures/audio-long.test.ts',
  'fixtures/voxtral.test.ts',
  'fixtures/reference/golden.test.ts',
  'main/cli.test.ts',
  'main/app/services.test.ts',
  'main/engine/audio/decode.test.ts',
  'main/engine/checkpoints/store.test.ts',
  'main/engine/host/engine-host.test.ts',
  'main/engine/host/job-method.test.ts',
  'main/engine/host/runtime-methods.test.ts',
  'main/engine/job/runtime-transcriber.test.ts',
  'main/engine/runtime/equivalence.test.ts',
  'main/engine/runtime/hf-reference.test.ts',
  'main/engine/runtime/native.test.ts',
  'main/engine/runtime/voxtral.test.ts',
  'main/engine/vad/silero.test.ts',
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          environment: 'node',
          env,
          include: NODE_TESTS,
          exclude: [...notOurs, ...INTEGRATION, 'tests/e2e/**'],
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        // the build-time licence list the About section imports (main/packaging/licences.ts)
        plugins: [licencesPlugin(fileURLToPath(new URL('.', import.meta.url)))],
        test: {
          name: 'renderer',
          environment: 'jsdom',
          include: ['renderer/**/*.test.{ts,tsx}'],
          exclude: notOurs,
        },
        // Vite 8 transforms TS/JSX with oxc (the esbuild option is gone): React 19's automatic runtime.
        oxc: { jsx: { runtime: 'automatic' } },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          environment: 'node',
          env,
          include: INTEGRATION,
          exclude: [...notOurs, 'tests/e2e/**'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          environment: 'node',
          env,
          include: ['tests/e2e/**/*.test.ts'],
          exclude: notOurs,
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
