/** Opens the session for a target's engine; the driver module loads only here, on first use. */
import type { DatabaseSession, SessionOptions } from './session.js';
import type { DatabaseTarget } from './url.js';

export async function openSession(target: DatabaseTarget, options: SessionOptions): Promise<DatabaseSession> {
  if (target.engine === 'postgres') {
    const { openPostgres } = await import('./postgres.js');
    return openPostgres(target, options);
  }
  const { openMysql } = await import('./mysql.js');
  return openMysql(target, options);
}
