/** migrate-db's bad-input corpus: every case rejected before a database connection (see corpus.ts). */
import { badInputCorpus } from './corpus.js';

const PG = 'postgres://app:db-bad-input-pw@127.0.0.1:@DBPORT@/app';

badInputCorpus({
  action: 'migrate-db',
  // The database "server" is the sensors' connection counter: any connection is a finding.
  base: (s) => ({ 'database-url': `postgres://app:db-bad-input-pw@127.0.0.1:${s.dbPort}/app`, migrations: 'db/migrations', 'connect-timeout': '1s' }),
  files: () => ({
    'db/migrations/V1__create_users.sql': 'CREATE TABLE users (id int PRIMARY KEY);\n',
    'db/migrations/V2__add_email.sql': 'ALTER TABLE users ADD COLUMN email text;\n',
  }),
  cases: [
    { name: 'database-url missing', inputs: { 'database-url': '' }, names: 'database-url' },
    { name: 'database-url not a URL', inputs: { 'database-url': 'not a url' }, names: 'database-url' },
    { name: 'database-url with an unknown scheme', inputs: { 'database-url': 'oracle://u:p@127.0.0.1:@DBPORT@/x' }, names: 'database-url' },
    { name: 'database-url without a database name', inputs: { 'database-url': 'postgres://u:p@127.0.0.1:@DBPORT@/' }, names: 'database-url' },
    { name: 'database-url with a bad port', inputs: { 'database-url': 'postgres://u:p@127.0.0.1:99999/app' }, names: 'database-url' },
    { name: 'database-url with a bad sslmode', inputs: { 'database-url': `${PG}?sslmode=sometimes` }, names: 'sslmode' },
    { name: 'migrations directory missing', inputs: { migrations: 'db/nope' }, names: 'migrations' },
    { name: 'migrations is a file', inputs: { migrations: 'db/migrations/V1__create_users.sql' }, names: 'migrations' },
    { name: 'migrations path traversal outside the workspace', inputs: { migrations: '../outside' }, names: 'migrations' },
    {
      name: 'two files with one version',
      inputs: { migrations: 'db/dup' },
      files: { 'db/dup/V1__a.sql': 'SELECT 1;', 'db/dup/V1__b.sql': 'SELECT 2;' },
      names: 'V1',
    },
    {
      name: 'a file name that is not a migration',
      inputs: { migrations: 'db/badname' },
      files: { 'db/badname/V1__a.sql': 'SELECT 1;', 'db/badname/create users.sql': 'SELECT 1;' },
      names: 'create users.sql',
    },
    {
      // Substitution is on when placeholders are given (decision 0012: a literal ${ keeps working otherwise).
      name: 'an unknown placeholder in a file',
      inputs: { migrations: 'db/ph', placeholders: 'schema=app' },
      files: { 'db/ph/V1__a.sql': 'CREATE TABLE ${nope} (id int);' },
      names: 'nope',
    },
    { name: 'history-table with SQL in it', inputs: { 'history-table': 'x; DROP TABLE users' }, names: 'history-table' },
    { name: 'history-table with three parts', inputs: { 'history-table': 'a.b.c' }, names: 'history-table' },
    { name: 'import-history not an option', inputs: { 'import-history': 'liquibase' }, names: 'import-history' },
    { name: 'transaction-mode not an option', inputs: { 'transaction-mode': 'none' }, names: 'transaction-mode' },
    { name: 'on-failure not an option', inputs: { 'on-failure': 'panic' }, names: 'on-failure' },
    { name: 'to-version not a version', inputs: { 'to-version': 'latest!' }, names: 'to-version' },
    { name: 'to-version beyond the files', inputs: { 'to-version': '99' }, names: 'to-version' },
    { name: 'baseline-version not a version', inputs: { 'baseline-version': 'v-one' }, names: 'baseline-version' },
    { name: 'expect-version not a version', inputs: { 'expect-version': '1..2' }, names: 'expect-version' },
    { name: 'allow-down not a boolean', inputs: { 'allow-down': 'perhaps' }, names: 'allow-down' },
    { name: 'dry-run not a boolean', inputs: { 'dry-run': 'yes please' }, names: 'dry-run' },
    { name: 'backup not a boolean', inputs: { backup: '2' }, names: 'backup' },
    { name: 'backup-dir is a file', inputs: { 'backup-dir': 'db/migrations/V1__create_users.sql' }, names: 'backup-dir' },
    { name: 'backup-compression not an option', inputs: { 'backup-compression': 'rar' }, names: 'backup-compression' },
    { name: 'backup-retention not a count or an age', inputs: { 'backup-retention': 'forever' }, names: 'backup-retention' },
    { name: 'backup-retention negative', inputs: { 'backup-retention': '-3' }, names: 'backup-retention' },
    { name: 'backup-artifact-retention-days above 90', inputs: { 'backup-artifact-retention-days': '365' }, names: 'backup-artifact-retention-days' },
    {
      name: 'backup-artifact without the artifact service',
      inputs: { 'backup-artifact': 'true' },
      env: { ACTIONS_RUNTIME_TOKEN: '', ACTIONS_RESULTS_URL: '' },
      names: 'backup-artifact',
    },
    { name: 'placeholders line not name=value', inputs: { placeholders: 'just words' }, names: 'placeholders' },
    { name: 'a name in placeholders and secret-placeholders', inputs: { placeholders: 'a=1', 'secret-placeholders': 'a=2' }, names: 'secret-placeholders' },
    { name: 'lock-timeout negative', inputs: { 'lock-timeout': '-5m' }, names: 'lock-timeout' },
    { name: 'lock-timeout not a duration', inputs: { 'lock-timeout': 'a while' }, names: 'lock-timeout' },
    { name: 'connect-timeout below 1s', inputs: { 'connect-timeout': '10ms' }, names: 'connect-timeout' },
    { name: 'connect-timeout of 30 days', inputs: { 'connect-timeout': '30d' }, names: 'connect-timeout' },
    { name: 'lock-timeout above 2^31-1 ms', inputs: { 'lock-timeout': '9999999999ms' }, names: 'lock-timeout' },
  ],
});
