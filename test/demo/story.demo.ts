// The vitest entry of `npm run demo` (scripts/demo.sh): runs the release story and checks how each act
// ended. Narration goes to DK_DEMO_LOG (demo.sh prints it as it grows); job summaries to DK_DEMO_OUT.
// With DK_DEMO_KEEP=1 the stack stays up, URLs printed, until DK_DEMO_LOG.stop exists.
import { appendFileSync, existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { releaseStory } from './release-story.js';

const log = process.env.DK_DEMO_LOG;
const out = process.env.DK_DEMO_OUT;

it('the release story: a good release, a bad canary aborted, a failure after promotion rolled back with the database', async () => {
  if (!log || !out) throw new Error('run it with npm run demo (scripts/demo.sh sets DK_DEMO_LOG and DK_DEMO_OUT)');
  const narrate = (line: string): void => appendFileSync(log, `${line}\n`);
  const result = await releaseStory({
    out,
    narrate,
    beforeStop:
      process.env.DK_DEMO_KEEP === '1'
        ? async (urls) => {
            narrate('');
            narrate('--keep: the stack stays up. Look at:');
            for (const [name, url] of Object.entries(urls)) narrate(`  ${name.padEnd(10)} ${url}`);
            narrate('Press Ctrl-C to stop it.');
            while (!existsSync(`${log}.stop`)) await new Promise((r) => setTimeout(r, 500));
          }
        : undefined,
  });
  expect(result.acts).toEqual([
    { tag: 'v1.0.0', outcome: 'promoted' },
    { tag: 'v1.1.0', outcome: 'aborted' },
    { tag: 'v1.2.0', outcome: 'rolled back' },
  ]);
  narrate('');
  narrate('Job summaries (Markdown):');
  for (const file of result.summaries) narrate(`  ${file}`);
});
