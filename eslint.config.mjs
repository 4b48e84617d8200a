// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Files that must stay deterministic: the pool controller orchestration replays its history on
 * every wake-up, and the policy/controller modules it calls are pure decisions over plain data.
 * None of them may read clocks, randomness, the environment, the network or the Azure SDKs.
 */
const deterministicFiles = [
  'functions/poolController.ts',
  'shared/policy/**/*.ts',
  'shared/controller/**/*.ts',
];

const forbiddenModules = [
  '@azure/arm-*',
  '@azure/identity',
  '@azure/service-bus',
  '@azure/core-*',
  'fs',
  'node:*',
  'http',
  'https',
  'net',
  'child_process',
  'crypto',
  'os',
  'axios',
  '**/azure/**',
  '**/runtime',
];

/**
 * The embedded runtime (local/) is never deployed: the app (shared/, functions/) must not depend
 * on it, not even for types, or the package would break in Azure or drag the emulator along.
 */
const localImports = {
  group: ['**/local', '**/local/**'],
  message:
    'local/ is the embedded runtime and is never deployed: shared/ and functions/ must not import it.',
};

/**
 * Function length, in lines (blank lines and comments included): a function that grows past
 * this is two functions. The embedded runtime gets more room for its protocol plumbing.
 */
const MAX_FUNCTION_LINES = { app: 80, local: 120 };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.state/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['shared/**/*.ts', 'functions/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [localImports] }],
      'max-lines-per-function': ['error', { max: MAX_FUNCTION_LINES.app, IIFEs: true }],
    },
  },
  {
    files: ['local/**/*.ts', 'local/**/*.mjs'],
    rules: {
      'max-lines-per-function': ['error', { max: MAX_FUNCTION_LINES.local, IIFEs: true }],
    },
  },
  {
    files: deterministicFiles,
    rules: {
      // Repeats the local/ ban: a later config's options replace an earlier one's for a rule.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            localImports,
            {
              group: forbiddenModules,
              // Types carry no behaviour: the plain-data contracts of the ports may be named.
              allowTypeImports: true,
              message:
                'Orchestration and policy code must be deterministic: no I/O, clocks or SDKs. Call an activity instead.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'No I/O in orchestration or policy code.' },
        { name: 'setTimeout', message: 'Use context.df.createTimer in orchestrations.' },
        { name: 'setInterval', message: 'Use context.df.createTimer in orchestrations.' },
        {
          name: 'process',
          message: 'Configuration reaches orchestrations through activities, not the environment.',
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'Time comes from context.df.currentUtcDateTime (or `now` passed in).',
        },
        {
          object: 'Math',
          property: 'random',
          message: 'No randomness in orchestration or policy code.',
        },
        {
          object: 'crypto',
          property: 'randomUUID',
          message: 'Use context.df.newGuid in orchestrations.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message:
            'new Date() reads the clock; pass `now` in or use context.df.currentUtcDateTime.',
        },
      ],
    },
  },
);
