import { describe, expect, it } from 'vitest';

describe('parseFileCommands', () => {
  it('reads heredoc and key=value forms', async () => {
    const { parseFileCommands } = await import('../../../src/cli/file-commands.js');
    expect(parseFileCommands('a<<EOF_1\nline1\nline2\nEOF_1\nb=2\n')).toEqual({ a: 'line1\nline2', b: '2' });
  });
});
