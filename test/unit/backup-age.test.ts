import { describe, expect, it } from 'vitest';
import { backupAge, formatAge, restoreWarning } from '../../src/db/backup-age.js';

describe('backup age', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const mtime = new Date('2026-11-30T00:00:00Z');

  it('reads the time from the name migrate-db gives a backup, else the file time', () => {
    expect(backupAge('/srv/backups/shop-20261201T093000Z.dump', mtime, now)).toEqual({
      takenAt: new Date('2026-12-01T09:30:00Z'),
      ageMs: 150 * 60_000,
      source: 'name',
    });
    expect(backupAge('/srv/backups/app-20261201T115900Z.sql', mtime, now).ageMs).toBe(60_000);
    expect(backupAge('/srv/backups/hand-made.dump', mtime, now)).toEqual({ takenAt: mtime, ageMs: 36 * 3_600_000, source: 'mtime' });
    // A time in the future (clock skew) is no negative age.
    expect(backupAge('/x/a-20261202T000000Z.dump', mtime, now).ageMs).toBe(0);
  });

  it('formats ages a person reads at a glance', () => {
    expect(formatAge(40_000)).toBe('40 s');
    expect(formatAge(12 * 60_000 + 5000)).toBe('12 min');
    expect(formatAge(2 * 3_600_000 + 5 * 60_000)).toBe('2 h 5 min');
    expect(formatAge(3 * 86_400_000 + 4 * 3_600_000)).toBe('3 d 4 h');
  });

  it('says that later writes are lost', () => {
    expect(restoreWarning('/b/shop-20261201T093000Z.dump', mtime, now)).toBe(
      'The backup was taken at 2026-12-01T09:30:00.000Z (2 h 30 min ago): every write made to the database after that is lost.',
    );
  });
});
