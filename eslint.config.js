// Lint: ESLint's and typescript-eslint's recommended rules, the size limits, and the import
// direction of the layers and the packages (scripts/eslint-layers.js). Formatting is Prettier's (.prettierrc.json).
import js from '@eslint/js'
import {defineConfig} from 'eslint/config'
import tseslint from 'typescript-eslint'

import layers from './scripts/eslint-layers.js'
import snapshot from './scripts/eslint-snapshot.js'

export default defineConfig(
  {ignores: ['**/dist/', 'coverage/', 'node_modules/']},
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // The project's line width, which Prettier (printWidth 120) does not enforce: it leaves string
    // literals and comments as they are. A long string is split into a concatenation instead.
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    rules: {'max-len': ['error', {code: 120, ignoreUrls: true}]},
  },
  {
    files: ['**/*.ts'],
    plugins: {layers},
    rules: {
      'layers/import-direction': 'error',
      'layers/no-cycle': 'error',
      'max-lines': ['error', {max: 350}],
      'max-lines-per-function': ['error', {max: 80, skipBlankLines: true, skipComments: true, IIFEs: true}],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_'},
      ],
    },
  },
  {
    // What the start-up snapshot (packages/launcher) holds: the CLI's code (the lab is a plugin of its own;
    // the launcher's snapshot entry runs at build time by design). Its rules as lint (scripts/eslint-snapshot.js;
    // docs/architecture.md, "Start-up").
    files: ['packages/cli/src/**/*.ts', 'packages/cli/commands/**/*.ts'],
    plugins: {snapshot},
    rules: {
      'snapshot/no-load-time-reads': 'error',
      'snapshot/lazy-import-only': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:http', 'node:https', 'node:tls', 'http', 'https', 'tls'].map((name) => ({
            name,
            allowTypeImports: true,
            message: 'the start-up snapshot cannot hold it: use httpLib(), httpsLib() or tlsLib() of k8s/net.ts',
          })),
        },
      ],
    },
  },
  {
    // A test file is a list of cases (its describe() blocks are long by nature); its fakes may be
    // loosely typed, and it strips ANSI codes with control characters.
    files: ['packages/*/test/**/*.ts'],
    rules: {
      'max-lines-per-function': 'off',
      'max-lines': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      'no-control-regex': 'off',
    },
  },
  // Terminal escape sequences are what this pattern strips from liqoctl's output.
  {files: ['packages/lab/src/v1/liqoctl.ts'], rules: {'no-control-regex': 'off'}},
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {globals: {process: 'readonly', console: 'readonly', URL: 'readonly'}},
  },
)
