/** An in-memory ReleaseRecord: the entries, appended in order. */
import type { HistoryFile, RecordEntry, ReleaseRecord } from '../../../src/record/history.js';

export class MemoryRecord implements ReleaseRecord {
  readonly location = 'memory://history';

  constructor(readonly entries: RecordEntry[] = []) {}

  async read(): Promise<HistoryFile> {
    return { version: 1, entries: [...this.entries] };
  }

  async append(entry: RecordEntry): Promise<void> {
    this.entries.push(entry);
  }
}
