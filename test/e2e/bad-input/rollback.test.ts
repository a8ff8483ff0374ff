/** rollback's bad-input corpus: every case rejected before Docker, the database or a webhook is touched (see corpus.ts). */
import { loadServices } from '../../support/services.js';
import { badInputCorpus } from './corpus.js';

const COMPOSE = `services:
  backend:
    image: 127.0.0.1:5000/dk-bad/backend:1
  frontend:
    image: 127.0.0.1:5000/dk-bad/frontend:1
`;
const DB = 'postgres://app:rb-bad-input-pw@127.0.0.1:@DBPORT@/app';

badInputCorpus({
  action: 'rollback',
  base: (s) => ({
    'compose-file': 'docker-compose.yml',
    project: s.id,
    'compose-command': loadServices().DK_COMPOSE,
    services: 'backend',
    'notify-webhook': `${s.http.url}/hooks/T000/B000/rb-bad-input-hook`,
    'github-token': 'ghs_badinputtoken0000000000000000000000',
  }),
  files: () => ({
    'docker-compose.yml': COMPOSE,
    'backups/app.dump': 'PGDMP not really\n',
    'db/migrations/V1__a.sql': 'SELECT 1;\n',
    'db/migrations/U1__a.sql': 'SELECT 1;\n',
  }),
  cases: [
    { name: 'services missing', inputs: { services: '' }, names: 'services' },
    { name: 'service not in the compose file', inputs: { services: 'backend,fronted' }, names: 'fronted' },
    { name: 'service name with a shell character', inputs: { services: 'backend;reboot' }, names: 'services' },
    { name: 'target not an option', inputs: { target: 'nomad' }, names: 'target' },
    { name: 'compose-command not an option', inputs: { 'compose-command': 'podman-compose' }, names: 'compose-command' },
    { name: 'compose-file does not exist', inputs: { 'compose-file': 'nope.yml' }, names: 'compose-file' },
    {
      name: 'compose-file malformed YAML',
      inputs: { 'compose-file': 'broken.yml' },
      files: { 'broken.yml': 'services:\n  backend: [\n' },
      names: 'compose-file',
    },
    { name: 'compose-file path traversal to a non-compose file', inputs: { 'compose-file': '../outside/keep.txt' }, names: 'compose-file' },
    { name: 'project name with bad characters', inputs: { project: 'Bad Project!' }, names: 'project' },
    { name: 'to-image and to-version both', inputs: { 'to-image': '127.0.0.1:5000/dk-bad/backend:0', 'to-version': '0' }, names: 'to-version' },
    { name: 'to-image with two services', inputs: { services: 'backend,frontend', 'to-image': '127.0.0.1:5000/dk-bad/backend:0' }, names: 'to-image' },
    { name: 'to-image with a space', inputs: { 'to-image': '127.0.0.1:5000/backend: 0' }, names: 'to-image' },
    { name: 'to-image with upper-case letters', inputs: { 'to-image': '127.0.0.1:5000/DK/Backend:0' }, names: 'to-image' },
    { name: 'to-version not a tag', inputs: { 'to-version': 'bad tag' }, names: 'to-version' },
    { name: 'to-version with a shell character', inputs: { 'to-version': '1.0;reboot' }, names: 'to-version' },
    { name: 'health-timeout negative', inputs: { 'health-timeout': '-2m' }, names: 'health-timeout' },
    { name: 'health-timeout not a duration', inputs: { 'health-timeout': 'long' }, names: 'health-timeout' },
    { name: 'history-limit 0', inputs: { 'history-limit': '0' }, names: 'history-limit' },
    { name: 'lock-timeout of 30 days', inputs: { 'lock-timeout': '30d' }, names: 'lock-timeout' },
    { name: 'lock-timeout negative', inputs: { 'lock-timeout': '-1m' }, names: 'lock-timeout' },
    { name: 'history-limit not a number', inputs: { 'history-limit': 'lots' }, names: 'history-limit' },
    { name: 'notify-webhook not a URL', inputs: { 'notify-webhook': 'not a url' }, names: 'notify-webhook' },
    { name: 'notify-webhook with a non-HTTP scheme', inputs: { 'notify-webhook': 'file:///etc/passwd' }, names: 'notify-webhook' },
    { name: 'database-url without restore-backup or to-migration-version', inputs: { 'database-url': DB }, names: 'database-url' },
    { name: 'restore-backup without database-url', inputs: { 'restore-backup': 'backups/app.dump' }, names: 'restore-backup' },
    {
      name: 'restore-backup and to-migration-version both',
      inputs: { 'database-url': DB, 'restore-backup': 'backups/app.dump', 'to-migration-version': '1' },
      names: 'to-migration-version',
    },
    { name: 'restore-backup file does not exist', inputs: { 'database-url': DB, 'restore-backup': 'backups/missing.dump' }, names: 'restore-backup' },
    {
      name: 'database-url with an unknown scheme',
      inputs: { 'database-url': 'oracle://u:p@127.0.0.1:@DBPORT@/x', 'to-migration-version': '1' },
      names: 'database-url',
    },
    { name: 'to-migration-version not a version', inputs: { 'database-url': DB, 'to-migration-version': 'one' }, names: 'to-migration-version' },
    { name: 'migrations directory missing', inputs: { 'database-url': DB, 'to-migration-version': '0', migrations: 'db/nope' }, names: 'migrations' },
    {
      name: 'history-table with SQL in it',
      inputs: { 'database-url': DB, 'to-migration-version': '0', 'history-table': 'x; DROP TABLE y' },
      names: 'history-table',
    },
    { name: 'checks malformed YAML', inputs: { checks: '- name: [x\n' }, names: 'checks' },
    { name: 'checks with a bad status', inputs: { checks: '- name: x\n  url: http://127.0.0.1:9/health\n  expect: { status: 99999 }\n' }, names: 'status' },
    { name: 'checks with relative URLs and no base-url', inputs: { checks: '- { name: x, url: /health }\n' }, names: 'base-url' },
    {
      name: 'checks-timeout not a duration',
      inputs: { checks: '- { name: x, url: /health }\n', 'base-url': '@HTTP@', 'checks-timeout': 'eventually' },
      names: 'checks-timeout',
    },
    { name: 'github-deployment not a boolean', inputs: { 'github-deployment': 'y' }, names: 'github-deployment' },
    { name: 'environment-url not a URL', inputs: { 'github-deployment': 'true', 'environment-url': 'shop' }, names: 'environment-url' },
    { name: 'dry-run not a boolean', inputs: { 'dry-run': 'sure' }, names: 'dry-run' },
    { name: 'health-timeout of 30 days', inputs: { 'health-timeout': '30d' }, names: 'health-timeout' },
  ],
});
