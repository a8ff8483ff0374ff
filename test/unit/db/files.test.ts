import { describe, expect, it } from 'vitest';
import { buildMigrationSet, checksumOf, hasNoTransactionMarker, parseMigrationFileName } from '../../../src/db/files.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';

describe('migration file names', () => {
  it('accepts Flyway and golang-migrate names with integer or dotted versions', () => {
    expect(parseMigrationFileName('V3__add_users.sql')).toEqual({ version: '3', name: 'add users', direction: 'up', style: 'flyway' });
    expect(parseMigrationFileName('V1_2__x.sql')?.version).toBe('1.2');
    expect(parseMigrationFileName('V1.2.10__x.sql')?.version).toBe('1.2.10');
    expect(parseMigrationFileName('U3__add_users.sql')?.direction).toBe('down');
    expect(parseMigrationFileName('0003_add_users.up.sql')).toEqual({ version: '3', name: 'add users', direction: 'up', style: 'golang-migrate' });
    expect(parseMigrationFileName('20240101120000_init.down.sql')?.direction).toBe('down');
  });
  it('ignores files that are not SQL and names malformed SQL files in the error', () => {
    expect(parseMigrationFileName('README.md')).toBeUndefined();
    expect(() => parseMigrationFileName('add_users.sql')).toThrow(/"add_users\.sql" is not a migration file name/);
    expect(() => parseMigrationFileName('V3_add_users.sql')).toThrow(ConfigurationError);
    expect(() => parseMigrationFileName('3_add.sideways.sql')).toThrow(/3_add\.sideways\.sql/);
  });
});

describe('buildMigrationSet', () => {
  const f = (name: string, content = 'SELECT 1;') => ({ name, content });
  it('orders by version, pairs up and down files, and reads the no-transaction marker', () => {
    const set = buildMigrationSet(
      [f('10_j.up.sql'), f('9_i.up.sql'), f('9_i.down.sql'), f('1.10_h.up.sql', '-- deploy-kit:no-transaction\nCREATE INDEX CONCURRENTLY x ON t (a);')],
      'postgres',
      'db',
    );
    expect(set.map((m) => m.version)).toEqual(['1.10', '9', '10']);
    expect(set[0]!.up!.transactional).toBe(false);
    expect(set[0]!.up!.path).toBe('db/1.10_h.up.sql');
    expect(set[1]!.down?.file).toBe('9_i.down.sql');
  });
  it('refuses duplicate versions, naming both files', () => {
    expect(() => buildMigrationSet([f('V1__a.sql'), f('1_b.up.sql')], 'postgres')).toThrow(/"V1__a\.sql" and "1_b\.up\.sql" both have version 1/);
    expect(() => buildMigrationSet([f('V1__a.sql'), f('V1.0__b.sql')], 'postgres')).toThrow(/both have version 1/);
  });
  it('refuses a down file without its up file', () => {
    expect(() => buildMigrationSet([f('1_a.up.sql'), f('2_b.down.sql')], 'postgres')).toThrow(/"2_b\.down\.sql" is a down migration without its up migration/);
  });
  it('refuses a transactional file that commits itself, at its line', () => {
    const err = (() => {
      try {
        buildMigrationSet([f('V1__a.sql', 'CREATE TABLE a (id int);\nCOMMIT;')], 'postgres', 'db');
      } catch (e) {
        return e as ConfigurationError;
      }
    })();
    expect(err?.message).toMatch(/V1__a\.sql line 2 manages the transaction itself/);
    expect(err?.line).toBe(2);
    expect(() => buildMigrationSet([f('V1__a.sql', '-- deploy-kit:no-transaction\nVACUUM a;\nCOMMIT;')], 'postgres')).not.toThrow();
  });
  it('checksums ignore line endings and a BOM, not content', () => {
    expect(checksumOf('SELECT 1;\r\n')).toBe(checksumOf('\uFEFFSELECT 1;\n'));
    expect(checksumOf('SELECT 1;')).not.toBe(checksumOf('SELECT 2;'));
    expect(hasNoTransactionMarker('  -- deploy-kit:no-transaction  \nSELECT 1')).toBe(true);
    expect(hasNoTransactionMarker('SELECT 1 -- deploy-kit:no-transaction')).toBe(false);
  });
});
