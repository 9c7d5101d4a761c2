// The one lint configuration (npm run lint / npm run format). Layout and spacing are
// Prettier's (.prettierrc.json); these rules look for bugs, with the TypeScript type checker
// where it sees what the syntax alone cannot (a promise nobody awaits, a `+` on an object).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['out/', 'dist/', 'coverage/', '.vite/', 'tests/e2e/artifacts/', 'tests/fixtures/bad/'] },

  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  vue.configs['flat/recommended'],

  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
      parserOptions: {
        // each file is checked with the tsconfig that owns it (src-renderer/tsconfig.json for the window)
        projectService: { allowDefaultProject: ['vitest.e2e.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.vue'],
      },
    },
  },

  // the window and the WebGPU compute page run in a browser, not in Node
  { files: ['src-renderer/**', 'src-compute/**'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['**/*.vue'], languageOptions: { parserOptions: { parser: tseslint.parser } } },

  // Type-aware rules for the shipped sources only. Plain JavaScript (bin, scripts, the e2e page
  // script) is in no tsconfig; for tests and bench the type checker would cost about 20 s of
  // the run's ~80 s, for rules that there mostly report `any` read from JSON and chart options.
  { files: ['**/*.js', '**/*.mjs', 'tests/**', 'bench/**'], extends: [tseslint.configs.disableTypeChecked] },
  { files: ['tests/e2e/page-api.js'], languageOptions: { sourceType: 'script', globals: { ...globals.browser } } },

  {
    rules: {
      // `_name` says "unused on purpose" (a parameter kept for a signature), as in the code today
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      // an async method that does not await is how a synchronous body fulfils a Promise-returning
      // interface (LabApi, Host, the fakes of the tests): not a bug
      '@typescript-eslint/require-await': 'off',
    },
  },

  // The no-unsafe-* rules follow `any` as it flows; off in .vue files only, where they report a
  // blind spot, not a bug: typescript-eslint types a file with plain TypeScript, which cannot see
  // a type exported by another .vue file (EChart.vue's ChartSize), so every use of it is "unsafe".
  {
    files: ['**/*.vue'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['tests/**'],
    rules: {
      // the fuzz tests look for control characters in messages on purpose
      'no-control-regex': 'off',
    },
  },

  // last: turn off every rule that Prettier's layout would fight
  prettier,
);
