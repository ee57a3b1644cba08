// One lint configuration for the whole repository: eslint's and typescript-eslint's recommended rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import layers from './eslint/layers.mjs';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/generated/**', '.brigadeiro/**', 'reports/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'error',
    },
  },
  {
    // Imports go down the layers only (eslint/layers.mjs has the map; README.md's Layout explains it).
    // Known exception, which the rule cannot see because the path is computed at run time:
    //   infra/compose/check.ts require()s services/<name>/src/config to validate the compose file's environment
    //   against each service's own zod schema. Moving it to scripts/ would not help (scripts may not import
    //   services either) and copying the schemas into a package would split each service's configuration in
    //   two; the fix left to do is for each service to check an environment itself (e.g. a `--check-config`
    //   run of its own entry point) so the check spawns the service instead of importing it.
    files: ['{packages,services,infra,scripts,bench}/**/*.{ts,js,mjs,cjs}'],
    plugins: { layers },
    rules: { 'layers/imports': 'error' },
  },
  {
    // Operator tools and benchmarks talk to a person on the terminal.
    files: ['scripts/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
