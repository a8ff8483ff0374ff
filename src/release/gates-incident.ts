/**
 * Reports a gates run to the incident issue and the team's webhook — only on transitions: an
 * outage opens one issue and posts once; a change of the failing gates comments and posts; the
 * recovery closes the issue and posts once. Against interfaces, so it runs with fakes.
 */
import { decideIncident, readIncidentMarker, withIncidentMarker, incidentMarker, type IncidentAction } from '../gates/incident.js';
import type { GateStatus } from '../gates/types.js';
import type { Notification } from '../notify/webhook.js';
import { formatDuration } from '../runtime/parse.js';

export interface IncidentIssues {
  findOpen(): Promise<{ number: number; url: string; body: string; createdAt: string } | undefined>;
  open(title: string, body: string): Promise<{ number: number; url: string }>;
  comment(number: number, body: string): Promise<void>;
  update(number: number, changes: { body?: string; title?: string; state?: 'open' | 'closed' }): Promise<void>;
}

export interface IncidentNotifier {
  post(notification: Notification): Promise<void>;
}

export interface IncidentReport {
  action: IncidentAction;
  issue?: { number: number; url: string };
  notified: boolean;
}

export interface IncidentInput {
  status: GateStatus | 'cancelled';
  failedGates: string[];
  /** Markdown lines about what failed (gate: condition — reason), already escaped. */
  details: string[];
  runUrl?: string;
  now: Date;
}

export async function reportIncident(
  issues: IncidentIssues | undefined,
  notifier: IncidentNotifier | undefined,
  input: IncidentInput,
): Promise<IncidentReport> {
  const open = issues ? await issues.findOpen() : undefined;
  const action = decideIncident(open ? { failing: readIncidentMarker(open.body) } : undefined, input.status, input.failedGates);
  const run = input.runUrl ? `\n\nRun: ${input.runUrl}` : '';
  const list = input.details.map((d) => `- ${d}`).join('\n');
  let issue: { number: number; url: string } | undefined = open ? { number: open.number, url: open.url } : undefined;
  let notification: Notification | undefined;

  switch (action.kind) {
    case 'open': {
      const title = `Gates RED: ${action.failing.join(', ')}`;
      if (issues) issue = await issues.open(title, `The gates ${action.failing.join(', ')} are RED.\n\n${list}${run}\n\n${incidentMarker(action.failing)}\n`);
      notification = {
        title,
        outcome: 'failure',
        fields: [{ title: 'failing', value: action.failing.join(', ') }, ...(issue ? [{ title: 'incident', value: issue.url }] : [])],
        link: input.runUrl,
      };
      break;
    }
    case 'update': {
      if (issues && open) {
        await issues.comment(open.number, `Now failing: ${action.failing.join(', ')} (before: ${action.before.join(', ') || 'unknown'}).\n\n${list}${run}`);
        await issues.update(open.number, { title: `Gates RED: ${action.failing.join(', ')}`, body: withIncidentMarker(open.body, action.failing) });
      }
      notification = {
        title: `Gates still RED, now: ${action.failing.join(', ')}`,
        outcome: 'failure',
        fields: [
          { title: 'failing', value: action.failing.join(', ') },
          { title: 'before', value: action.before.join(', ') || 'unknown' },
        ],
        link: input.runUrl,
      };
      break;
    }
    case 'close': {
      const since = open ? formatDuration(Math.max(0, input.now.getTime() - Date.parse(open.createdAt))) : undefined;
      if (issues && open) {
        await issues.comment(open.number, `Recovered after ${since}: every gate is GREEN.${run}`);
        await issues.update(open.number, { state: 'closed' });
      }
      notification = {
        title: `Gates GREEN again${since ? `: recovered after ${since}` : ''}`,
        outcome: 'success',
        fields: [{ title: 'was failing', value: action.before.join(', ') || 'unknown' }],
        link: input.runUrl,
      };
      break;
    }
    case 'none':
      break;
  }
  if (notification && notifier) await notifier.post(notification);
  return { action, ...(issue ? { issue } : {}), notified: !!(notification && notifier) };
}
