import { describe, expect, it } from 'vitest';
import { asResolvedConfig, deriveCanaryService, parsePort, requireService, targetPortFor } from '../../../src/targets/compose-config.js';

describe('compose configuration', () => {
  it('reads short (v1 output) and long (v2 output) port syntax', () => {
    expect(parsePort('127.0.0.1:18080:8080/tcp')).toEqual({ hostIp: '127.0.0.1', published: 18080, target: 8080, protocol: 'tcp' });
    expect(parsePort('8080')).toEqual({ hostIp: undefined, published: undefined, target: 8080, protocol: 'tcp' });
    expect(parsePort('9000:80')).toEqual({ hostIp: undefined, published: 9000, target: 80, protocol: 'tcp' });
    expect(parsePort({ mode: 'ingress', host_ip: '127.0.0.1', target: 8080, published: '18080', protocol: 'tcp' })).toEqual({
      hostIp: '127.0.0.1',
      published: 18080,
      target: 8080,
      protocol: 'tcp',
    });
  });

  it('names the input, the files and a close service name when the service is unknown', () => {
    const config = asResolvedConfig({ services: { backend: {}, frontend: {} } }, 'x');
    expect(() => requireService(config, 'backnd', 'service', ['/srv/docker-compose.yml'])).toThrow(
      'service: service "backnd" is not defined in /srv/docker-compose.yml. Did you mean "backend"? Services there: backend, frontend.',
    );
    expect(() => asResolvedConfig({ version: '3' }, 'f.yml')).toThrow(/no "services:" section/);
    // v2 prints the project's name and no version; v1 the version and no name.
    expect(asResolvedConfig({ name: 'shop', services: {} }, 'x')).toEqual({ name: 'shop', version: undefined, services: {} });
    expect(asResolvedConfig({ version: '3.8', services: {} }, 'x')).toEqual({ name: undefined, version: '3.8', services: {} });
  });

  it('derives the canary from the stable definition: new image, own ports on 127.0.0.1, no fixed name or deps', () => {
    const stable = {
      image: 'shop:1',
      container_name: 'shop',
      depends_on: { db: { condition: 'service_started' } },
      environment: { A: '1' },
      healthcheck: { test: ['CMD', 'true'] },
      ports: ['127.0.0.1:18080:8080/tcp', '0.0.0.0:9090:9090/tcp'],
      labels: ['team=web'],
      build: { context: '.' },
    };
    const canary = deriveCanaryService(stable, { image: 'shop:2', routedPort: 8080, canaryPort: 28080 });
    expect(canary).toEqual({
      image: 'shop:2',
      environment: { A: '1' },
      healthcheck: { test: ['CMD', 'true'] },
      ports: ['127.0.0.1:28080:8080/tcp', '127.0.0.1::9090/tcp'],
      labels: { team: 'web', 'deploy-kit.track': 'canary' },
    });
    // The baseline is the same derivation with the stable image, marked as the baseline.
    const baseline = deriveCanaryService(stable, { image: 'shop:1', routedPort: 8080, canaryPort: 28081, track: 'baseline' });
    expect(baseline).toMatchObject({ image: 'shop:1', ports: ['127.0.0.1:28081:8080/tcp', '127.0.0.1::9090/tcp'], labels: { 'deploy-kit.track': 'baseline' } });
    expect(targetPortFor(stable, 18080)).toBe(8080);
    expect(targetPortFor(stable, 1)).toBeUndefined();
  });
});
