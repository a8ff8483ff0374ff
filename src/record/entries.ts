import { databaseFields, type ReleaseDatabase, type RecordEntry, type RecordResult, type RecordedImage } from './history.js';

/** Pure: the record of a canary that ended (promoted: the new image runs; aborted: it was rejected). */
export function canaryEntry(o: {
  result: RecordResult;
  service: string;
  image: string;
  digest?: string;
  previous: RecordedImage;
  runUrl?: string;
  reason?: string;
  at?: Date;
  /** The database version the release ran against and the backup taken before it. */
  database?: ReleaseDatabase;
}): RecordEntry {
  return {
    at: (o.at ?? new Date()).toISOString(),
    action: 'deploy-canary',
    result: o.result,
    services: [{ service: o.service, image: o.image, ...(o.digest ? { digest: o.digest } : {}) }],
    previous: [o.previous],
    ...(o.runUrl ? { runUrl: o.runUrl } : {}),
    ...(o.reason ? { reason: o.reason } : {}),
    ...databaseFields(o.database),
  };
}
