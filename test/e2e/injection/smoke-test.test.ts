/** smoke-test's injection corpus (see corpus.ts): check URLs, headers and file paths. */
import { injectionCorpus } from './corpus.js';

const checks = (url: string, extra = ''): string => `checks:\n  - name: health\n    url: ${JSON.stringify(url)}\n${extra}`;

injectionCorpus({
  action: 'smoke-test',
  base: (s) => ({ checks: checks('/health'), 'base-url': s.http.url, timeout: '0' }),
  targets: [
    { input: 'checks url', reaches: 'HTTP request', inputs: (p) => ({ checks: checks(`/health/${p}`) }) },
    { input: 'checks header', reaches: 'HTTP request', inputs: (p) => ({ checks: checks('/health', `    headers: { X-Note: ${JSON.stringify(p)} }\n`) }) },
    { input: 'base-url', reaches: 'HTTP request', inputs: (p) => ({ 'base-url': `@HTTP@/${p}` }) },
    { input: 'checks ca-file', reaches: 'file path', inputs: (p) => ({ checks: checks('/health', `    ca-file: ${JSON.stringify(p)}\n`) }) },
    { input: 'checks', reaches: 'file path' },
  ],
});
