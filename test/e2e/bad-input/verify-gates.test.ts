/** verify-gates' bad-input corpus: every case rejected before a check, the GitHub API or a webhook is reached (see corpus.ts). */
import { badInputCorpus } from './corpus.js';

const gates = (checks: string): string => `gates:\n  - name: backend\n    checks:\n${checks}`;
const HTTP = '      - { name: health, url: /health }\n';

badInputCorpus({
  action: 'verify-gates',
  base: (s) => ({ gates: '.deploy/gates.yml', 'base-url': s.http.url, 'github-token': 'ghs_gatesbadinputtoken000000000000000000' }),
  files: () => ({ '.deploy/gates.yml': gates(`${HTTP}      - github: { approvals: 1 }\n`) }),
  cases: [
    { name: 'gates missing', inputs: { gates: '' }, names: 'gates' },
    { name: 'gates file does not exist', inputs: { gates: '.deploy/nope.yml' }, names: 'nope.yml' },
    { name: 'malformed YAML', inputs: { gates: 'gates:\n  - name: [x\n' }, names: 'gates' },
    { name: 'gates is a string', inputs: { gates: 'gates: green' }, names: 'gates' },
    { name: 'gates is empty', inputs: { gates: 'gates: []' }, names: 'gates' },
    { name: 'unknown top-level key', inputs: { gates: 'gatez:\n  - name: a\n' }, names: 'gatez' },
    { name: 'unknown gate key', inputs: { gates: `gates:\n  - name: a\n    chekcs:\n${HTTP}` }, names: 'chekcs' },
    { name: 'gate without checks', inputs: { gates: 'gates:\n  - name: a\n' }, names: 'checks' },
    { name: 'gate without a name', inputs: { gates: `gates:\n  - checks:\n${HTTP}` }, names: 'name' },
    { name: 'unknown check kind', inputs: { gates: gates('      - { name: x, ping: 127.0.0.1 }\n') }, names: 'ping' },
    { name: 'HTTP check with a bad status', inputs: { gates: gates('      - { name: x, url: /health, expect: { status: 99999 } }\n') }, names: 'status' },
    { name: 'HTTP check with a relative URL and no base-url', inputs: { 'base-url': '' }, names: 'base-url' },
    { name: 'github check with an unknown rule', inputs: { gates: gates('      - github: { approval: 2 }\n') }, names: 'approval' },
    { name: 'github approvals negative', inputs: { gates: gates('      - github: { approvals: -1 }\n') }, names: 'approvals' },
    {
      name: 'github code-scanning with a bad severity',
      inputs: { gates: gates('      - github: { code-scanning: { max-severity: apocalyptic } }\n') },
      names: 'max-severity',
    },
    {
      name: 'prometheus check without prometheus-url',
      inputs: { gates: gates('      - { name: up, prometheus: { query: up }, min: 1 }\n') },
      names: 'prometheus-url',
    },
    {
      name: 'prometheus check with an unknown key',
      inputs: { 'prometheus-url': '@HTTP@', gates: gates('      - { name: up, prometheus: { qurey: up }, min: 1 }\n') },
      names: 'qurey',
    },
    { name: 'grafana check with an unknown field', inputs: { gates: gates('      - { name: g, grafana: { urll: "http://127.0.0.1:1" } }\n') }, names: 'urll' },
    { name: 'base-url not a URL', inputs: { 'base-url': 'not a url' }, names: 'base-url' },
    { name: 'prometheus-url not a URL', inputs: { 'prometheus-url': 'not a url' }, names: 'prometheus-url' },
    { name: 'watch negative', inputs: { watch: '-30m' }, names: 'watch' },
    { name: 'watch not a duration', inputs: { watch: 'all day' }, names: 'watch' },
    { name: 'interval below 1s', inputs: { watch: '1m', interval: '10ms' }, names: 'interval' },
    { name: 'interval longer than watch', inputs: { watch: '1m', interval: '5m' }, names: 'interval' },
    { name: 'failure-limit 0', inputs: { 'failure-limit': '0' }, names: 'failure-limit' },
    { name: 'failure-limit not a number', inputs: { 'failure-limit': 'a few' }, names: 'failure-limit' },
    { name: 'fail-on-red not a boolean', inputs: { 'fail-on-red': 'perhaps' }, names: 'fail-on-red' },
    { name: 'incident not an option', inputs: { incident: 'pager' }, names: 'incident' },
    { name: 'incident issue without a token', inputs: { incident: 'issue', 'github-token': '' }, names: 'github-token' },
    { name: 'github checks without a token', inputs: { 'github-token': '' }, names: 'github-token' },
    { name: 'notify-webhook not a URL', inputs: { 'notify-webhook': 'hooks.slack.com/x' }, names: 'notify-webhook' },
    { name: 'notify-webhook with a non-HTTP scheme', inputs: { 'notify-webhook': 'file:///etc/passwd' }, names: 'notify-webhook' },
    { name: 'sha not a commit', inputs: { sha: 'not-a-sha;reboot' }, names: 'sha' },
    { name: 'gates path traversal to a non-gates file', inputs: { gates: '../outside/keep.txt' }, names: 'gates' },
    { name: 'watch of 30 days', inputs: { watch: '30d', interval: '1m' }, names: 'watch' },
  ],
});
