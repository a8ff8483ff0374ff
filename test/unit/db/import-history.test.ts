import { describe, expect, it } from 'vitest';
import { buildMigrationFiles, parseMigrationFileName, substitutePlaceholders } from '../../../src/db/files.js';
import { chooseForeignTool, flywayChecksum, importFlyway, importGolangMigrate, isGolangMigrateTable, type FlywayRow } from '../../../src/db/import-history.js';
import { planMigrations } from '../../../src/db/plan.js';
import { readPlaceholders } from '../../../src/db/settings.js';
import { Inputs } from '../../../src/runtime/inputs.js';
import { SecretRegistry } from '../../../src/runtime/secrets.js';

const files = buildMigrationFiles(
  [
    { name: 'V1__a.sql', content: 'CREATE TABLE a (id int);\n' },
    { name: 'V2__b.sql', content: 'CREATE TABLE b (id int);\n' },
    { name: 'U2__b.sql', content: 'DROP TABLE b;\n' },
    { name: 'V3__c.sql', content: 'CREATE TABLE c (id int);\n' },
    { name: 'R__v.sql', content: 'CREATE OR REPLACE VIEW v AS SELECT 1;\n' },
    { name: 'R__w.sql', content: 'CREATE OR REPLACE VIEW w AS SELECT 2;\n' },
  ],
  'postgres',
  'db',
);

const row = (rank: number, version: string | null, script: string, extra: Partial<FlywayRow> = {}): FlywayRow => ({
  installed_rank: rank,
  version,
  description: script,
  type: 'SQL',
  script,
  checksum: null,
  installed_by: 'fw',
  execution_time: 5,
  success: true,
  ...extra,
});

describe('Flyway file kinds', () => {
  it('reads R__ files as repeatables in name order, U files as down files; rejects B baseline files naming them', () => {
    expect(files.repeatables.map((r) => r.name)).toEqual(['R__v.sql', 'R__w.sql']);
    expect(files.migrations.find((m) => m.version === '2')?.down?.file).toBe('U2__b.sql');
    expect(parseMigrationFileName('R__v.sql')).toMatchObject({ version: '', repeatable: true });
    expect(() => parseMigrationFileName('B5__base.sql')).toThrow(/"B5__base\.sql" is a Flyway baseline migration/);
  });

  it('plans repeatables after the versioned files, only when new or changed, and not on the way down', () => {
    const plan = planMigrations(files.migrations, [], {
      repeatables: files.repeatables,
      repeatableHistory: new Map([['R__v.sql', files.repeatables[0]!.script.checksum]]),
    });
    expect(plan.steps.map((s) => s.script.file)).toEqual(['V1__a.sql', 'V2__b.sql', 'V3__c.sql', 'R__w.sql']);
    const history = ['1', '2'].map((v) => ({ version: v, name: v, checksum: files.migrations.find((m) => m.version === v)!.up!.checksum }));
    const down = planMigrations(files.migrations, history, { toVersion: '1', allowDown: true, repeatables: files.repeatables });
    expect(down.steps.map((s) => s.script.file)).toEqual(['U2__b.sql']);
    expect(down.steps.every((s) => !s.repeatable)).toBe(true);
  });
});

describe('placeholders', () => {
  it('substitutes ${name}, keeps the checksum of the file as written, and names file and line of an unknown one', () => {
    const set = buildMigrationFiles([{ name: 'V1__a.sql', content: 'GRANT SELECT ON a TO ${app_user};\n' }], 'postgres', 'db', { app_user: 'web' });
    const plain = buildMigrationFiles([{ name: 'V1__a.sql', content: 'GRANT SELECT ON a TO ${app_user};\n' }], 'postgres', 'db', { app_user: 'other' });
    expect(set.migrations[0]!.up!.sql).toBe('GRANT SELECT ON a TO web;\n');
    expect(set.migrations[0]!.up!.checksum).toBe(plain.migrations[0]!.up!.checksum);
    expect(() => substitutePlaceholders('SELECT 1;\nSELECT ${nope};', {}, 'db/V2__x.sql')).toThrow(/db\/V2__x\.sql line 2 uses the placeholder \$\{nope\}/);
  });

  it('reads name=value lines; secret-placeholders values are masked as read; a name in both is an error', () => {
    const masked: string[] = [];
    const inputs = (v: Record<string, string>) =>
      new Inputs(
        (n) => v[n] ?? '',
        new SecretRegistry(),
        () => undefined,
        '/ws',
      );
    expect(readPlaceholders(inputs({ placeholders: 'schema=app\nowner: "admin"', 'secret-placeholders': 'pw=s3cr3t' }), (x) => masked.push(x))).toEqual({
      schema: 'app',
      owner: 'admin',
      pw: 's3cr3t',
    });
    expect(masked).toEqual(['s3cr3t']);
    expect(readPlaceholders(inputs({}), () => undefined)).toBeUndefined();
    expect(() => readPlaceholders(inputs({ placeholders: 'a=1', 'secret-placeholders': 'a=2' }), () => undefined)).toThrow(/both define a/);
    expect(() => readPlaceholders(inputs({ placeholders: 'just text' }), () => undefined)).toThrow(/placeholders line 1/);
  });
});

