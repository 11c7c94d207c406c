// Type-aware linting (STYLE.md §10): floating promises, type-only imports, import cycles and
// undeclared dependencies everywhere; the pure packages (asl, domain) may not reach I/O, clocks
// or randomness — the decider gets those injected.
import { readdirSync } from 'node:fs';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const pure = ['packages/asl/src/**/*.ts', 'packages/domain/src/**/*.ts'];
const packages = readdirSync(new URL('./packages', import.meta.url));

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench-results/**', '**/*.mjs', '**/*.js', '**/*.cjs'] },
  {
    files: ['packages/**/*.ts'],
    extends: [tseslint.configs.base],
    plugins: { 'import-x': importX },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    settings: { 'import-x/resolver-next': [importX.createNodeResolver()] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  // Each package imports what its own package.json declares; tests may also use the root's devDependencies.
  ...packages.map((name) => ({
    files: [`packages/${name}/**/*.ts`],
    rules: {
      'import-x/no-extraneous-dependencies': [
        'error',
        { devDependencies: ['**/test/**', '**/testing/**'], packageDir: [`${import.meta.dirname}/packages/${name}`, import.meta.dirname] },
      ],
    },
  })),
  {
    files: pure,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@stepstream/eventstore*', '@stepstream/projections*', '@stepstream/runtime*', '@stepstream/server*', '@stepstream/cli*'], message: 'The pure packages depend on no I/O layer.' },
            { group: ['pg', 'kysely', '@electric-sql/*', '@eventstore/*', 'node:fs*', 'node:http*', 'node:net', 'node:child_process', 'node:os', 'rxjs'], message: 'The pure packages do no I/O.' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'The decider reads time from DecisionEnv.now.' },
        { object: 'Math', property: 'random', message: 'The decider draws randomness from DecisionEnv.random (recorded for replay).' },
      ],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The decider reads time from DecisionEnv.now.' }],
    },
  },
);
