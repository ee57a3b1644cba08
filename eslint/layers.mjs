/**
 * The layer rule (issue #11): which top-level folder may import which. An import is resolved to a file of the
 * repository (relative paths against the importing file; @brigadeiro/svc-<name> to services/<name>; any other
 * @brigadeiro/<name> to packages/<name>) and its folder must be one the importing folder may use. Resolving,
 * rather than matching the import text, is what makes `../test/x` inside a package its own folder and
 * `../../../test/x` the top-level test/.
 *
 *   packages -> packages                        the ground: libraries with no knowledge of what uses them
 *   services -> packages (and its own service)  each service on its own; no service imports another
 *   infra    -> packages, infra                 configuration templates and their renderers
 *   scripts  -> packages, infra, scripts        the stack, failover, db and the operator CLIs
 *   bench    -> packages, infra, scripts, bench benchmarks sit on top
 *   test/ and the root                          anything (end-to-end checks of the whole)
 */
import path from 'node:path';

/** The repository root: this file's parent folder, whatever folder eslint runs from. */
const ROOT = path.resolve(import.meta.dirname, '..');

export const ALLOWED = {
  packages: ['packages'],
  services: ['packages', 'services'],
  infra: ['packages', 'infra'],
  scripts: ['packages', 'infra', 'scripts'],
  bench: ['packages', 'infra', 'scripts', 'bench'],
};

/** The repository path (a/b/c, relative to root) an import names, or undefined for node built-ins and npm packages. */
function target(root, file, spec) {
  if (spec.startsWith('.')) return path.relative(root, path.resolve(path.dirname(file), spec)).split(path.sep).join('/');
  const m = /^@brigadeiro\/([^/]+)/.exec(spec);
  if (!m) return undefined;
  return m[1].startsWith('svc-') ? `services/${m[1].slice(4)}` : `packages/${m[1]}`;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports go down the layers only: packages <- services; packages <- infra <- scripts <- bench' },
    schema: [],
    messages: { layer: '{{from}}/ may not import {{to}} ({{spec}}): {{from}}/ imports only {{allowed}} (eslint/layers.mjs)' },
  },
  create(context) {
    const root = ROOT;
    const file = context.filename;
    const [from, own] = path.relative(root, file).split(path.sep);
    const allowed = ALLOWED[from];
    if (!allowed) return {};
    function check(node, source) {
      if (!source || typeof source.value !== 'string') return;
      const to = target(root, file, source.value);
      if (to === undefined || to.startsWith('..')) return;
      const [layer, name] = to.split('/');
      // A service reaching into another service is as wrong as one reaching up: only its own folder is allowed.
      const ok = allowed.includes(layer) && !(from === 'services' && layer === 'services' && name !== own);
      if (!ok) {
        const shown = layer === 'services' || layer === 'packages' ? `${layer}/${name}` : `${layer}/`;
        context.report({ node: source, messageId: 'layer', data: { from, to: shown, spec: source.value, allowed: from === 'services' ? 'packages and its own folder' : allowed.join(', ') } });
      }
    }
    return {
      ImportDeclaration: (n) => check(n, n.source),
      ExportNamedDeclaration: (n) => check(n, n.source),
      ExportAllDeclaration: (n) => check(n, n.source),
      ImportExpression: (n) => check(n, n.source),
      TSImportEqualsDeclaration: (n) => check(n, n.moduleReference?.expression),
      TSImportType: (n) => check(n, n.source ?? n.argument?.literal),
      CallExpression: (n) => {
        if (n.callee.type === 'Identifier' && n.callee.name === 'require') check(n, n.arguments[0]);
        if (n.callee.type === 'MemberExpression' && n.callee.object.name === 'jest' && ['mock', 'requireActual'].includes(n.callee.property.name)) check(n, n.arguments[0]);
      },
    };
  },
};

export default { rules: { imports: rule } };
