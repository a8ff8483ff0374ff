/**
 * Adopting databases other tools migrated, on the real PostgreSQL and MariaDB: a database left
 * exactly as golang-migrate leaves it (clean and dirty) and one with a Flyway history (V, R and U
 * files, and a failed row), continued by migrate-db. The result is compared, by full schema dump,
 * with applying the same files directly.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, flywayChecksum, migrateTo, parseDatabaseUrl, readMigrationFiles, type MigrateOptions } from '../../../src/db/index.js';
import { runProgram } from '../../../src/exec/run.js';
import { clientEnvironment, mysqlClientArgs, pgConnectionArgs } from '../../../src/db/url.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { createMysqlDatabase, createPgDatabase, loadDbServices, tempDir, useCleanup, writeMigrations, type Services, type TestDatabase } from './databases.js';

let services: Services;
const cleanup = useCleanup();
beforeAll(() => {
  services = loadDbServices();
});

type Kind = 'postgres' | 'mysql';

const text = (kind: Kind, column: string): string => (kind === 'postgres' ? `${column}::text` : `CAST(${column} AS CHAR)`);

async function database(kind: Kind): Promise<TestDatabase> {
  const db = kind === 'postgres' ? await createPgDatabase(services, 'dk_adopt') : await createMysqlDatabase(services, 'dk_adopt');
  cleanup(() => db.drop());
  return db;
}

function options(db: TestDatabase, kind: Kind, dir: string, extra: Partial<MigrateOptions> = {}): MigrateOptions {
  const files = readMigrationFiles(dir, kind);
  return {
    target: parseDatabaseUrl(db.url),
    migrations: files.migrations,
    repeatables: files.repeatables,
    backupDir: tempDir(),
    lockTimeoutMs: 20_000,
    appliedBy: 'vitest',
    ...extra,
  };
}

/** Runs a file as the other tool does: the whole file through the engine's client, one statement list. */
async function runFile(db: TestDatabase, kind: Kind, dir: string, file: string): Promise<void> {
  const t = parseDatabaseUrl(db.url);
  const path = join(dir, file);
  if (kind === 'postgres')
    await runProgram('psql', [...pgConnectionArgs(t), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-f', path], { env: clientEnvironment(t) });
  else await runProgram('mysql', [...mysqlClientArgs(t), t.database, `--execute=source ${path}`], { env: clientEnvironment(t) });
}

/** The schema (no data) with the bookkeeping tables left out: what the migrations made. */
async function schemaDump(db: TestDatabase, kind: Kind): Promise<string> {
  const t = parseDatabaseUrl(db.url);
  const skip = ['deploy_kit_migrations', 'deploy_kit_migrations_repeatables', 'schema_migrations', 'flyway_schema_history'];
  if (kind === 'postgres') {
    const r = await runProgram('pg_dump', [...pgConnectionArgs(t), '--schema-only', '--no-owner', ...skip.map((s) => `--exclude-table=${s}`)], {
      env: clientEnvironment(t),
    });
    return r.stdout.replace(/^\\(un)?restrict .*$/gm, '');
  }
  const r = await runProgram(
    'mysqldump',
    [...mysqlClientArgs(t), '--no-data', '--routines', '--triggers', '--skip-dump-date', ...skip.map((s) => `--ignore-table=${t.database}.${s}`), t.database],
    { env: clientEnvironment(t) },
  );
  return r.stdout.replace(/AUTO_INCREMENT=\d+ /g, '');
}

async function comparable(db: TestDatabase, kind: Kind, other: TestDatabase): Promise<void> {
  const strip = (dump: string, name: string) => dump.replaceAll(name, 'DB');
  const mine = strip(await schemaDump(db, kind), db.name);
  expect(mine).toMatch(/CREATE TABLE \S*people/);
  expect(mine).toBe(strip(await schemaDump(other, kind), other.name));
}

// Migrations of the kinds real projects have: an enum, a function, and one that alters the tool's own history table.
const golangFiles: Record<Kind, Record<string, string>> = {
  postgres: {
    '0001_mood.up.sql': "CREATE TYPE mood AS ENUM ('happy', 'sad');\nCREATE TABLE people (id bigserial PRIMARY KEY, name text NOT NULL, mood mood);\n",
    '0001_mood.down.sql': 'DROP TABLE people;\nDROP TYPE mood;\n',
    '0002_touch.up.sql':
      'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.name := trim(NEW.name);\n  RETURN NEW;\nEND;\n$$;\nCREATE TRIGGER people_touch BEFORE INSERT ON people FOR EACH ROW EXECUTE FUNCTION touch();\n',
    '0002_touch.down.sql': 'DROP TRIGGER people_touch ON people;\nDROP FUNCTION touch();\n',
    '0003_history_note.up.sql': 'ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS note text;\n',
    '0003_history_note.down.sql': 'ALTER TABLE schema_migrations DROP COLUMN IF EXISTS note;\n',
    '0004_more_moods.up.sql': "ALTER TYPE mood ADD VALUE 'calm';\n",
    '0005_orders.up.sql':
      'CREATE TABLE orders (id bigserial PRIMARY KEY, person bigint REFERENCES people (id));\nCREATE INDEX orders_person ON orders (person);\n',
    '0005_orders.down.sql': 'DROP TABLE orders;\n',
  },
  mysql: {
    '0001_mood.up.sql': "CREATE TABLE people (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, mood ENUM('happy', 'sad'));\n",
    '0001_mood.down.sql': 'DROP TABLE people;\n',
    '0002_touch.up.sql':
      'DELIMITER //\nCREATE FUNCTION shout(s VARCHAR(100)) RETURNS VARCHAR(100) DETERMINISTIC\nBEGIN\n  RETURN UPPER(s);\nEND//\nDELIMITER ;\n',
    '0002_touch.down.sql': 'DROP FUNCTION shout;\n',
    '0003_history_note.up.sql': 'ALTER TABLE schema_migrations ADD COLUMN note VARCHAR(100) NULL;\n',
    '0003_history_note.down.sql': 'ALTER TABLE schema_migrations DROP COLUMN note;\n',
    '0004_more_moods.up.sql': "ALTER TABLE people MODIFY mood ENUM('happy', 'sad', 'calm');\n",
    '0005_orders.up.sql': 'CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, person BIGINT, FOREIGN KEY (person) REFERENCES people (id));\n',
    '0005_orders.down.sql': 'DROP TABLE orders;\n',
  },
};

/** The database as golang-migrate leaves it after `migrate up N`: its table, one row, the files applied. */
async function golangMigrated(db: TestDatabase, kind: Kind, dir: string, upTo: number, dirty = false): Promise<void> {
  await db.query('CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null)');
  const ups = Object.keys(golangFiles[kind])
    .filter((f) => f.endsWith('.up.sql'))
    .sort();
  for (const f of ups.slice(0, upTo)) await runFile(db, kind, dir, f);
  await db.query('DELETE FROM schema_migrations');
  await db.query(`INSERT INTO schema_migrations (version, dirty) VALUES (${upTo}, ${dirty ? 'true' : 'false'})`);
}

for (const kind of ['postgres', 'mysql'] as const) {
  describe(`adopting a golang-migrate database (${kind === 'postgres' ? 'PostgreSQL' : 'MariaDB'}, real server)`, () => {
    it('a clean state: its history is imported, the rest applied, its table left as it was; the schema equals applying the files directly', async () => {
      const db = await database(kind);
      const dir = writeMigrations(golangFiles[kind]);
      await golangMigrated(db, kind, dir, 3);
      const golangRows = `SELECT ${text(kind, 'version')} AS version, dirty FROM schema_migrations`;
      const before = await db.query(golangRows);
      const r = await applyMigrations(options(db, kind, dir, { backup: false }));
      expect(r.imported).toEqual({ tool: 'golang-migrate', table: 'schema_migrations', versions: 3, repeatables: 0 });
      expect(r.previousVersion).toBe('3');
      expect(r.applied.map((a) => a.version)).toEqual(['4', '5']);
      expect(r.currentVersion).toBe('5');
      const rows = await db.query<{ version: string; applied_by: string }>(
        `SELECT ${text(kind, 'version')} AS version, applied_by FROM deploy_kit_migrations ORDER BY version_key`,
      );
      expect(rows.map((x) => x.version)).toEqual(['1', '2', '3', '4', '5']);
      expect(rows[0]!.applied_by).toMatch(/imported from golang-migrate \(schema_migrations\)/);
      expect(await db.query(golangRows)).toEqual(before);
      // A second run finds deploy-kit's own history and applies nothing.
      expect((await applyMigrations(options(db, kind, dir, { backup: false }))).applied).toEqual([]);
      // Down again through the imported rows, with the files' down scripts.
      const down = await migrateTo('4', options(db, kind, dir, { backup: false, allowDown: true }));
      expect(down.applied.map((a) => a.file)).toEqual(['0005_orders.down.sql']);
    });

    it('a dirty state stops the run naming the version and what to do, and writes nothing', async () => {
      const db = await database(kind);
      const dir = writeMigrations(golangFiles[kind]);
      await golangMigrated(db, kind, dir, 2, true);
      const err = await applyMigrations(options(db, kind, dir, { backup: false })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigurationError);
      expect((err as Error).message).toMatch(/golang-migrate left version 2 dirty in schema_migrations.*migrate force 2/);
      const tables = await db.query<Record<string, string>>(
        kind === 'postgres' ? "SELECT tablename AS t FROM pg_tables WHERE tablename LIKE 'deploy_kit%'" : "SHOW TABLES LIKE 'deploy_kit%'",
      );
      expect(tables).toEqual([]);
    });

    it('the result equals the files applied directly, by full schema dump', async () => {
      const adopted = await database(kind);
      const direct = await database(kind);
      const dir = writeMigrations(golangFiles[kind]);
      await golangMigrated(adopted, kind, dir, 3);
      await applyMigrations(options(adopted, kind, dir, { backup: false }));
      await golangMigrated(direct, kind, dir, 5);
      await comparable(adopted, kind, direct);
    });
  });
}

const flywayDdl: Record<Kind, string[]> = {
  postgres: [
    `CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL)`,
    'ALTER TABLE "flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank")',
    'CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success")',
  ],
  mysql: [
    'CREATE TABLE `flyway_schema_history` (`installed_rank` INT NOT NULL, `version` VARCHAR(50), `description` VARCHAR(200) NOT NULL, `type` VARCHAR(20) NOT NULL, `script` VARCHAR(1000) NOT NULL, `checksum` INT, `installed_by` VARCHAR(100) NOT NULL, `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, `execution_time` INT NOT NULL, `success` BOOL NOT NULL, CONSTRAINT `flyway_schema_history_pk` PRIMARY KEY (`installed_rank`)) ENGINE=InnoDB',
    'CREATE INDEX `flyway_schema_history_s_idx` ON `flyway_schema_history` (`success`)',
  ],
};

const flywayFiles: Record<Kind, Record<string, string>> = {
  postgres: {
    'V1__people.sql': "CREATE TYPE mood AS ENUM ('happy', 'sad');\nCREATE TABLE people (id bigserial PRIMARY KEY, name text NOT NULL, mood mood);\n",
    'V2__orders.sql': 'CREATE TABLE orders (id bigserial PRIMARY KEY, person bigint REFERENCES people (id));\n',
    'U2__orders.sql': 'DROP TABLE orders;\n',
    'V3__order_total.sql': 'ALTER TABLE orders ADD COLUMN total numeric(12,2) NOT NULL DEFAULT 0;\n',
    'U3__order_total.sql': 'ALTER TABLE orders DROP COLUMN total;\n',
    'R__people_view.sql': 'CREATE OR REPLACE VIEW people_names AS SELECT id, name FROM people;\n',
  },
  mysql: {
    'V1__people.sql': "CREATE TABLE people (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, mood ENUM('happy', 'sad'));\n",
    'V2__orders.sql': 'CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, person BIGINT, FOREIGN KEY (person) REFERENCES people (id));\n',
    'U2__orders.sql': 'DROP TABLE orders;\n',
    'V3__order_total.sql': 'ALTER TABLE orders ADD COLUMN total DECIMAL(12,2) NOT NULL DEFAULT 0;\n',
    'U3__order_total.sql': 'ALTER TABLE orders DROP COLUMN total;\n',
    'R__people_view.sql': 'CREATE OR REPLACE VIEW people_names AS SELECT id, name FROM people;\n',
  },
};

/** The database as `flyway migrate` leaves it after V1, V2 and the repeatable view; `failed` adds a failed V3 row. */
async function flywayMigrated(db: TestDatabase, kind: Kind, dir: string, failed = false): Promise<void> {
  for (const sql of flywayDdl[kind]) await db.query(sql);
  const rows: Array<[number, string | null, string, string, boolean]> = [
    [1, '1', 'people', 'V1__people.sql', true],
    [2, '2', 'orders', 'V2__orders.sql', true],
    [3, null, 'people view', 'R__people_view.sql', true],
  ];
  if (failed) rows.push([4, '3', 'order total', 'V3__order_total.sql', false]);
  for (const [rank, version, description, script, success] of rows) {
    if (success) await runFile(db, kind, dir, script);
    const checksum = flywayChecksum(readFileSync(join(dir, script), 'utf8'));
    await db.query(
      `INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (${rank}, ${version === null ? 'NULL' : `'${version}'`}, '${description}', 'SQL', '${script}', ${checksum}, 'flyway_user', 12, ${success ? 'true' : 'false'})`,
    );
  }
}

for (const kind of ['postgres', 'mysql'] as const) {
  describe(`adopting a Flyway database (${kind === 'postgres' ? 'PostgreSQL' : 'MariaDB'}, real server)`, () => {
    it('imports V and R rows, applies V3, re-applies R only when it changes, and undoes with U files; schema equals the files applied directly', async () => {
      const db = await database(kind);
      const dir = writeMigrations(flywayFiles[kind]);
      await flywayMigrated(db, kind, dir);
      const r = await applyMigrations(options(db, kind, dir, { backup: false, importHistory: 'flyway' }));
      expect(r.imported).toEqual({ tool: 'flyway', table: 'flyway_schema_history', versions: 2, repeatables: 1 });
      expect(r.applied.map((a) => a.file)).toEqual(['V3__order_total.sql']);
      const direct = await database(kind);
      for (const f of ['V1__people.sql', 'V2__orders.sql', 'R__people_view.sql', 'V3__order_total.sql']) await runFile(direct, kind, dir, f);
      await comparable(db, kind, direct);

      writeFileSync(join(dir, 'R__people_view.sql'), 'CREATE OR REPLACE VIEW people_names AS SELECT id, name, mood FROM people;\n');
      const again = await applyMigrations(options(db, kind, dir, { backup: false }));
      expect(again.applied.map((a) => a.file)).toEqual(['R__people_view.sql']);
      expect((await applyMigrations(options(db, kind, dir, { backup: false }))).applied).toEqual([]);

      const down = await migrateTo('1', options(db, kind, dir, { backup: false, allowDown: true }));
      expect(down.applied.map((a) => a.file)).toEqual(['U3__order_total.sql', 'U2__orders.sql']);
      expect(down.currentVersion).toBe('1');
      const count = await db.query<{ n: unknown }>('SELECT COUNT(*) AS n FROM flyway_schema_history');
      expect(Number(count[0]!.n)).toBe(3); // Flyway's table is left as it was
    });

    it('a failed Flyway row stops the run naming the version and `flyway repair`, and writes nothing', async () => {
      const db = await database(kind);
      const dir = writeMigrations(flywayFiles[kind]);
      await flywayMigrated(db, kind, dir, true);
      const err = await applyMigrations(options(db, kind, dir, { backup: false })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigurationError);
      expect((err as Error).message).toMatch(/failed row: version 3 \(V3__order_total\.sql, installed rank 4\).*flyway repair/);
      const tables = await db.query<Record<string, string>>(
        kind === 'postgres' ? "SELECT tablename AS t FROM pg_tables WHERE tablename LIKE 'deploy_kit%'" : "SHOW TABLES LIKE 'deploy_kit%'",
      );
      expect(tables).toEqual([]);
    });
  });
}
