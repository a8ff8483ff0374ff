/**
 * The bad-input corpus runner: each case is run through the action's real bundle with one thing wrong,
 * against side-effect sensors (test/support/side-effects.ts), and must be rejected before anything is
 * touched — no Docker write, no database connection, no HTTP request, no file written under the
 * sensors' root — with exactly one `::error::` line that names the input and no stack trace.
 *
 * A case whose hole belongs to another piece of work (issue #12's other sections) is marked `known`
 * and runs as `it.fails`: the test flips to a plain `it` when that fix lands.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, repoRoot, type ActionRun } from '../../harness/run-action.js';
import { startSensors, type Sensors } from '../../support/side-effects.js';

export interface BadInputCase {
  name: string;
  /** Inputs merged over the action's valid base inputs (an empty string unsets one). */
  inputs?: Record<string, string>;
  /** Files written to the workspace before the case (paths relative to it). */
  files?: Record<string, string>;
  env?: Record<string, string>;
  /** What the one error line must contain: the input (or field) it names. */
  names: string | RegExp;
  /** A hole another engineer's branch closes (issue #12 section), run as it.fails until then. */
  known?: string;
}

export interface Corpus {
  action: string;
  /** Valid inputs that would do real work if nothing were wrong. */
  base(s: Sensors): Record<string, string>;
  /** Workspace files the base inputs refer to. */
  files?(s: Sensors): Record<string, string>;
  env?(s: Sensors): Record<string, string>;
  /**
   * The table. Strings in inputs, files and env may hold placeholders filled from the sensors: @HTTP@
   * (http://127.0.0.1:PORT of the recording server), @HTTPHOST@ (127.0.0.1:PORT), @DBPORT@, @ROOT@,
   * @OUTSIDE@, @WORKSPACE@, @ID@ (unique, lower-case).
   */
  cases: BadInputCase[];
}

/** Fills the placeholders of a case's strings from the sensors. */
export function fill(s: Sensors, text: string): string {
  return text
    .replaceAll('@HTTPHOST@', s.httpHost)
    .replaceAll('@HTTP@', s.http.url)
    .replaceAll('@DBPORT@', String(s.dbPort))
    .replaceAll('@ROOT@', s.root)
    .replaceAll('@OUTSIDE@', s.outside)
    .replaceAll('@WORKSPACE@', s.workspace)
    .replaceAll('@ID@', s.id);
}

export function fillAll(s: Sensors, record: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [fill(s, k), fill(s, v)]));
}

const STACK = /^\s+at .+(?:\(.+:\d+:\d+\)|:\d+:\d+)$/m;

interface CaseResult {
  name: string;
  ms: number;
  rejected: boolean;
}

/** Registers one `it` per case of the table. */
export function badInputCorpus(corpus: Corpus): void {
  describe(`${corpus.action}: bad-input corpus (rejected before any side effect)`, () => {
    let sensors: Sensors;
    const results: CaseResult[] = [];

    beforeAll(async () => {
      sensors = await startSensors(corpus.action);
      sensors.write(corpus.files?.(sensors) ?? {});
      sensors.reset();
    });
    afterAll(async () => {
      writeFigures(corpus.action, results);
      await sensors?.close();
    });

    it('the table has at least 30 cases, each name once', () => {
      expect(corpus.cases.length).toBeGreaterThanOrEqual(30);
      expect(new Set(corpus.cases.map((c) => c.name)).size).toBe(corpus.cases.length);
    });

    for (const c of corpus.cases) {
      const { name, known } = c;
      const test = known ? it.fails : it;
      test(`${corpus.action} rejects: ${name}${known ? ` [known: ${known}]` : ''}`, { timeout: 150_000 }, async () => {
        sensors.write(fillAll(sensors, c.files));
        sensors.reset();
        const inputs = { ...corpus.base(sensors), ...fillAll(sensors, c.inputs) };
        const run = await runAction(corpus.action, {
          cwd: sensors.workspace,
          inputs,
          env: { ...sensors.env, ...corpus.env?.(sensors), ...fillAll(sensors, c.env) },
          // A known hole can hang until the timer fires (a 30-day duration overflowing to 1 ms): not for long.
          timeoutMs: known ? 8_000 : 120_000,
        });
        const reading = sensors.reading();
        const result: CaseResult = { name, ms: Math.round(run.durationMs), rejected: false };
        results.push(result);
        assertRejected(run, c, reading);
        result.rejected = true;
      });
    }
  });
}

function assertRejected(run: ActionRun, c: BadInputCase, reading: ReturnType<Sensors['reading']>): void {
  const context = `${c.name}\n--- log ---\n${run.log.slice(0, 4000)}`;
  expect(reading, context).toEqual({ dockerWrites: [], dbConnections: 0, httpRequests: [], filesChanged: [] });
  expect(run.exitCode, context).toBe(1);
  expect(run.errors, context).toHaveLength(1);
  const error = run.errors[0]!;
  if (typeof c.names === 'string') expect(error, context).toContain(c.names);
  else expect(error, context).toMatch(c.names);
  expect(run.log, context).not.toMatch(STACK);
  expect(
    Object.keys(run.outputs).filter((k) => k !== 'error'),
    context,
  ).toEqual([]);
}

/** Per-action timings for scripts/reliability.mjs (cases slower than 2 s are findings). */
function writeFigures(action: string, results: CaseResult[]): void {
  const dir = join(repoRoot, 'test-results', 'reliability');
  mkdirSync(dir, { recursive: true });
  const slow = results.filter((r) => r.ms > 2000).map((r) => ({ name: r.name, ms: r.ms }));
  writeFileSync(
    join(dir, `bad-input-${action}.json`),
    JSON.stringify(
      { action, cases: results.length, rejected: results.filter((r) => r.rejected).length, maxMs: Math.max(0, ...results.map((r) => r.ms)), slow },
      null,
      2,
    ) + '\n',
  );
}
