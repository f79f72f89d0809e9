import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier/flat';
import tseslint from 'typescript-eslint';

// Apps are wiring only; libs never reach up into apps or sideways into features.
const typeConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:util'] },
  { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:feature', 'type:util'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:feature', 'type:util'] },
];
// Only the gateway mints: token-issuer, auth-service and identity are scope:gateway, and no other
// service may load them (nor anything that does). Shared libs stay below every service.
const servicesThatCannotMint = ['scope:apiserver', 'scope:fileserver', 'scope:events', 'scope:experiments'];
const scopeConstraints = [
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared'] },
  ...servicesThatCannotMint.map((sourceTag) => ({ sourceTag, notDependOnLibsWithTags: ['scope:gateway'] })),
];
const boundaries = (depConstraints) => ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints }];

// Type-aware rules, chosen for a server made of async handlers rather than the whole
// recommendedTypeChecked set: its no-unsafe-* family flags every JSON.parse and every untyped body
// (hundreds of findings that are checked by zod at run time anyway), while these catch real bugs:
// a promise nobody awaits (an unhandled rejection kills the process, or a write lands after the
// answer), an async function where a void callback is expected (Express 5 does catch a rejected
// handler, but event emitters, timers and node:http callbacks do not), awaiting a non-promise,
// casts the compiler already knows, and throwing or rejecting with something that is not an Error
// (no stack, and the error mapper only recognises Error subclasses). require-await is left out:
// its findings here are in-memory implementations of async interfaces (key stores, test fakes),
// where `async` is what turns a throw into the rejection callers expect.
const typeAwareRules = {
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/no-misused-promises': 'error',
  '@typescript-eslint/await-thenable': 'error',
  '@typescript-eslint/no-unnecessary-type-assertion': 'error',
  '@typescript-eslint/only-throw-error': 'error',
  '@typescript-eslint/prefer-promise-reject-errors': 'error',
};

export default [
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/.warden', 'tools/services/ferretdb'] },
  ...tseslint.configs.recommended,
  // Jest configs and the preset are CommonJS by design.
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      ...typeAwareRules,
      '@nx/enforce-module-boundaries': boundaries([...typeConstraints, ...scopeConstraints]),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // Tests and their helpers may start a gateway to get real tokens; the scope rules bind shipped code.
  {
    files: ['**/*.spec.ts', '**/src/testing/**/*.ts', '**/src/fixtures/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(typeConstraints) },
  },
  // Last: turns off every stylistic rule that would fight Prettier, which owns the layout.
  prettier,
];
