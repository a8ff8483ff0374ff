/** migrate-db's injection corpus (see corpus.ts): SQL identifiers, the database name handed to the dump tools, paths. */
import { injectionCorpus } from './corpus.js';

injectionCorpus({
  action: 'migrate-db',
  base: (s) => ({ 'database-url': `postgres://app:inj-db-pw-0001@127.0.0.1:${s.dbPort}/app`, migrations: 'db/migrations', 'connect-timeout': '1s' }),
  files: () => ({ 'db/migrations/V1__create_users.sql': 'CREATE TABLE users (id int PRIMARY KEY);\n' }),
  targets: [
    { input: 'history-table', reaches: 'SQL' },
    {
      input: 'database-url',
      reaches: 'process',
      inputs: (p) => ({ 'database-url': `postgres://app:inj-db-pw-0001@127.0.0.1:@DBPORT@/${encodeURIComponent(p)}` }),
    },
    { input: 'migrations', reaches: 'file path' },
    { input: 'backup-dir', reaches: 'file path' },
    { input: 'to-version', reaches: 'SQL' },
  ],
});
