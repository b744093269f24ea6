import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

// Layering: what code may import is decided by where it lives. Each rule is a regex over the import specifier as
// written (relative or aliased), so it holds whatever depth the importing file sits at.
const rule = (regex, message) => ({ regex, message });

const NODE = rule(
  '^(node:|(fs|path|os|child_process|worker_threads)(/|$))',
  'Pure or web code imports nothing from Node.',
);
const ELECTRON = rule('^electron(/|$)', 'Only main/app and preload talk to Electron.');
const TEST_HELPERS = rule(
  '(\\.test(\\.tsx?)?$|(^|/)(testkit|test-profiles|test-support)(\\.tsx?)?$|(^|/)(fixtures|tests)(/|$)|(^|/)testing(/|$))',
  'Production code must not import test helpers, fixtures or tests.',
);
const MAIN = rule(
  '(^|/)main(/|$)',
  'The renderer reaches main only through window.api (renderer/src/ipc.ts).',
);
const PRELOAD = rule('(^|/)preload(/|$)', 'Only the preload build includes preload code.');
const RENDERER = rule('(^|/)renderer(/|$)', 'Renderer code is for the renderer bundle only.');
// from common/ the only way out of the folder is '..' (or an alias other than @common)
const OUTSIDE_COMMON = rule('^(\\.\\./|@(?!common/))', 'common/ is pure: it imports only from common/.');
// common/ is reached by its alias from everywhere else: the path says what it is, whatever the depth
const RELATIVE_COMMON = rule('^(\\.\\./)+common(/|$)', 'Import shared code as @common/… (the path alias).');
const APP = rule('(^|/)app(/|$)', 'Only the Electron entry (main/app) may import main/app.');
const ENGINE_OUTWARD = rule(
  '(^|/)(app|advisor|library|models)(/|$)|(^|/)cli(\\.ts)?$',
  'The engine is imported by app, advisor, library and CLI, never the other way round (it runs alone in its process).',
);

/** no-restricted-imports misses `import()`: the same rules for dynamic imports, through no-restricted-syntax. */
function restrict(rules, paths = []) {
  return {
    'no-restricted-imports': ['error', { paths, patterns: rules }],
    'no-restricted-syntax': [
      'error',
      // esquery ends a regex at the first '/', so slashes inside are written as \x2F
      ...rules.map((r) => ({
        selector: `ImportExpression > Literal[value=/${r.regex.replaceAll('/', '\\x2F')}/]`,
        message: r.message,
      })),
    ],
  };
}

// Test files and test helpers may import anything: they are what the rules keep production code away from.
const TESTS = [
  '**/*.test.ts',
  '**/*.test.tsx',
  '**/testkit.ts',
  '**/test-profiles.ts',
  '**/test-support.ts',
  'main/library/export/testing/**',
];
const ELECTRON_TYPES_ONLY = [
  { name: 'electron', message: 'Engine-side code runs without Electron.', allowTypeImports: true },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'out',
      'dist',
      'native/build',
      'native/llama.cpp',
      '.cache',
      '.devkit',
      '.gpukit',
      '.train-kit',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // every file outside common/ (tests too); the groups below repeat it, as a later rule replaces an earlier one
    files: ['**/*.{ts,tsx}'],
    ignores: ['common/**'],
    rules: restrict([RELATIVE_COMMON]),
  },
  {
    files: ['common/**/*.ts'],
    ignores: TESTS,
    rules: restrict([NODE, ELECTRON, OUTSIDE_COMMON, TEST_HELPERS]),
  },
  {
    // A sandboxed preload can require only 'electron': Node built-ins would fail at load time in the window.
    files: ['preload/**/*.ts'],
    ignores: TESTS,
    rules: restrict([NODE, MAIN, RENDERER, TEST_HELPERS, RELATIVE_COMMON]),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: TESTS,
    rules: restrict([NODE, ELECTRON, MAIN, PRELOAD, TEST_HELPERS, RELATIVE_COMMON]),
  },
  {
    // The engine runs under plain Node (CLI, tests, utility process): type-only Electron imports.
    files: ['main/engine/**/*.ts'],
    ignores: TESTS,
    rules: restrict([ENGINE_OUTWARD, RENDERER, PRELOAD, TEST_HELPERS, RELATIVE_COMMON], ELECTRON_TYPES_ONLY),
  },
  {
    files: [
      'main/library/**/*.ts',
      'main/models/**/*.ts',
      'main/advisor/**/*.ts',
      'main/fs/**/*.ts',
      'main/recording/**/*.ts',
      'main/cli.ts',
      'main/cli/**/*.ts',
    ],
    ignores: TESTS,
    rules: restrict([APP, RENDERER, PRELOAD, TEST_HELPERS, RELATIVE_COMMON], ELECTRON_TYPES_ONLY),
  },
  {
    files: ['main/app/**/*.ts'],
    ignores: TESTS,
    rules: restrict([RENDERER, TEST_HELPERS, RELATIVE_COMMON]),
  },
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
