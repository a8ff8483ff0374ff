/**
 * Values that must never reach a log, an output or a summary. The runner masks log lines for
 * values given to `core.setSecret`; summaries and outputs are redacted here, and the CLI front
 * end redacts its own log the same way.
 */
export const REDACTED = '***';

/** Every form of a secret worth hiding: the value, and for a URL with credentials its password too. */
export function secretForms(value: string): string[] {
  const forms = new Set<string>();
  const v = value.trim();
  if (v.length < 3) return []; // too short to mask without masking ordinary text
  forms.add(v);
  if (v !== value) forms.add(value);
  try {
    const url = new URL(v);
    if (url.password) {
      forms.add(url.password);
      const decoded = safeDecode(url.password);
      if (decoded.length >= 3) forms.add(decoded);
    }
  } catch {
    // not a URL
  }
  return [...forms];
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export class SecretRegistry {
  private readonly values = new Set<string>();

  /** Registers a secret; returns the forms to hand to the runner's masker. */
  add(value: string): string[] {
    const forms = secretForms(value);
    for (const f of forms) this.values.add(f);
    return forms;
  }

  /** Replaces every registered secret in `text`, longest first so a URL goes before its password. */
  redact(text: string): string {
    if (this.values.size === 0) return text;
    let out = text;
    for (const s of [...this.values].sort((a, b) => b.length - a.length)) {
      out = out.split(s).join(REDACTED);
    }
    return out;
  }

  get size(): number {
    return this.values.size;
  }
}

/**
 * The process's one registry: the action runtime masks into it, and everything that leaves the runner
 * other than the log (webhook payloads, the release record's free text) is redacted through it.
 */
export const processSecrets = new SecretRegistry();

/** Replaces every secret masked so far in this process. */
export function redactSecrets(text: string): string {
  return processSecrets.redact(text);
}
