/** A backup kept as a workflow artifact and restored by its name, on the real PostgreSQL, against a stand-in artifact service. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDatabaseRollback, readDatabaseRollback } from '../../../actions/rollback/database.js';
import { applyMigrations, parseDatabaseUrl, readMigrationDirectory } from '../../../src/db/index.js';
import { uploadFileArtifact, type UploadedArtifact } from '../../../src/runtime/artifact.js';
import { Inputs } from '../../../src/runtime/inputs.js';
import { nullLogger } from '../../../src/runtime/logger.js';
import { SecretRegistry } from '../../../src/runtime/secrets.js';
import { startArtifactStandIn, type ArtifactStandIn } from '../../support/artifact-service.js';
import { createPgDatabase, dumpText, loadDbServices, tempDir, useCleanup, writeMigrations, type Services } from './databases.js';

let services: Services;
let artifacts: ArtifactStandIn;
const saved: Record<string, string | undefined> = {};
const cleanup = useCleanup();

beforeAll(async () => {
  services = loadDbServices();
  artifacts = await startArtifactStandIn();
  for (const [k, v] of Object.entries(artifacts.env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await artifacts.close();
});

describe('backup-artifact (stand-in artifact service, real PostgreSQL)', () => {
  it('stand-in: the backup is uploaded before the first migration, and rollback restores it by artifact name', async () => {
    const db = await createPgDatabase(services, 'dk_art');
    cleanup(() => db.drop());
    await db.query('CREATE TABLE kept (id int)');
    await db.query('INSERT INTO kept VALUES (1), (2)');
    const before = await dumpText(db.url);
    const dir = writeMigrations({ 'V1__drop.sql': 'DROP TABLE kept;\nCREATE TABLE other (id int);' });
    let uploaded: UploadedArtifact | undefined;
    let uploadedBeforeApplying = false;
    const r = await applyMigrations({
      target: parseDatabaseUrl(db.url),
      migrations: readMigrationDirectory(dir, 'postgres'),
      backupDir: tempDir(),
      appliedBy: 'vitest',
      onBackup: async (backup) => {
        uploaded = await uploadFileArtifact(backup.path, { retentionDays: 1 });
        uploadedBeforeApplying = (await db.query("SELECT 1 FROM pg_tables WHERE tablename = 'kept'")).length === 1;
      },
    });
    expect(r.applied).toHaveLength(1);
    expect(uploadedBeforeApplying).toBe(true);
    expect(uploaded!.name).toBe(r.backup!.path.split('/').pop());

    const inputs = new Inputs(
      (n) => ({ 'database-url': db.url, 'restore-backup': uploaded!.name, 'backup-dir': tempDir() })[n] ?? '',
      new SecretRegistry(),
      () => undefined,
      '/nonexistent-workspace',
    );
    const settings = readDatabaseRollback(inputs, '/nonexistent-workspace', tempDir())!;
    expect(settings.backupArtifact).toBe(uploaded!.name);
    const prepared = await prepareDatabaseRollback(settings);
    const said = await prepared.run({ log: nullLogger, signal: new AbortController().signal, redact: (t) => t, appliedBy: 'vitest' });
    expect(said).toMatch(new RegExp(`restored the artifact ${uploaded!.name}`));
    const after = await dumpText(db.url);
    expect(after).toContain('CREATE TABLE public.kept');
    expect(after.replace(/deploy_kit_migrations[\s\S]*?;\n/g, '')).toBe(before.replace(/deploy_kit_migrations[\s\S]*?;\n/g, ''));
  });
});
