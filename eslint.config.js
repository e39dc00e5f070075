// Lint: typescript-eslint's recommended rules plus the two boundaries Lifeboat lives by:
// the engine (src-main/core) never imports Electron, and the UI (src-renderer) never imports Node or Electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https', 'zlib', 'stream', 'util', 'url', 'worker_threads'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'bench/.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['src-main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'src-main/core is the pure engine: it runs in plain Node and must not import Electron.' }],
        patterns: [{ group: ['electron/*'], message: 'src-main/core must not import Electron.' }],
      }],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'The UI talks to the engine only through the contract.' }, ...nodeBuiltins.map((name) => ({ name, message: 'The UI must not import Node built-ins.' }))],
        patterns: [{ group: ['node:*', 'electron/*'], message: 'The UI must not import Node or Electron.' }],
      }],
    },
  },
);
