/**
 * Slack-compatible webhook messages (Slack incoming webhooks; Mattermost, Rocket.Chat and most chat
 * tools accept the same `text` + `attachments` shape). The URL is a secret: callers mask it first,
 * and errors here never repeat it.
 */
import { httpRequest, HttpTransportError } from '../http/client.js';
import { ConfigurationError, OperationFailedError } from '../runtime/errors.js';
import { redactSecrets } from '../runtime/secrets.js';

export interface NotificationField {
  title: string;
  value: string;
}

export interface Notification {
  /** One line: what happened. */
  title: string;
  outcome: 'success' | 'failure' | 'warning';
  fields: NotificationField[];
  /** Link to the run, when known. */
  link?: string;
}

/** The most read of a webhook's answer (64 KiB): chat webhooks answer "ok" or a short error. */
export const MAX_WEBHOOK_ANSWER_BYTES = 64 << 10;

const COLOURS = { success: '#2eb67d', failure: '#e01e5a', warning: '#ecb22e' } as const;

/** Slack's control characters (&, <, >) escaped so user text cannot inject links or mentions. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The notification with every secret masked in this process replaced: a payload leaves the runner unmasked. */
export function redactNotification(n: Notification, redact: (text: string) => string = redactSecrets): Notification {
  return {
    ...n,
    title: redact(n.title),
    fields: n.fields.map((f) => ({ title: redact(f.title), value: redact(f.value) })),
    ...(n.link !== undefined ? { link: redact(n.link) } : {}),
  };
}

/** Pure: the JSON body for a notification (give it a redacted one: sendNotification does). */
export function slackPayload(n: Notification): Record<string, unknown> {
  const text = n.link ? `${escapeSlack(n.title)} (<${n.link}|run>)` : escapeSlack(n.title);
  return {
    text,
    attachments: [
      {
        color: COLOURS[n.outcome],
        fallback: escapeSlack(n.title),
        fields: n.fields.map((f) => ({ title: escapeSlack(f.title), value: escapeSlack(f.value), short: f.value.length <= 40 })),
      },
    ],
  };
}

export function validateWebhookUrl(url: string, input: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(`${input} is not a URL; give the webhook's https:// address (kept in a secret).`, { input });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigurationError(`${input} must be an http(s) URL.`, { input });
  }
  return parsed;
}

/** Posts the message; a non-2xx answer or no answer is an OperationFailedError (without the URL). */
export async function sendNotification(url: string, n: Notification, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  const host = new URL(url).host;
  try {
    const res = await httpRequest({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(slackPayload(redactNotification(n))),
      timeoutMs: options.timeoutMs ?? 10_000,
      signal: options.signal,
      maxBytes: MAX_WEBHOOK_ANSWER_BYTES,
    });
    if (res.status < 200 || res.status >= 300) {
      throw new OperationFailedError(`The notification webhook at ${host} answered ${res.status} ${res.statusText}: ${res.body.slice(0, 200)}`);
    }
  } catch (err) {
    if (err instanceof HttpTransportError && err.code === 'TOO_LARGE')
      throw new OperationFailedError(
        `The notification webhook at ${host} answered with a body ${err.message.replace(/^the response is /, '')}; is notify-webhook the chat webhook's URL?`,
      );
    if (err instanceof HttpTransportError) throw new OperationFailedError(`The notification webhook at ${host} did not answer: ${err.message}`);
    throw err;
  }
}
