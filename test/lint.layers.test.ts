/**
 * The layer rule (eslint/layers.mjs) on snippets placed as if in each folder: an import up the layers (a package
 * importing a service or scripts/, a service importing scripts/, infra importing bench/) is an error of
 * layers/imports, and the same import from a folder allowed to make it passes. Lints text only: no file is written.
 */
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '@brigadeiro/topology';

interface Finding {
  ruleId: string | null;
  message: string;
}

// ESLint loads eslint.config.mjs with import(), which jest's module sandbox refuses without
// --experimental-vm-modules, so the Node API runs in a plain node child: lintText on every snippet of stdin.
const LINT_TEXTS = `
import { ESLint } from 'eslint';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const eslint = new ESLint({ cwd: process.cwd() });
const out = [];
for (const { code, filePath } of JSON.parse(input)) {
  const [result] = await eslint.lintText(code, { filePath });
  out.push(result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })));
}
process.stdout.write(JSON.stringify(out));
`;

interface Snippet {
  filePath: string;
  code: string;
}

/** Every finding for each snippet, linted as if it were the file `filePath` (relative to the repository); one child for all. */
function lintAll(snippets: Snippet[]): Finding[][] {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', LINT_TEXTS], { cwd: REPO_ROOT, input: JSON.stringify(snippets), encoding: 'utf8' });
  return JSON.parse(out) as Finding[][];
}

const uses = (spec: string) => `import { thing } from '${spec}';\nexport const used = thing;\n`;

const FORBIDDEN: [string, string, string][] = [
    ['packages/x/src/bad.ts', '../../../services/fiscal/src/config', 'packages/ may not import services/fiscal'],
    ['packages/x/src/bad.ts', '@brigadeiro/svc-fiscal', 'packages/ may not import services/fiscal'],
    ['packages/x/src/bad.ts', '../../../scripts/stack/layout', 'packages/ may not import scripts/'],
    ['packages/x/test/bad.test.ts', '../../../infra/template', 'packages/ may not import infra/'],
    ['services/fiscal/src/bad.ts', '../../../scripts/stack/layout', 'services/ may not import scripts/'],
    ['services/fiscal/src/bad.ts', '../../pedidos/src/config', 'services/ may not import services/pedidos'],
    ['infra/compose/bad.ts', '../../scripts/failover/run', 'infra/ may not import scripts/'],
    ['infra/nginx/bad.ts', '../../bench/lib/net', 'infra/ may not import bench/'],
    ['scripts/stack/bad.ts', '../../bench/lib/net', 'scripts/ may not import bench/'],
    ['scripts/stack/bad.ts', '../../services/fiscal/src/config', 'scripts/ may not import services/fiscal'],
    ['bench/lib/bad.ts', '../../services/fiscal/src/config', 'bench/ may not import services/fiscal'],
];

const ALLOWED: [string, string][] = [
    ['packages/x/src/ok.ts', '@brigadeiro/topology'],
    ['packages/x/src/ok.ts', '../../topology/src'],
    ['packages/x/test/ok.test.ts', '../test/helpers'],
    ['services/fiscal/src/ok.ts', '@brigadeiro/db'],
    ['services/fiscal/test/ok.test.ts', '../src/config'],
    ['infra/compose/ok.ts', '../template'],
    ['scripts/stack/ok.ts', '../../infra/template'],
    ['bench/lib/ok.ts', '../../scripts/stack/layout'],
    ['test/ok.test.ts', '../services/fiscal/src/config'],
    ['test/ok.test.ts', '../bench/lib/net'],
];

const OTHER_FORMS: Snippet = {
  filePath: 'packages/x/src/bad.ts',
  code: [
    "const a = require('../../../scripts/x');",
    "export { b } from '../../../bench/y';",
    "export type T = import('../../../services/fiscal/src/config').Config;",
    'export const used = a;',
    '',
  ].join('\n'),
};

const snippets: Snippet[] = [
  ...FORBIDDEN.map(([filePath, spec]) => ({ filePath, code: uses(spec) })),
  ...ALLOWED.map(([filePath, spec]) => ({ filePath, code: uses(spec) })),
  OTHER_FORMS,
];
let findings: Finding[][] = [];

beforeAll(() => {
  findings = lintAll(snippets);
  expect(findings).toHaveLength(snippets.length);
}, 60_000);

/** The layers/imports messages of snippet `i`; any other finding fails, as the snippet itself would be wrong. */
function layerErrors(i: number): string[] {
  const f = findings[i] ?? [];
  expect(f.filter((m) => m.ruleId !== 'layers/imports').map((m) => `${m.ruleId}: ${m.message}`)).toEqual([]);
  return f.map((m) => m.message);
}

describe('layers/imports', () => {
  test.each(FORBIDDEN.map((c, i) => [...c, i] as const))('when %s imports %s, then layers/imports reports "%s"', (_file, _spec, message, i) => {
    const errors = layerErrors(i);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
  });

  test.each(ALLOWED.map((c, i) => [...c, FORBIDDEN.length + i] as const))('when %s imports %s, then layers/imports has nothing to say', (_file, _spec, i) => {
    expect(layerErrors(i)).toEqual([]);
  });

  test('when the import is a require(), a re-export or a type-only import(), then the rule sees it too', () => {
    // no-require-imports also reports the require(); only the layer messages are counted here.
    const layerMessages = (findings[snippets.length - 1] ?? []).filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
    expect(layerMessages).toEqual([
      expect.stringContaining('may not import scripts/'),
      expect.stringContaining('may not import bench/'),
      expect.stringContaining('may not import services/fiscal'),
    ]);
  });
});
