import nx from '@nx/eslint-plugin';
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

export default [
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/.warden', 'tools/services/ferretdb'] },
  ...tseslint.configs.recommended,
  // Jest configs and the preset are CommonJS by design.
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': boundaries([...typeConstraints, ...scopeConstraints]),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // Tests and their helpers may start a gateway to get real tokens; the scope rules bind shipped code.
  {
    files: ['**/*.spec.ts', '**/src/testing/**/*.ts', '**/src/fixtures/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(typeConstraints) },
  },
];