describe('importing golang-migrate history', () => {
  it('records every file up to its version; nil version and an empty table import nothing', () => {
    const imported = importGolangMigrate([{ version: '2', dirty: false }], files.migrations);
    expect(imported.rows.map((r) => r.version)).toEqual(['1', '2']);
    expect(imported.rows[0]!.checksum).toBe(files.migrations[0]!.up!.checksum);
    expect(importGolangMigrate([], files.migrations).rows).toEqual([]);
    expect(importGolangMigrate([{ version: '-1', dirty: false }], files.migrations).rows).toEqual([]);
  });
  it('stops on a dirty state and on a version with no file', () => {
    expect(() => importGolangMigrate([{ version: '2', dirty: true }], files.migrations)).toThrow(/left version 2 dirty.*migrate force 2/);
    expect(() => importGolangMigrate([{ version: '7', dirty: false }], files.migrations)).toThrow(/at version 7, but no migration file/);
  });
  it('recognises its table even when a migration added a column to it, but not ours', () => {
    expect(isGolangMigrateTable(['version', 'dirty'])).toBe(true);
    expect(isGolangMigrateTable(['version', 'dirty', 'note'])).toBe(true);
    expect(isGolangMigrateTable(['version', 'version_key', 'dirty'])).toBe(false);
  });
});

describe('importing Flyway history', () => {
  const sum = (file: string) =>
    flywayChecksum(
      files.migrations.flatMap((m) => [m.up, m.down]).find((s) => s?.file === file)?.sql ?? files.repeatables.find((r) => r.name === file)!.script.sql,
    );
  it('applies versioned rows in rank order, removes undone ones, keeps a repeatable whose checksum matches', () => {
    const imported = importFlyway(
      [
        row(1, '1', 'V1__a.sql', { checksum: sum('V1__a.sql') }),
        row(2, '2', 'V2__b.sql', { checksum: sum('V2__b.sql') }),
        row(3, null, 'R__v.sql', { checksum: sum('R__v.sql') }),
        row(4, null, 'R__w.sql', { checksum: 12345 }),
        row(5, '2', 'U2__b.sql', { type: 'UNDO_SQL' }),
      ],
      files.migrations,
      files.repeatables,
    );
    expect(imported.rows.map((r) => r.version)).toEqual(['1']);
    expect(imported.repeatables.map((r) => r.name)).toEqual(['R__v.sql']);
  });
  it('imports a baseline row; a failed row, a changed file or a missing file stop the run', () => {
    expect(importFlyway([row(1, '5', '<< Flyway Baseline >>', { type: 'BASELINE' })], files.migrations, []).rows[0]).toMatchObject({
      version: '5',
      name: '<< baseline >>',
      checksum: null,
    });
    expect(() => importFlyway([row(1, '1', 'V1__a.sql', { success: false })], files.migrations, [])).toThrow(/failed row: version 1.*flyway repair/);
    expect(() => importFlyway([row(1, '1', 'V1__a.sql', { checksum: 42 })], files.migrations, [])).toThrow(/V1__a\.sql was changed after Flyway applied it/);
    expect(importFlyway([row(1, '1', 'V1__a.sql', { checksum: 42 })], files.migrations, [], { allowChanged: true }).rows).toHaveLength(1);
    expect(() => importFlyway([row(1, '9', 'V9__gone.sql')], files.migrations, [])).toThrow(/version 9 .* no migration file/);
  });
  it("Flyway's checksum: CRC-32 of the lines without terminators, so line endings and a BOM do not change it", () => {
    expect(flywayChecksum('a\nb\n')).toBe(flywayChecksum('\uFEFFa\r\nb'));
    expect(flywayChecksum('a\nb\n')).toBe(flywayChecksum('ab')); // Flyway's own quirk: lines are concatenated
    expect(flywayChecksum('a\nb\n')).not.toBe(flywayChecksum('a\nc\n'));
    expect(Number.isInteger(flywayChecksum('x')) && flywayChecksum('x') >= -(2 ** 31) && flywayChecksum('x') < 2 ** 31).toBe(true);
  });
  it('auto takes whichever history is there; both is an error; a named one must be there', () => {
    expect(chooseForeignTool('auto', { golangMigrate: true, flyway: false })).toBe('golang-migrate');
    expect(chooseForeignTool('auto', { golangMigrate: false, flyway: false })).toBeUndefined();
    expect(() => chooseForeignTool('auto', { golangMigrate: true, flyway: true })).toThrow(/both/);
    expect(() => chooseForeignTool('flyway', { golangMigrate: true, flyway: false })).toThrow(/no flyway_schema_history/);
    expect(chooseForeignTool('none', { golangMigrate: true, flyway: true })).toBeUndefined();
  });
});
