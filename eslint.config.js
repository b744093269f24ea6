import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

// Layering: what code may import is decided by where it lives.
const nodeOrElectron = [
  {
    group: ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads'],
    message: 'Pure or web code imports nothing from Node.',
  },
  { group: ['electron'], message: 'Only main/app and preload talk to Electron.' },
];

export default tseslint.config(
  { ignores: ['node_modules', 'out', 'dist', 'native/build', 'native/llama.cpp', '.cache', '.devkit'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['common/**/*.ts'],
    ignores: ['common/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: nodeOrElectron }] },
  },
  {
    // A sandboxed preload can require only 'electron': Node built-ins would fail at load time in the window.
    files: ['preload/**/*.ts'],
    ignores: ['preload/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [nodeOrElectron[0]] }] },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: nodeOrElectron }],
    },
  },
  {
    // Engine, library, models and advisor run under plain Node (CLI, tests, utility process): type-only Electron imports.
    files: [
      'main/engine/**/*.ts',
      'main/library/**/*.ts',
      'main/models/**/*.ts',
      'main/advisor/**/*.ts',
      'main/cli.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'Engine-side code runs without Electron.', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
