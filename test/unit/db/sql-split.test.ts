import { describe, expect, it } from 'vitest';
import { findTransactionControl, lineAt, splitStatements } from '../../../src/db/sql-split.js';

const texts = (sql: string, d: 'postgres' | 'mysql' = 'postgres') => splitStatements(sql, d).map((s) => s.text);

describe('splitStatements', () => {
  it('splits on semicolons and records each statement line', () => {
    const s = splitStatements('CREATE TABLE a (id int);\n\n-- comment; not a statement\nINSERT INTO a VALUES (1);\nSELECT 1', 'postgres');
    expect(s.map((x) => [x.text, x.line])).toEqual([
      ['CREATE TABLE a (id int)', 1],
      ['INSERT INTO a VALUES (1)', 4],
      ['SELECT 1', 5],
    ]);
  });
  it('keeps semicolons inside strings, quoted identifiers, block comments and dollar quotes', () => {
    expect(texts(`INSERT INTO t VALUES ('a;b', 'it''s; ok');SELECT "we;ird" FROM x;`)).toHaveLength(2);
    expect(texts('/* a; /* nested; */ still comment; */ SELECT 1; SELECT 2')).toEqual(['SELECT 1', 'SELECT 2']);
    const fn = 'CREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1;\nEND;\n$body$ LANGUAGE plpgsql;\nSELECT $$;$$;';
    expect(texts(fn)).toHaveLength(2);
    expect(texts("SELECT E'\\';' ; SELECT 2")).toEqual(["SELECT E'\\';'", 'SELECT 2']);
  });
  it('does not take $1 parameters or identifiers with $ for dollar quotes', () => {
    expect(texts('PREPARE p AS SELECT $1; SELECT a$b$ FROM t;')).toHaveLength(2);
  });
  it('MySQL: backticks, # comments, backslash escapes and DELIMITER blocks', () => {
    const sql = "INSERT INTO `a;b` VALUES ('x\\';y'); # note; here\nDELIMITER $$\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\nEND$$\nDELIMITER ;\nSELECT 2;";
    const s = splitStatements(sql, 'mysql');
    expect(s.map((x) => x.line)).toEqual([1, 3, 8]);
    expect(s[1]!.text).toMatch(/^CREATE PROCEDURE p\(\)\nBEGIN\n {2}SELECT 1;\nEND$/);
  });
  it('counts nothing in a file of comments', () => {
    expect(texts('-- only a comment\n/* and another */\n')).toEqual([]);
  });
  it('lineAt maps offsets to 1-based lines', () => {
    expect(lineAt('a\nb\nc', 0)).toBe(1);
    expect(lineAt('a\nb\nc', 4)).toBe(3);
  });
  it('finds statements that manage the transaction themselves, but not BEGIN ATOMIC bodies', () => {
    expect(findTransactionControl(splitStatements('BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;', 'postgres'))?.line).toBe(1);
    expect(findTransactionControl(splitStatements('CREATE TABLE a (id int);\nSTART TRANSACTION;', 'mysql'))?.line).toBe(2);
    expect(findTransactionControl(splitStatements('CREATE TABLE a (id int);', 'postgres'))).toBeUndefined();
  });
});
