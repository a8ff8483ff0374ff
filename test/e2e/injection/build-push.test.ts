/** build-push's injection corpus (see corpus.ts): values reaching docker's command line and the build's paths. */
import { injectionCorpus } from './corpus.js';

injectionCorpus({
  action: 'build-push',
  // The classic builder, no push: a payload that passes validation reaches `docker build`, whose engine
  // requests the recording socket refuses (nothing is built).
  base: (s) => ({
    image: `${s.httpHost}/dk-inj/app`,
    context: 'app',
    push: 'false',
    builder: 'classic',
    ref: 'refs/heads/main',
    sha: '0123456789abcdef0123456789abcdef01234567',
    'event-name': 'push',
  }),
  files: () => ({ 'app/Dockerfile': 'FROM scratch\nCOPY hello.txt /\n', 'app/hello.txt': 'hello\n' }),
  targets: [
    { input: 'image', reaches: 'process' },
    { input: 'tags', reaches: 'process' },
    { input: 'build-args', reaches: 'process', inputs: (p) => ({ 'build-args': `VERSION=${p}` }) },
    { input: 'labels', reaches: 'process', inputs: (p) => ({ labels: `org.example.note=${p}` }) },
    { input: 'target', reaches: 'process' },
    { input: 'network', reaches: 'process' },
    { input: 'context', reaches: 'file path' },
    { input: 'file', reaches: 'file path' },
  ],
});
