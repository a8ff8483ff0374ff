/**
 * Pure: turns the runner's workflow commands (`::error::…`, `::add-mask::…`, `::group::…`) that an
 * action prints into plain terminal lines, and masks registered secrets, as the runner would.
 */
import { SecretRegistry } from '../runtime/secrets.js';

export class CommandTranslator {
  readonly secrets = new SecretRegistry();
  constructor(private readonly verbose = false) {}

  /** The line to print for one line of the action's output, or undefined to print nothing. */
  translate(line: string): string | undefined {
    const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) return this.secrets.redact(line);
    const [, command, props, raw] = m;
    const message = decode(raw!);
    switch (command) {
      case 'add-mask':
        this.secrets.add(message);
        return undefined;
      case 'error':
      case 'warning':
      case 'notice': {
        const where = props ? location(props) : '';
        return this.secrets.redact(`${command}: ${where}${message}`);
      }
      case 'group':
        return this.secrets.redact(`▶ ${message}`);
      case 'endgroup':
        return undefined;
      case 'debug':
        return this.verbose ? this.secrets.redact(`debug: ${message}`) : undefined;
      default:
        return undefined;
    }
  }
}

function location(props: string): string {
  const file = /(?:^|,)file=([^,]*)/.exec(props)?.[1];
  const line = /(?:^|,)line=([^,]*)/.exec(props)?.[1];
  return file ? `${decode(file)}${line ? `:${line}` : ''}: ` : '';
}

function decode(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}
