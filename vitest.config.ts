import { defineConfig } from 'vitest/config';

// Build outputs and the vendored llama.cpp tree (which carries its own *.test.ts) are never ours to test.
const notOurs = ['**/node_modules/**', 'out/**', 'native/build/**', 'native/llama.cpp/**'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['{main,preload,common,native,fixtures,bench}/**/*.test.ts'],
          exclude: notOurs,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
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
        test: {
          name: 'e2e',
          environment: 'node',
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
