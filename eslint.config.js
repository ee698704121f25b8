// Lint, including the layering rules of DESIGN §8: the layers are enforced here, not in review.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'http', 'net', 'url', 'util', 'events', 'stream'], message: 'this layer is pure TypeScript + zod: no Node built-ins' };
const NO_ELECTRON = { group: ['electron', 'electron/*'], message: 'only main/ and preload/ may import electron' };
const MEMORY_KIT_ONLY = { regex: '^\\.\\./\\.\\./(?!contracts/|runtime/|memory-kit/|\\.\\./)', message: 'the memory kit imports only contracts and runtime: it knows no service' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'e2e/output/**', 'playwright-report/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['core/contracts/**/*.ts', 'core/*/common/**/*.ts'],
    ignores: ['**/*.test.ts', 'core/memory-kit/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [NODE_BUILTINS, NO_ELECTRON, { regex: '/node/', message: 'contracts and common/ folders never import node/ code' }, { group: ['react', 'react-dom'], message: 'no UI here' }] }],
    },
  },
  {
    files: ['core/*/node/**/*.ts'],
    ignores: ['core/runtime/**', 'core/memory-kit/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [NO_ELECTRON, { regex: '^\\.\\./\\.\\./(?!runtime/|memory-kit/)[^/]+/node/', message: "a service never imports another service's node/ code: use its contract (common/) and ctx.client()" }, { regex: '^\\.\\./\\.\\./(api|host)/', message: 'services do not depend on the hosts' }] }],
    },
  },
  {
    // the memory tiers' shared kit (decision 0010): beside the kernel, and like it, it knows no service
    files: ['core/memory-kit/common/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [NODE_BUILTINS, NO_ELECTRON, { regex: '/node/', message: 'contracts and common/ folders never import node/ code' }, { group: ['react', 'react-dom'], message: 'no UI here' }, MEMORY_KIT_ONLY] }],
    },
  },
  {
    files: ['core/memory-kit/node/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [NO_ELECTRON, MEMORY_KIT_ONLY] }],
    },
  },
  {
    files: ['core/runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [NO_ELECTRON, { regex: '^\\.\\./\\.\\./(?!contracts/|runtime/)[^/]+/(node|common)/', message: 'the kernel does not know any service (test fixtures live in runtime/node/testing)' }] }],
    },
  },
  {
    files: ['core/api/**/*.ts', 'core/host/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [NO_ELECTRON, { regex: '^\\.\\./(\\.\\./)?(?!runtime/)[^/.]+/node/', message: "hosts and the router reach services through their contracts, never their node/ code" }, { regex: 'main/', message: 'core never imports main/' }] }],
    },
  },
  {
    files: ['main/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { regex: '^\\.\\./core/(?!runtime/)[^/]+/node/', message: "main/ never imports a service's node/ code" },
        { regex: '^\\.\\./core/host/(?!hostBoot\\.js$)', message: 'main/ reaches core/host only through the boot module both hosts share (core/host/hostBoot.ts), never the CLI or the HTTP host' },
      ] }],
    },
  },
  {
    files: ['preload/**/*.ts'],
    rules: {
      // the tRPC bridge and the typed file bridge: app modules only as types (a sandboxed preload bundles none)
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['./*', '../*'], allowTypeImports: true, message: 'the preload is only the tRPC bridge and the typed file bridge: app modules as types only' }] }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [NODE_BUILTINS, NO_ELECTRON, { group: ['../../core/*', '../../../core/*'], allowTypeImports: true, message: "the renderer may only import types from core (the router's AppRouter)" }] }],
    },
  },
);
