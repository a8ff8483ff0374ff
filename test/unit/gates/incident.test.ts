// The incident rule (pure) and the incident use case with in-memory fakes of the issue and webhook.
import { describe, expect, it } from 'vitest';
import { decideIncident, incidentMarker, readIncidentMarker, withIncidentMarker } from '../../../src/gates/incident.js';
import type { Notification } from '../../../src/notify/webhook.js';
import { reportIncident, type IncidentIssues } from '../../../src/release/gates-incident.js';

describe('decideIncident', () => {
  it('RED with nothing open opens; the same set again does nothing; a new set updates; GREEN closes; cancelled leaves it', () => {
    expect(decideIncident(undefined, 'RED', ['b', 'a'])).toEqual({ kind: 'open', failing: ['a', 'b'] });
    expect(decideIncident({ failing: ['a', 'b'] }, 'RED', ['b', 'a']).kind).toBe('none');
    expect(decideIncident({ failing: ['a'] }, 'RED', ['a', 'b'])).toEqual({ kind: 'update', failing: ['a', 'b'], before: ['a'] });
    expect(decideIncident({ failing: ['a'] }, 'GREEN', [])).toEqual({ kind: 'close', before: ['a'] });
    expect(decideIncident(undefined, 'GREEN', []).kind).toBe('none');
    expect(decideIncident({ failing: ['a'] }, 'cancelled', []).kind).toBe('none');
  });
  it('the marker round-trips through an issue body and is replaced in place', () => {
    const body = `text\n\n${incidentMarker(['b', 'a'])}\n`;
    expect(readIncidentMarker(body)).toEqual(['a', 'b']);
    expect(readIncidentMarker(withIncidentMarker(body, ['c']))).toEqual(['c']);
    expect(withIncidentMarker(body, ['c']).match(/deploy-kit:gates/g)).toHaveLength(1);
    expect(readIncidentMarker('no marker')).toEqual([]);
    expect(readIncidentMarker('<!-- deploy-kit:gates failing=[oops] -->')).toEqual([]);
  });
});

class FakeIssues implements IncidentIssues {
  issues: Array<{ number: number; url: string; title: string; body: string; createdAt: string; state: 'open' | 'closed'; comments: string[] }> = [];
  async findOpen() {
    return this.issues.find((i) => i.state === 'open');
  }
  async open(title: string, body: string) {
    const issue = {
      number: this.issues.length + 1,
      url: `https://github.example/i/${this.issues.length + 1}`,
      title,
      body,
      createdAt: '2026-01-01T00:00:00Z',
      state: 'open' as const,
      comments: [],
    };
    this.issues.push(issue);
    return issue;
  }
  async comment(n: number, body: string) {
    this.issues[n - 1]!.comments.push(body);
  }
  async update(n: number, changes: { body?: string; title?: string; state?: 'open' | 'closed' }) {
    Object.assign(this.issues[n - 1]!, changes);
  }
}

describe('reportIncident (fakes)', () => {
  it('an outage: opened and posted once, a changed set commented and posted, recovery closed and posted', async () => {
    const issues = new FakeIssues();
    const posts: Notification[] = [];
    const notifier = { post: async (n: Notification) => void posts.push(n) };
    const at = (h: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + h * 3_600_000);
    const red = (failedGates: string[], h: number) =>
      reportIncident(issues, notifier, { status: 'RED', failedGates, details: [`**${failedGates[0]}** — x`], runUrl: 'https://run', now: at(h) });

    expect((await red(['gate-a'], 0)).action.kind).toBe('open');
    expect(issues.issues[0]!.body).toContain('**gate-a** — x');
    expect((await red(['gate-a'], 1)).notified).toBe(false);
    const changed = await red(['gate-a', 'gate-b'], 2);
    expect(changed.action.kind).toBe('update');
    expect(issues.issues[0]!.comments[0]).toMatch(/^Now failing: gate-a, gate-b \(before: gate-a\)/);
    expect(issues.issues[0]!.title).toBe('Gates RED: gate-a, gate-b');
    expect((await red(['gate-b', 'gate-a'], 3)).action.kind).toBe('none');
    const green = await reportIncident(issues, notifier, { status: 'GREEN', failedGates: [], details: [], now: at(5) });
    expect(green.action.kind).toBe('close');
    expect(issues.issues[0]!.state).toBe('closed');
    expect(issues.issues[0]!.comments[1]).toBe('Recovered after 5h: every gate is GREEN.');
    expect(posts.map((p) => [p.outcome, p.title])).toEqual([
      ['failure', 'Gates RED: gate-a'],
      ['failure', 'Gates still RED, now: gate-a, gate-b'],
      ['success', 'Gates GREEN again: recovered after 5h'],
    ]);
  });
  it('without the issue, the webhook gets every RED and nothing when GREEN', async () => {
    const posts: Notification[] = [];
    const notifier = { post: async (n: Notification) => void posts.push(n) };
    await reportIncident(undefined, notifier, { status: 'RED', failedGates: ['a'], details: [], now: new Date() });
    await reportIncident(undefined, notifier, { status: 'RED', failedGates: ['a'], details: [], now: new Date() });
    await reportIncident(undefined, notifier, { status: 'GREEN', failedGates: [], details: [], now: new Date() });
    expect(posts).toHaveLength(2);
  });
});
