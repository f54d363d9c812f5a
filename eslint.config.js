import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, bottom up: each folder may import its own files and the folders of src/ it
 * lists, nothing else of src/. One dependency direction keeps a change in the edge from reaching the
 * upstream code, and keeps auth/ and upstream/ from importing each other. Specifiers are matched as
 * written (`../x/…`), which assumes src/ is one folder deep: a deeper file's `../../` imports are
 * refused, so a new subfolder fails closed rather than slipping past.
 */
const LAYERS = [
  ['kernel', [], 'the shared kernel (errors, clock, logger, observer, token source) imports nothing else of src/'],
  ['domain', ['kernel'], 'the domain types build only on the kernel'],
  ['resilience', ['kernel', 'domain'], 'resilience sits below auth/ and upstream/, so it imports neither'],
  ['auth', ['kernel', 'domain', 'resilience'], 'auth/ and upstream/ are peers: neither imports the other, nor the edge'],
  ['upstream', ['kernel', 'domain', 'resilience'], 'auth/ and upstream/ are peers: neither imports the other, nor the edge; tokens come through kernel/token-source'],
  ['cache', ['kernel', 'domain', 'resilience'], 'the cache knows nothing of the edge, the fetch or the budget'],
  ['budget', ['kernel', 'domain', 'cache'], 'the budget knows nothing of the edge or the upstream'],
  ['loading', ['kernel', 'domain', 'resilience', 'upstream', 'cache', 'budget'], 'loading knows nothing of the GraphQL edge; tokens come through kernel/token-source'],
  ['ops', ['kernel', 'domain'], 'ops pieces are handed what they watch; they import only the kernel and domain'],
  ['sandbox', ['kernel', 'domain'], 'the fake C1 shares no code with auth/ or upstream/, so their bugs cannot hide each other'],
];

/** The composition root: it imports everything, nothing imports it. */
const ENTRY_POINTS = {
  regex: String.raw`^(?:\./|(?:\.\./)+)(?:app|main)\.js$`,
  message: 'main.ts and app.ts are the composition root: nothing in src/ imports them (tests may).',
};

/** Below the root, modules are handed their values; they may know the Config type, never load it. */
const CONFIG_TYPE_ONLY = {
  regex: String.raw`^\.\./config\.js$`,
  allowTypeImports: true,
  message: 'below the composition root, import only the Config type (`import type`); app.ts passes the values in.',
};

/** The GraphQL edge's packages: everything below it speaks typed GatewayErrors, not GraphQL. */
const EDGE_PACKAGES = {
  group: ['graphql', 'graphql/*', 'graphql-*', '@graphql-*/*', '@apollo/*', '@envelop/*', '@escape.tech/*'],
  message: 'GraphQL belongs to the edge (graphql/, security/, observability/): this layer throws typed GatewayErrors instead.',
};

/**
 * The OpenTelemetry SDK is loaded only when tracing is on: observability/tracing.ts imports the
 * adapter (observability/otel-*.ts) dynamically, and nothing else of src/ may import it statically.
 */
const OTEL_PACKAGES = {
  group: ['@opentelemetry/*'],
  message: 'Only src/observability/otel-*.ts imports OpenTelemetry, loaded on demand by observability/tracing.ts; the data path speaks kernel/tracer.ts.',
};

const restrict = (files, patterns) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
});

const layerRule = ([folder, may, why]) => {
  // The kernel, the domain and the fake C1 sit below config.ts too; the other layers may read its type.
  const readsConfig = !['kernel', 'domain', 'sandbox'].includes(folder);
  const exempt = [...may.map((name) => `${name}/`), `(?:app|main${readsConfig ? '|config' : ''})\\.js$`];
  const others = {
    regex: String.raw`^\.\./(?!${exempt.join('|')})`,
    message: `src/${folder}/ may import only ${may.length ? may.map((name) => `${name}/`).join(', ') : 'its own files'}${readsConfig ? ' and the Config type' : ''}: ${why}.`,
  };
  const packages = folder === 'ops' ? [OTEL_PACKAGES] : [EDGE_PACKAGES, OTEL_PACKAGES];
  return restrict([`src/${folder}/**`], [ENTRY_POINTS, ...(readsConfig ? [CONFIG_TYPE_ONLY] : []), others, ...packages]);
};

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['src/sandbox/main.ts', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  // The edge (graphql/, security/, observability/) and app.ts may import any layer, but not the root.
  restrict(['src/**'], [ENTRY_POINTS, OTEL_PACKAGES]),
  restrict(['src/observability/otel-*.ts'], [ENTRY_POINTS]),
  ...LAYERS.map(layerRule),
  // Config loading is bootstrap: it checks credential formats and derives where C1 is with the
  // domain's rules, so it may build on the kernel and the domain, and on its own helpers in config/.
  restrict(['src/config.ts'], [OTEL_PACKAGES, { regex: String.raw`^\.(?!/(?:config|domain|kernel)/)`, message: 'config.ts may import only config/, domain/ and kernel/: every layer may read its type.' }]),
  restrict(['src/config/**'], [OTEL_PACKAGES, { regex: String.raw`^\.\./(?!domain/|kernel/)`, message: 'src/config/ may import only domain/ and kernel/: it is config.ts\'s own bootstrap code.' }]),
  restrict(['src/main.ts'], [OTEL_PACKAGES]),
);
