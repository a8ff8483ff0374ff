/** verify-gates' injection corpus (see corpus.ts): check URLs, the commit in GitHub API paths, file paths. */
import { injectionCorpus } from './corpus.js';

const gates = (url: string): string =>
  `gates:\n  - name: backend\n    checks:\n      - { name: health, url: ${JSON.stringify(url)} }\n      - github: { approvals: 1 }\n`;

injectionCorpus({
  action: 'verify-gates',
  base: (s) => ({ gates: gates('/health'), 'base-url': s.http.url, 'github-token': 'ghs_injtoken00000000000000000000000000' }),
  targets: [
    { input: 'sha', reaches: 'HTTP request' },
    { input: 'gates url', reaches: 'HTTP request', inputs: (p) => ({ gates: gates(`/health/${p}`) }) },
    { input: 'base-url', reaches: 'HTTP request', inputs: (p) => ({ 'base-url': `@HTTP@/${p}` }) },
    { input: 'gates', reaches: 'file path' },
  ],
});
