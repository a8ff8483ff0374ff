/** rollback's injection corpus (see corpus.ts): values reaching docker compose, the dump tools, SQL and paths. */
import { loadServices } from '../../support/services.js';
import { injectionCorpus } from './corpus.js';

const COMPOSE = `services:
  backend:
    image: 127.0.0.1:5000/dk-inj/backend:1
`;
const DB = 'postgres://app:inj-rb-pw-0001@127.0.0.1:@DBPORT@/app';

injectionCorpus({
  action: 'rollback',
  base: (s) => ({ 'compose-file': 'docker-compose.yml', project: s.id, 'compose-command': loadServices().DK_COMPOSE, services: 'backend' }),
  files: () => ({ 'docker-compose.yml': COMPOSE, 'db/migrations/V1__a.sql': 'SELECT 1;\n', 'db/migrations/U1__a.sql': 'SELECT 1;\n' }),
  targets: [
    { input: 'services', reaches: 'process' },
    { input: 'to-version', reaches: 'process' },
    { input: 'to-image', reaches: 'process' },
    { input: 'project', reaches: 'process' },
    { input: 'restore-backup', reaches: 'file path', inputs: (p) => ({ 'database-url': DB, 'restore-backup': p }) },
    { input: 'history-table', reaches: 'SQL', inputs: (p) => ({ 'database-url': DB, 'to-migration-version': '0', 'history-table': p }) },
    { input: 'backup-dir', reaches: 'file path', inputs: (p) => ({ 'database-url': DB, 'to-migration-version': '0', 'backup-dir': p }) },
  ],
});
