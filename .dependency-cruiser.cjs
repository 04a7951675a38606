// Dependency rules for the layout of issue 8 (src/core pure, src/domain free of HTTP, no cycles).
// Run: npm run lint:deps. TypeScript 7 has no compiler API for dependency-cruiser, so it parses with swc.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment:
        'src/core is shared by the server, the CLIs and the browser verifier: it may import only itself, seedrandom ' +
        'and @noble/hashes (no node built-ins, no I/O).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { pathNot: ['^src/core/', '^node_modules/(seedrandom|@noble/hashes)/'], couldNotResolve: false },
    },
    {
      name: 'domain-without-http',
      comment: 'src/domain is HTTP-free: no fastify, no plugins, routes, portal or the app that wires them.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: {
        path: ['^node_modules/(fastify|fastify-plugin|@fastify/[^/]+)/', '^src/(routes|plugins|portal)/', '^src/(app|server|openapi-document)\\.ts$'],
      },
    },
    {
      name: 'schemas-only-typebox-and-core',
      comment: 'src/schemas (the source of the OpenAPI document) imports only typebox and src/core.',
      severity: 'error',
      from: { path: '^src/schemas/' },
      to: { pathNot: ['^src/(schemas|core)/', '^node_modules/typebox/'], couldNotResolve: false },
    },
    {
      name: 'verifier-only-core',
      comment: 'The bundled browser verifier imports only itself, src/core and nanotar (to read the replay bundle).',
      severity: 'error',
      from: { path: '^src/verifier/' },
      to: { pathNot: ['^src/(verifier|core)/', '^node_modules/nanotar/'], couldNotResolve: false },
    },
    {
      name: 'no-sql-in-http',
      comment: 'No SQL library in routes, portal or plugins; only the database plugin opens the client.',
      severity: 'error',
      from: { path: '^src/(routes|portal|plugins)/', pathNot: '^src/plugins/database\\.ts$' },
      to: { path: '^node_modules/(drizzle-orm|postgres|@electric-sql/pglite)/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles.',
      severity: 'error',
      from: { path: '^(src|scripts)/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves (so that a misspelled path cannot hide a dependency from the rules above).',
      severity: 'error',
      from: { path: '^(src|scripts)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // swc sees type-only imports too, so they count: a type from fastify in src/domain is still a dependency on HTTP code.
    parser: 'swc',
    doNotFollow: { path: '^node_modules/' },
    exclude: { path: ['^migrations/', '^openapi/', '^data/', '^test/output/'] },
    enhancedResolveOptions: {
      // The code imports './x.ts' (allowImportingTsExtensions); packages resolve through their "exports".
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
