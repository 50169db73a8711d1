/**
 * Which part of src/ may import which (`npm run deps`). The top-level folders stand in layers,
 * from the ground floor up: a folder imports only from itself and from folders in lower layers,
 * type-only imports included. src/ never imports test/, and no module imports itself through a
 * cycle.
 *
 * To place a new folder, add it to the layer whose folders it may use (and no higher one).
 */

/** Lowest first. `index.ts` is the file src/index.ts; every other entry is a folder of src/. */
const layers = [
  ['util'],
  ['contracts'],
  ['kind'],
  ['stream', 'bindings', 'faults'],
  ['storage', 'producer'],
  ['monitor'],
  ['engine', 'lake', 'query', 'search'],
  ['services'],
  ['functions'],
  ['delivery', 'analytics'],
  ['api'],
  ['pipeline'],
  ['web', 'testing', 'deploy'],
  ['cli', 'index.ts'],
]

/** Matches a path under src/ in one of `names`, capturing the name (the group `$1` refers to). */
const under = (names) => `^src/(${names.map((n) => n.replace(/\./g, '\\.')).join('|')})(/|$)`

const layerRules = layers.map((names, i) => ({
  name: `layer-${i}`,
  severity: 'error',
  comment: `${names.join(', ')} (layer ${i}) import only from themselves and from layers below ${i}`,
  from: { path: under(names) },
  to: { path: under(layers.slice(i).flat()), pathNot: '^src/$1(/|$)' },
}))

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module reaches itself through its imports (type-only imports count).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'cdk-only-in-synth-faces',
      severity: 'error',
      comment:
        'aws-cdk-lib (160 MB, an optional dependency) is for tributary synth/diff/deploy/destroy only: ' +
        "the kinds' synthesis faces (synth.ts beside a kind) and src/deploy/ import it; the rest at most its types.",
      from: { path: '^src/', pathNot: '(^src/deploy/|synth\\.ts$)' },
      to: {
        path: 'node_modules/(aws-cdk-lib|cdk-nag|constructs|@aws-cdk/)',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'cdk-values-through-require',
      severity: 'error',
      comment:
        'aws-cdk-lib and cdk-nag are CommonJS with lazy exports: an ES import reads every export and so ' +
        'loads all of them (seconds). Values come from src/kind/cdk-synth.ts (`cdk`), types from `import type`.',
      from: { path: '^src/' },
      to: { path: 'node_modules/(aws-cdk-lib|cdk-nag)/', dependencyTypesNot: ['type-only', 'require'] },
    },
    {
      name: 'synth-faces-load-lazily',
      severity: 'error',
      comment:
        "A synthesis face or the CDK app is loaded with `await import()` (a kind's `synth`, the CLI), " +
        'so that tributary dev never loads aws-cdk-lib.',
      from: { path: '^src/', pathNot: '(^src/deploy/|synth\\.ts$)' },
      to: {
        path: '(synth\\.ts$|^src/deploy/(app|toolkit)\\.ts$)',
        pathNot: '^src/(kind|cli)/synth\\.ts$',
        dependencyTypesNot: ['type-only', 'dynamic-import'],
      },
    },
    {
      name: 'src-not-to-test',
      severity: 'error',
      comment: 'Shipped code never imports the tests or their helpers.',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import the cruiser cannot resolve would hide its edges from the rules above.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['tributary-source', 'import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.d.ts'],
    },
  },
}
