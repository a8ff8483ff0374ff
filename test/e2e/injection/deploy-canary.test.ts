/** deploy-canary's injection corpus (see corpus.ts): values reaching docker compose's command line and the router's files. */
import { loadServices } from '../../support/services.js';
import { injectionCorpus } from './corpus.js';

const COMPOSE = `services:
  app:
    image: 127.0.0.1:5000/dk-inj/app:1
    ports:
      - "127.0.0.1:18080:8080"
`;

injectionCorpus({
  action: 'deploy-canary',
  base: (s) => ({
    'compose-file': 'docker-compose.yml',
    project: s.id,
    'compose-command': loadServices().DK_COMPOSE,
    service: 'app',
    image: '127.0.0.1:5000/dk-inj/app:2',
    steps: '50,100',
    interval: '5s',
    'nginx-upstream-file': 'nginx/upstream.conf',
    'stable-address': '127.0.0.1:18080',
    'prometheus-url': s.http.url,
  }),
  files: () => ({ 'docker-compose.yml': COMPOSE, 'nginx/.keep': '' }),
  targets: [
    { input: 'service', reaches: 'process' },
    { input: 'image', reaches: 'process' },
    { input: 'project', reaches: 'process' },
    { input: 'services', reaches: 'process', inputs: (p) => ({ strategy: 'rolling', services: `app=${p}` }) },
    { input: 'compose-file', reaches: 'file path' },
    { input: 'nginx-upstream-file', reaches: 'file path' },
    { input: 'nginx-upstream', reaches: 'file path' },
  ],
});
