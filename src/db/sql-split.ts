/**
 * Splits a migration file into statements the way the database's own client would: semicolons
 * outside strings, quoted identifiers, comments and (PostgreSQL) dollar-quoted bodies end a
 * statement; MySQL's client-side `DELIMITER` command is honoured. Pure; used for the plan's
 * statement counts, for files that run outside a transaction (one statement per round trip, as
 * `CREATE INDEX CONCURRENTLY` requires), for MySQL, and to map an error back to a file line.
 */

export type Dialect = 'postgres' | 'mysql';

export interface SqlStatement {
  /** The statement without its terminator. */
  text: string;
  /** 1-based line in the file where the statement's first token is. */
  line: number;
  /** 0-based character offset in the file of the statement's first token. */
  offset: number;
}

export function splitStatements(sql: string, dialect: Dialect): SqlStatement[] {
  const out: SqlStatement[] = [];
  let delimiter = ';';
  let i = 0;
  let start = -1; // offset of the current statement's first token, -1 before it
  let line = 1;
  let startLine = 1;
  const n = sql.length;

  const push = (end: number): void => {
    if (start >= 0) {
      const text = sql.slice(start, end).trim();
      if (text !== '') out.push({ text, line: startLine, offset: start });
    }
    start = -1;
  };
  const advanceTo = (j: number): void => {
    for (; i < j && i < n; i++) if (sql[i] === '\n') line++;
  };
  const begin = (): void => {
    if (start < 0) {
      start = i;
      startLine = line;
    }
  };

  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    // MySQL client command at the start of a line: DELIMITER $$
    if (
      dialect === 'mysql' &&
      start < 0 &&
      /^delimiter[ \t]/i.test(sql.slice(i, i + 10)) &&
      (i === 0 || sql[i - 1] === '\n' || /^\s*$/.test(lineBefore(sql, i)))
    ) {
      const eol = sql.indexOf('\n', i);
      const cmdEnd = eol < 0 ? n : eol;
      delimiter = sql.slice(i + 9, cmdEnd).trim() || ';';
      advanceTo(cmdEnd);
      continue;
    }
    if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      advanceTo(eol < 0 ? n : eol);
      continue;
    }
    if (dialect === 'mysql' && c === '#') {
      const eol = sql.indexOf('\n', i);
      advanceTo(eol < 0 ? n : eol);
      continue;
    }
    if (c === '/' && next === '*') {
      // MySQL executable comments /*! ... */ are statement text; PostgreSQL block comments nest.
      if (dialect === 'mysql' && sql[i + 2] === '!') begin();
      advanceTo(skipBlockComment(sql, i, dialect === 'postgres'));
      continue;
    }
    if (/\s/.test(c)) {
      advanceTo(i + 1);
      continue;
    }
    if (sql.startsWith(delimiter, i)) {
      push(i);
      advanceTo(i + delimiter.length);
      continue;
    }
    begin();
    if (c === "'") {
      const backslash = dialect === 'mysql' || isEscapeStringPrefix(sql, i);
      advanceTo(skipQuoted(sql, i, "'", backslash));
      continue;
    }
    if (c === '"') {
      advanceTo(skipQuoted(sql, i, '"', dialect === 'mysql'));
      continue;
    }
    if (c === '`' && dialect === 'mysql') {
      advanceTo(skipQuoted(sql, i, '`', false));
      continue;
    }
    if (c === '$' && dialect === 'postgres') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? ' ')) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        advanceTo(close < 0 ? n : close + tag[0].length);
        continue;
      }
    }
    advanceTo(i + 1);
  }
  push(n);
  return out;
}

function lineBefore(sql: string, i: number): string {
  const sol = sql.lastIndexOf('\n', i - 1);
  return sql.slice(sol + 1, i);
}

function isEscapeStringPrefix(sql: string, i: number): boolean {
  const p = sql[i - 1];
  return (p === 'E' || p === 'e') && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? ' ');
}

/** Offset just past the closing quote (a doubled quote is an escaped one). */
function skipQuoted(sql: string, i: number, quote: string, backslash: boolean): number {
  let j = i + 1;
  while (j < sql.length) {
    const c = sql[j]!;
    if (backslash && c === '\\') {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (sql[j + 1] === quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return sql.length;
}

function skipBlockComment(sql: string, i: number, nests: boolean): number {
  let depth = 0;
  let j = i;
  while (j < sql.length) {
    if (sql[j] === '/' && sql[j + 1] === '*') {
      if (depth === 0 || nests) depth++;
      j += 2;
    } else if (sql[j] === '*' && sql[j + 1] === '/') {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  return sql.length;
}

/** 1-based line of a 0-based character offset in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

const TRANSACTION_CONTROL = /^(begin|commit|rollback|end|start\s+transaction|abort|savepoint|release)\b/i;

/** The first statement that controls transactions itself (BEGIN, COMMIT, …), if any. */
export function findTransactionControl(statements: readonly SqlStatement[]): SqlStatement | undefined {
  // `BEGIN ATOMIC` bodies and `BEGIN NOT ATOMIC` (MariaDB compound) are not transaction control.
  return statements.find((s) => TRANSACTION_CONTROL.test(s.text) && !/^begin\s+(not\s+)?atomic\b/i.test(s.text));
}
