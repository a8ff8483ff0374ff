/**
 * The injection corpus: shell metacharacters, newlines, `--flag` values and `../` paths through every input
 * that reaches a process argument, a file path or SQL, each run through the action's real bundle against the
 * side-effect sensors (test/support/side-effects.ts). Every `touch` payload aims at a canary file under the
 * sensors' root, which must never appear; no file may appear or change outside the workspace. Being
 * rejected (one error line naming the input, no stack trace) and being passed through literally are both
 * fine; the outcome of each case is written for scripts/reliability.mjs.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, repoRoot } from '../../harness/run-action.js';
import { startSensors, type Sensors } from '../../support/side-effects.js';
import { fill, fillAll } from '../bad-input/corpus.js';

export interface Payload {
  name: string;
  /** @CANARY@ is the file a `touch` would create. */
  value: string;
}

export const PAYLOADS: Payload[] = [
  { name: '$(…)', value: 'x$(touch @CANARY@)' },
  { name: 'backticks', value: 'x`touch @CANARY@`' },
  { name: ';', value: 'x; touch @CANARY@' },
  { name: 'newline', value: 'x\ntouch @CANARY@' },
  { name: '| and &&', value: 'x | touch @CANARY@ && touch @CANARY@' },
  { name: '--flag', value: '--output=type=local,dest=@OUTSIDE@/flag-out' },
  { name: '../ traversal', value: '../outside/traversal' },
];

export interface InjectionTarget {
  /** The input the payload goes into. */
  input: string;
  /** What the input reaches: shown in the figures. */
  reaches: 'process' | 'file path' | 'SQL' | 'HTTP request';
  /** Builds the inputs for one payload (merged over the base); default: { [input]: payload }. */
  inputs?: (payload: string) => Record<string, string>;
}

export interface InjectionCorpus {
  action: string;
  base(s: Sensors): Record<string, string>;
  files?(s: Sensors): Record<string, string>;
  targets: InjectionTarget[];
}

type Outcome = 'rejected' | 'ran';

interface CaseResult {
  input: string;
  reaches: string;
  payload: string;
  outcome: Outcome;
  executed: boolean;
  outsideWrites: number;
}

const STACK = /^\s+at .+(?:\(.+:\d+:\d+\)|:\d+:\d+)$/m;

export function injectionCorpus(corpus: InjectionCorpus): void {
  describe(`${corpus.action}: injection corpus (nothing executed, nothing written outside)`, () => {
    let sensors: Sensors;
    const results: CaseResult[] = [];
    let n = 0;

    beforeAll(async () => {
      sensors = await startSensors(`inj-${corpus.action}`);
      sensors.write(corpus.files?.(sensors) ?? {});
      sensors.reset();
    });
    afterAll(async () => {
      const dir = join(repoRoot, 'test-results', 'reliability');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `injection-${corpus.action}.json`), JSON.stringify({ action: corpus.action, cases: results }, null, 2) + '\n');
      await sensors?.close();
    });

    for (const target of corpus.targets) {
      for (const payload of PAYLOADS) {
        it(`${corpus.action} ${target.input} (${target.reaches}) ← ${payload.name}`, { timeout: 150_000 }, async () => {
          n += 1;
          const canary = join(sensors.root, `pwned-${n}`);
          const value = fill(sensors, payload.value).replaceAll('@CANARY@', canary);
          sensors.reset();
          const inputs = { ...corpus.base(sensors), ...(target.inputs ? fillAll(sensors, target.inputs(value)) : { [target.input]: value }) };
          const run = await runAction(corpus.action, { cwd: sensors.workspace, inputs, env: sensors.env, timeoutMs: 120_000 });
          const reading = sensors.reading();
          const outside = reading.filesChanged.filter((f) => !/^(?:created|changed|removed) workspace\//.test(f));
          const rejected = run.exitCode === 1 && run.errors.length === 1;
          const executed = existsSync(canary) || reading.filesChanged.some((f) => f.includes('pwned-'));
          results.push({
            input: target.input,
            reaches: target.reaches,
            payload: payload.name,
            outcome: rejected ? 'rejected' : 'ran',
            executed,
            outsideWrites: outside.length,
          });
          const context = `${target.input} ← ${JSON.stringify(value)}\n--- log ---\n${run.log.slice(0, 3000)}`;
          expect(executed, context).toBe(false);
          expect(outside, context).toEqual([]);
          expect(run.log, context).not.toMatch(STACK);
          expect(run.log, context).not.toContain('this is a bug in deploy-kit');
        });
      }
    }
  });
}
