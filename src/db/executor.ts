/**
 * The executor: runs the batches of a checked plan against a session — transactions, the
 * PostgreSQL pipeline, MySQL's per-file dirty marks — and the history rows that go with them. It
 * keeps track of what is committed and what is in flight; what to do after a failure is the
 * failure policy's business (failure-policy.ts), when to run it the engine's (engine.ts).
 */
import { OperationFailedError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { BASELINE_NAME, type MigrationPlan, type PlanBatch, type PlanStep } from './plan.js';
import type { ImportedHistory } from './import-history.js';
import type { DatabaseSession, HistoryRecord, RepeatableRecord } from './session.js';
import { versionSortKey, type Version } from './version.js';

export interface AppliedMigration {
  version: Version;
  name: string;
  file: string;
  path: string;
  direction: 'up' | 'down';
  transactional: boolean;
  statements: number;
  durationMs: number;
}

export interface ExecutorOptions {
  /** The history table exists already (else it is created with the first batch). */
  historyExists: boolean;
  /** Create the history table's version column as BIGINT. */
  integerVersions: boolean;
  appliedBy: string;
  log: Logger;
  signal?: AbortSignal;
  /** Another tool's history, converted: written first, in the first batch's transaction. */
  imported?: ImportedHistory;
}

/** Executes the batches of a plan, keeping track of what is committed and what is in flight. */
export class PlanExecutor {
  readonly committed: AppliedMigration[] = [];
  /** Steps run in the currently open transaction (undone if it rolls back). */
  inOpenTransaction: AppliedMigration[] = [];
  current?: PlanStep;
  private historyReady: boolean;
  private preludeDone = false;
  private readonly log: Logger;

  constructor(
    private readonly session: DatabaseSession,
    private readonly plan: MigrationPlan,
    private readonly options: ExecutorOptions,
  ) {
    this.historyReady = options.historyExists;
    this.log = options.log;
  }

  async run(): Promise<void> {
    if (this.plan.batches.length === 0) {
      await this.inTransaction([]);
      return;
    }
    if (this.session.engine === 'mysql') {
      await this.mysqlFiles(this.plan.steps);
      return;
    }
    for (const batch of this.plan.batches) {
      if (this.options.signal?.aborted) throw new OperationFailedError('cancelled before the next migration');
      if (batch.transactional) await this.inTransaction(batch.steps);
      else await this.alone(batch);
    }
  }

  /** History table, baseline row and checksum repairs, written with the first batch. */
  private async prelude(): Promise<void> {
    if (this.preludeDone) return;
    if (!this.historyReady) {
      await this.session.createHistory(this.options.integerVersions);
      this.historyReady = true;
    }
    const imported = this.options.imported;
    if (imported) {
      await this.session.insertHistory(imported.rows);
      if (imported.repeatables.length > 0) {
        await this.session.createRepeatables();
        await this.session.recordRepeatables(imported.repeatables);
      }
      this.log.info(`Imported ${imported.rows.length} row(s) of ${imported.tool}'s history (${imported.table}); ${imported.table} is left as it was.`);
    }
    if (this.plan.steps.some((s) => s.repeatable) && !imported?.repeatables.length) await this.session.createRepeatables();
    if (this.plan.baseline) {
      await this.session.insertHistory([
        {
          version: this.plan.baseline,
          versionKey: versionSortKey(this.plan.baseline),
          name: BASELINE_NAME,
          checksum: null,
          executionMs: 0,
          appliedBy: this.options.appliedBy,
        },
      ]);
      this.log.info(`Baseline: the database is adopted at version ${this.plan.baseline}.`);
    }
    for (const c of this.plan.checksumUpdates) {
      await this.session.updateChecksum(c.version, c.current);
      this.log.warning(`${c.file} changed after it was applied; allow-changed is set, so its recorded checksum is updated.`, { file: c.path });
    }
    this.preludeDone = true;
  }

  private record(step: PlanStep, durationMs: number): AppliedMigration {
    return {
      version: step.version,
      name: step.name,
      file: step.script.file,
      path: step.script.path,
      direction: step.direction,
      transactional: step.transactional,
      statements: step.statementCount,
      durationMs,
    };
  }

  private historyRecord(a: AppliedMigration, checksum: string): HistoryRecord {
    return {
      version: a.version,
      versionKey: versionSortKey(a.version),
      name: a.name,
      checksum,
      executionMs: Math.round(a.durationMs),
      appliedBy: this.options.appliedBy,
    };
  }

  private repeatableRecord(a: AppliedMigration, checksum: string): RepeatableRecord {
    return { name: a.file, checksum, executionMs: Math.round(a.durationMs), appliedBy: this.options.appliedBy };
  }

  /** One statement per kind of row, however many files: the history of a 500-file batch is one INSERT. */
  private async writeHistory(steps: readonly { step: PlanStep; applied: AppliedMigration }[]): Promise<void> {
    const ups = steps.filter((s) => s.step.direction === 'up' && !s.step.repeatable);
    const downs = steps.filter((s) => s.step.direction === 'down');
    const repeatables = steps.filter((s) => s.step.repeatable);
    await this.session.insertHistory(ups.map((s) => this.historyRecord(s.applied, s.step.script.checksum)));
    await this.session.deleteHistory(downs.map((s) => s.step.version));
    await this.session.recordRepeatables(repeatables.map((s) => this.repeatableRecord(s.applied, s.step.script.checksum)));
  }

  private async runStep(step: PlanStep, transactional: boolean): Promise<AppliedMigration> {
    this.current = step;
    const verb = step.direction === 'up' ? 'Applying' : 'Reverting';
    this.log.info(
      `${verb} ${step.script.file} (${step.statementCount} statement${step.statementCount === 1 ? '' : 's'}${transactional ? '' : ', outside a transaction'})`,
    );
    const t0 = performance.now();
    await this.session.runScript(step.script, transactional);
    return this.record(step, performance.now() - t0);
  }

  private async inTransaction(steps: readonly PlanStep[]): Promise<void> {
    await this.session.begin();
    const done: { step: PlanStep; applied: AppliedMigration }[] = [];
    try {
      await this.prelude();
      if (this.session.runScriptsPipelined && steps.length > 0) {
        await this.pipelined(steps, done);
      } else {
        for (const step of steps) {
          if (this.options.signal?.aborted) throw new OperationFailedError('cancelled before the next migration');
          const applied = await this.runStep(step, true);
          done.push({ step, applied });
          this.inOpenTransaction.push(applied);
        }
      }
      await this.writeHistory(done);
      await this.session.commit();
    } catch (err) {
      await this.session.rollback().catch(() => undefined);
      throw err;
    }
    this.committed.push(...this.inOpenTransaction);
    this.inOpenTransaction = [];
    this.current = undefined;
  }

  /**
   * MySQL/MariaDB commit DDL implicitly, so a batch transaction cannot hold: each file runs in its
   * own transaction (which still covers its DML), and its history row is written, marked dirty,
   * before it starts. A run that dies mid-file leaves that mark, and the next run stops on it
   * instead of guessing what MySQL kept.
   */
  private async mysqlFiles(steps: readonly PlanStep[]): Promise<void> {
    await this.prelude();
    for (const step of steps) {
      if (this.options.signal?.aborted) throw new OperationFailedError('cancelled before the next migration');
      this.current = step;
      if (step.repeatable) {
        await this.mysqlRepeatable(step);
        continue;
      }
      const up = step.direction === 'up';
      if (up) await this.session.insertHistory([{ ...this.historyRecord(this.record(step, 0), step.script.checksum), dirty: true }]);
      else await this.session.setDirty(step.version, true);
      if (step.transactional) await this.session.begin();
      try {
        const applied = await this.runStep(step, step.transactional);
        if (up) await this.session.markClean(step.version, applied.durationMs);
        else await this.session.deleteHistory([step.version]);
        if (step.transactional) await this.session.commit();
        this.committed.push(applied);
      } catch (err) {
        if (step.transactional) await this.session.rollback().catch(() => undefined);
        // Still alive: the failure is reported (and the backup restored per on-failure), so the mark goes.
        if (up) await this.session.deleteHistory([step.version]).catch(() => undefined);
        else await this.session.setDirty(step.version, false).catch(() => undefined);
        throw err;
      }
    }
    this.current = undefined;
  }

  /** A repeatable file on MySQL: re-runnable by nature, so no dirty mark; its row is written in its transaction. */
  private async mysqlRepeatable(step: PlanStep): Promise<void> {
    if (step.transactional) await this.session.begin();
    try {
      const applied = await this.runStep(step, step.transactional);
      await this.session.recordRepeatables([this.repeatableRecord(applied, step.script.checksum)]);
      if (step.transactional) await this.session.commit();
      this.committed.push(applied);
    } catch (err) {
      if (step.transactional) await this.session.rollback().catch(() => undefined);
      throw err;
    }
  }

  /** PostgreSQL: every statement of the batch on the wire at once, inside the one transaction. */
  private async pipelined(steps: readonly PlanStep[], done: { step: PlanStep; applied: AppliedMigration }[]): Promise<void> {
    this.log.info(
      steps
        .map(
          (step) =>
            `${step.direction === 'up' ? 'Applying' : 'Reverting'} ${step.script.file} (${step.statementCount} statement${step.statementCount === 1 ? '' : 's'})`,
        )
        .join('\n'),
    );
    this.current = steps[0];
    const outcome = await this.session.runScriptsPipelined!(steps.map((s) => s.script));
    outcome.durationsMs.forEach((ms, i) => {
      const applied = this.record(steps[i]!, ms);
      done.push({ step: steps[i]!, applied });
      this.inOpenTransaction.push(applied);
    });
    if (outcome.failedIndex !== undefined) {
      this.current = steps[outcome.failedIndex];
      throw outcome.error;
    }
  }

  private async alone(batch: PlanBatch): Promise<void> {
    await this.prelude();
    const step = batch.steps[0]!;
    const applied = await this.runStep(step, false);
    await this.writeHistory([{ step, applied }]);
    this.committed.push(applied);
    this.current = undefined;
  }
}
