import { describe, expect, it } from 'vitest';
import { escapeSlack, slackPayload, validateWebhookUrl } from '../../../src/notify/webhook.js';

describe('Slack-compatible payload', () => {
  it('has text with a run link and a coloured attachment with escaped fields', () => {
    const body = slackPayload({
      title: 'Rolled back app to app:1 <@here>',
      outcome: 'warning',
      fields: [{ title: 'from', value: 'app:2 & more' }],
      link: 'https://github.com/o/r/actions/runs/1',
    });
    expect(body).toEqual({
      text: 'Rolled back app to app:1 &lt;@here&gt; (<https://github.com/o/r/actions/runs/1|run>)',
      attachments: [
        { color: '#ecb22e', fallback: 'Rolled back app to app:1 &lt;@here&gt;', fields: [{ title: 'from', value: 'app:2 &amp; more', short: true }] },
      ],
    });
    expect(escapeSlack('<a>')).toBe('&lt;a&gt;');
  });

  it('rejects a webhook that is not an http(s) URL', () => {
    expect(() => validateWebhookUrl('hooks.slack.com/x', 'notify-webhook')).toThrow(/notify-webhook is not a URL/);
    expect(() => validateWebhookUrl('ftp://x/y', 'notify-webhook')).toThrow(/http\(s\)/);
  });
});
