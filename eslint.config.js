// Lint: typescript-eslint's recommended rules plus the two boundaries Lifeboat lives by:
// the engine (src-main/core) never imports Electron, and the UI (src-renderer) never imports Node or Electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https', 'zlib', 'stream', 'util', 'url', 'worker_threads'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'dist-app/**', 'coverage/**', 'bench/.cache/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Electron lives only in the desktop adapter (src-main/electron); everything else runs in plain Node.
    files: ['src-main/**/*.ts', 'bin/**/*.js', 'scripts/**/*.ts', 'bench/**/*.ts', 'tests/**/*.ts'],
    ignores: ['src-main/electron/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'Only src-main/electron may import Electron: the engine, CLI and agent run in plain Node.' }],
        patterns: [{ group: ['electron/*'], message: 'Only src-main/electron may import Electron.' }],
      }],
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
    files: ['src-renderer/**/*.{ts,tsx}', 'src-shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'The UI talks to the engine only through the contract.' }, ...nodeBuiltins.map((name) => ({ name, message: 'The UI must not import Node built-ins.' }))],
        patterns: [{ group: ['node:*', 'electron/*'], message: 'The UI must not import Node or Electron.' }],
      }],
    },
  },
);
