import { describe, expect, it } from 'vitest';
import { judgeContainerStates } from '../../../src/targets/health.js';

describe('judgeContainerStates', () => {
  it('waits for containers to exist and for health checks to pass', () => {
    expect(judgeContainerStates([])).toEqual({ status: 'waiting', reason: 'no container yet' });
    expect(judgeContainerStates([{ Status: 'running', Running: true, Health: { Status: 'starting' } }]).status).toBe('waiting');
    expect(judgeContainerStates([{ Status: 'running', Running: true, Health: { Status: 'healthy' } }]).status).toBe('healthy');
    expect(judgeContainerStates([{ Status: 'running', Running: true }]).status).toBe('healthy');
  });

  it('fails at once on an exited container or an unhealthy check, with its output', () => {
    expect(judgeContainerStates([{ Status: 'exited', Running: false, ExitCode: 3 }])).toEqual({ status: 'failed', reason: 'a container exited with code 3' });
    const v = judgeContainerStates([{ Status: 'running', Running: true, Health: { Status: 'unhealthy', Log: [{ ExitCode: 1, Output: 'HTTP 503\n' }] } }]);
    expect(v).toEqual({ status: 'failed', reason: 'its health check reports unhealthy: HTTP 503' });
  });
});
