// One lint configuration for the whole workspace: type-aware typescript-eslint.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/.bench-dist/**',
      '**/dist/**',
      '**/coverage/**',
      '**/node_modules/**',
      '.data/**',
      '.turbo/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@agentq/*/src/*'], message: 'Import packages by name only.' }] },
      ],
      // Configuration is read once, in config.ts / main.ts of each app.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read config in config.ts or main.ts.' },
      ],
    },
  },
  {
    files: [
      '**/config.ts',
      '**/main.ts',
      // A command's entry point is its composition root, as main.ts is an app's.
      'apps/worker/src/move-pool-keys.ts',
      '**/*.spec.ts',
      '**/test/**',
      'scripts/**',
      '**/*.mjs',
      '**/*.js',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/test/**'],
    rules: {
      // Tests read JSON answers as `any` and use jest's any-typed matchers.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
