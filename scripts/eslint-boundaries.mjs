// The ESLint rule behind the layer boundaries (decision 0004). It resolves every import — static,
// re-export, dynamic `import()` and `typeof import()` — against the importing file, so it sees the
// folder an import lands in, not the text of its path; the layer list itself lives in eslint.config.js.
import { dirname, relative, resolve, sep } from 'node:path';

/** `src/targets/compose.ts` → `src/targets`; `actions/rollback/main.ts` → `actions/rollback`; else undefined. */
function unitOf(repoPath) {
  const parts = repoPath.split('/');
  if ((parts[0] === 'src' || parts[0] === 'actions') && parts.length >= 3) return `${parts[0]}/${parts[1]}`;
  return undefined;
}

function layerOf(unit, layers) {
  // A folder named exactly (actions/shared) wins over a wildcard (actions/*) of a higher layer.
  let index = layers.findIndex((layer) => layer.members.includes(unit));
  if (index < 0) index = layers.findIndex((layer) => layer.members.some((member) => member.endsWith('/*') && unit.startsWith(member.slice(0, -1))));
  return index < 0 ? undefined : { index, layer: layers[index] };
}

const TOP = (layers) => layers.map((layer) => `${layer.name} (${layer.members.join(', ')})`).join(' > ');

/** @type {import('eslint').Rule.RuleModule} */
export const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforces the layers of decision 0004: who may import @actions/*, and which folder may import which.' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          layers: { type: 'array' },
          domainImports: { type: 'array' },
          actionsPackages: { type: 'object' },
        },
        required: ['root', 'layers'],
        additionalProperties: false,
      },
    ],
    messages: {
      actionsPackage:
        '{{from}} imports {{source}}: only src/runtime may import @actions/* packages. Wrap what you need in src/runtime (e.g. src/runtime/github.ts) and import the wrapper.',
      srcImportsAction: '{{from}} imports {{to}}: src/ knows nothing of any one action. Move what both need into src/ and import it from the action.',
      upward: '{{from}} ({{fromLayer}}) imports {{to}} ({{toLayer}}): a layer imports only the layers below it — {{order}}.',
      sideways: '{{from}} imports {{to}}, another {{layer}}: {{hint}}',
      unlisted: '{{unit}} is not in the layer list of eslint.config.js: add it to the layer it belongs to (a new domain is one line in DOMAINS).',
    },
  },
  create(context) {
    const { root, layers, domainImports = [], actionsPackages = {} } = context.options[0];
    const file = relative(root, context.filename).split(sep).join('/');
    const fromUnit = unitOf(file);
    const from = fromUnit ? layerOf(fromUnit, layers) : undefined;
    const allowedActions = new Set(Object.entries(actionsPackages).flatMap(([prefix, packages]) => (file.startsWith(prefix) ? packages : [])));
    let reportedUnlisted = false;

    function check(node, source) {
      if (typeof source !== 'string') return;
      if (source.startsWith('@actions/')) {
        const pkg = source.split('/').slice(0, 2).join('/');
        if (fromUnit !== 'src/runtime' && !allowedActions.has(pkg)) context.report({ node, messageId: 'actionsPackage', data: { from: file, source } });
        return;
      }
      if (!source.startsWith('.') || !fromUnit) return;
      const target = relative(root, resolve(dirname(context.filename), source))
        .split(sep)
        .join('/');
      const toUnit = unitOf(target);
      if (!toUnit || toUnit === fromUnit) return;
      if (fromUnit.startsWith('src/') && toUnit.startsWith('actions/')) {
        context.report({ node, messageId: 'srcImportsAction', data: { from: fromUnit, to: toUnit } });
        return;
      }
      if (!from) {
        if (!reportedUnlisted) context.report({ node, messageId: 'unlisted', data: { unit: fromUnit } });
        reportedUnlisted = true;
        return;
      }
      const to = layerOf(toUnit, layers);
      if (!to) {
        context.report({ node, messageId: 'unlisted', data: { unit: toUnit } });
        return;
      }
      if (to.index < from.index) {
        context.report({
          node,
          messageId: 'upward',
          data: { from: fromUnit, fromLayer: from.layer.name, to: toUnit, toLayer: to.layer.name, order: TOP(layers) },
        });
        return;
      }
      if (to.index > from.index || from.layer.sideways === 'any') return;
      if (from.layer.sideways === 'listed' && domainImports.some(([a, b]) => a === fromUnit && b === toUnit)) return;
      const hint =
        from.layer.sideways === 'listed'
          ? 'domains import each other only where DOMAIN_IMPORTS in eslint.config.js lists the pair (decision 0004). Move the shared part to a lower layer, or list the pair with the reason.'
          : `each ${from.layer.name} imports only the layers below it. Move what both need into src/.`;
      context.report({ node, messageId: 'sideways', data: { from: fromUnit, to: toUnit, layer: from.layer.name, hint } });
    }

    const literal = (node) => (node && node.type === 'Literal' ? node.value : undefined);
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => check(node, literal(node.source)),
      // typescript-eslint 8 names the module `source`; older versions `argument.literal`.
      TSImportType: (node) => check(node, literal(node.source ?? node.argument?.literal)),
    };
  },
};

export default { meta: { name: 'deploy-kit' }, rules: { boundaries } };
