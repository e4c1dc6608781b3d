/**
 * The import rules of docs/architecture.md, checked by `npm run lint`:
 * core at the bottom, storage above it, services above storage, the composition root above the
 * services, the edges (HTTP, CLI) on top; the resource SDK apart; no cycles anywhere.
 */
const CORE = '^src/core/';
const STORAGE = '^src/storage/';
const SERVICES = '^src/(accounts|audit|config|outbound)/';
const COMPOSITION = '^src/(start|compose|compose-client-registration|gatehouse|logging)\\.ts$';
const EDGES = '^src/(http|cli)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make the layers meaningless and module start-up order fragile.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment: 'core/ is pure OAuth: what it needs from outside is a port in core/ports.ts.',
      from: { path: CORE },
      to: { path: '^src/', pathNot: CORE },
    },
    {
      name: 'storage-imports-core-only',
      severity: 'error',
      comment: 'storage/ implements core ports; it knows nothing of accounts, audit, config, HTTP or the CLI.',
      from: { path: STORAGE },
      to: { path: '^src/', pathNot: [CORE, STORAGE] },
    },
    {
      name: 'services-stay-below-the-edges',
      severity: 'error',
      comment: 'accounts/, audit/, config/, outbound/ never import the composition root, HTTP or the CLI.',
      from: { path: SERVICES },
      to: { path: [COMPOSITION, EDGES, '^src/index\\.ts$'] },
    },
    {
      name: 'outbound-imports-core-and-config-only',
      severity: 'error',
      comment:
        'outbound/ fetches what clients and issuers name: it needs core (ports, clock) and config, nothing else.',
      from: { path: '^src/outbound/' },
      to: { path: '^src/', pathNot: [CORE, '^src/config/', '^src/outbound/'] },
    },
    {
      name: 'composition-below-the-edges',
      severity: 'error',
      comment:
        'compose.ts wires the services, start.ts serves them; only the edges may import them, never the reverse (http is built by start.ts).',
      from: { path: COMPOSITION, pathNot: '^src/start\\.ts$' },
      // compose.ts builds what http/services.ts declares HTTP is handed: that contract, no more.
      to: { path: EDGES, pathNot: '^src/http/services\\.ts$' },
    },
    {
      name: 'http-does-not-import-cli',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: ['^src/cli/', '^src/start\\.ts$', '^src/compose\\.ts$'] },
    },
    {
      name: 'resource-sdk-apart',
      severity: 'error',
      comment: 'gatehouse/resource is used by APIs that never run the server: it imports nothing else in src/.',
      from: { path: '^src/resource/' },
      to: { path: '^src/', pathNot: '^src/resource/' },
    },
    {
      name: 'src-does-not-import-tests',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['\\.test\\.ts$', '^dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
