/**
 * Pure: how old a backup is, for the summary of a restore — from the UTC time in its name
 * (`<database>-20261128T093000Z.dump`, as backupFileName writes it), else the file's modification time.
 */
export interface BackupAge {
  takenAt: Date;
  ageMs: number;
  /** From the name or the file's mtime. */
  source: 'name' | 'mtime';
}

export function backupAge(path: string, mtime: Date, now: Date): BackupAge {
  const m = /-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.(?:dump|sql)$/.exec(path);
  const fromName = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
  const takenAt = fromName && !Number.isNaN(fromName.getTime()) ? fromName : mtime;
  return { takenAt, ageMs: Math.max(0, now.getTime() - takenAt.getTime()), source: takenAt === mtime ? 'mtime' : 'name' };
}

/** `3 d 4 h`, `2 h 5 min`, `12 min`, `40 s`. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const min = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${min} min`;
  if (min > 0) return `${min} min`;
  return `${s} s`;
}

/** The sentence a restore's summary carries. */
export function restoreWarning(path: string, mtime: Date, now: Date): string {
  const age = backupAge(path, mtime, now);
  return `The backup was taken at ${age.takenAt.toISOString()} (${formatAge(age.ageMs)} ago): every write made to the database after that is lost.`;
}
