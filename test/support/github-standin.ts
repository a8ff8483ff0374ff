/**
 * A GitHub REST API stand-in for tests (no real GitHub can be reached here), driven through
 * octokit exactly as in production: an HTTP server on 127.0.0.1 that keeps pull requests, reviews,
 * check runs, statuses, security alerts, environments, issues and deployments in memory. Every
 * answer is built from GitHub's published OpenAPI description and validated against it before it
 * is sent; a response that does not conform is answered 500 and recorded in `violations`, so a test
 * cannot pass on a shape the real API would never send. Tests that use it say "stand-in".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { githubObject, validateGitHubResponse } from './openapi.js';

export interface StandInPull {
  number: number;
  mergeCommitSha: string;
  merged?: boolean;
  reviews: Array<{ user: string; state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' }>;
}
export interface StandInCheckRun {
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required' | null;
  htmlUrl?: string;
}
export interface StandInAlert {
  number: number;
  severity: 'low' | 'medium' | 'high' | 'critical';
  state?: 'open' | 'dismissed' | 'fixed';
  rule?: string;
}
export interface StandInIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  comments: string[];
  createdAt: string;
}
export interface StandInDeployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  payload: unknown;
  description: string | null;
  createdAt: string;
  statuses: Array<{ id: number; state: string; environmentUrl: string; logUrl: string; description: string; createdAt: string }>;
}

export interface StandInRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string;
}

export interface GitHubStandIn {
  url: string;
  owner: string;
  repo: string;
  token: string;
  pulls: StandInPull[];
  checkRuns: Record<string, StandInCheckRun[]>;
  statuses: Record<string, Array<{ context: string; state: 'success' | 'pending' | 'failure' | 'error' }>>;
  codeScanning: StandInAlert[];
  dependabot: StandInAlert[];
  environments: string[];
  pendingDeployments: Record<string, string[]>;
  issues: StandInIssue[];
  deployments: StandInDeployment[];
  requests: StandInRequest[];
  /** Responses that did not match GitHub's OpenAPI description (answered 500 instead). */
  violations: string[];
  /** Breaks the next answers on purpose (to prove validation): a function that mangles a body. */
  corrupt?: (body: unknown) => unknown;
  stop(): Promise<void>;
}

type Handler = (m: Record<string, string>, req: StandInRequest) => { status: number; body?: unknown };
interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  handle: Handler;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startGitHubStandIn(options: { owner?: string; repo?: string; token?: string } = {}): Promise<GitHubStandIn> {
  const owner = options.owner ?? 'acme';
  const repo = options.repo ?? 'shop';
  let nextId = 1;
  const now = (): string => new Date().toISOString();
  const html = (path: string): string => `https://github.example/${owner}/${repo}/${path}`;
  const api = (path: string): string => `${gh.url}/repos/${owner}/${repo}/${path}`;
  const user = (login: string): Record<string, unknown> => githubObject('simple-user', { login, id: nextId++, type: 'User' });
  const label = (name: string): Record<string, unknown> => githubObject('label', { name, id: nextId++, color: 'b60205', description: null, default: false });

  const issueJson = (i: StandInIssue): Record<string, unknown> =>
    githubObject('issue', {
      id: 10_000 + i.number,
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      labels: i.labels.map(label),
      comments: i.comments.length,
      created_at: i.createdAt,
      updated_at: now(),
      closed_at: i.state === 'closed' ? now() : null,
      html_url: html(`issues/${i.number}`),
      url: api(`issues/${i.number}`),
      user: user('github-actions[bot]'),
    });
  const deploymentJson = (d: StandInDeployment): Record<string, unknown> =>
    githubObject('deployment', {
      id: d.id,
      sha: d.sha,
      ref: d.ref,
      task: 'deploy',
      environment: d.environment,
      payload: d.payload,
      description: d.description,
      created_at: d.createdAt,
      updated_at: d.createdAt,
      url: api(`deployments/${d.id}`),
      statuses_url: api(`deployments/${d.id}/statuses`),
      creator: user('github-actions[bot]'),
    });
  const statusJson = (d: StandInDeployment, s: StandInDeployment['statuses'][number]): Record<string, unknown> =>
    githubObject('deployment-status', {
      id: s.id,
      state: s.state,
      description: s.description,
      environment: d.environment,
      environment_url: s.environmentUrl,
      log_url: s.logUrl,
      target_url: s.logUrl,
      created_at: s.createdAt,
      updated_at: s.createdAt,
      deployment_url: api(`deployments/${d.id}`),
      creator: user('github-actions[bot]'),
    });
  const findIssue = (n: string): StandInIssue => {
    const issue = gh.issues.find((i) => i.number === Number(n));
    if (!issue) throw new HttpError(404, 'Not Found');
    return issue;
  };
  const findDeployment = (id: string): StandInDeployment => {
    const d = gh.deployments.find((x) => x.id === Number(id));
    if (!d) throw new HttpError(404, 'Not Found');
    return d;
  };
  const page = <T>(items: T[], q: Record<string, string>): T[] => {
    const per = Number(q.per_page ?? 30);
    const p = Number(q.page ?? 1);
    return items.slice((p - 1) * per, p * per);
  };

  const routes: Route[] = [];
  const on = (method: string, template: string, handle: Handler): void => {
    const pattern = new RegExp(`^${template.replace(/\{([a-z_]+)\}/g, '(?<$1>[^/]+)')}$`);
    routes.push({ method, template, pattern, handle });
  };

  on('GET', '/repos/{owner}/{repo}/commits/{commit_sha}/pulls', (m) => ({
    status: 200,
    body: gh.pulls
      .filter((p) => p.mergeCommitSha === m.commit_sha)
      .map((p) =>
        githubObject('pull-request-simple', {
          id: 20_000 + p.number,
          number: p.number,
          state: p.merged === false ? 'open' : 'closed',
          title: `PR ${p.number}`,
          merge_commit_sha: p.mergeCommitSha,
          merged_at: p.merged === false ? null : now(),
          html_url: html(`pull/${p.number}`),
          url: api(`pulls/${p.number}`),
          user: user('dev'),
        }),
      ),
  }));
  on('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/reviews', (m, req) => {
    const pull = gh.pulls.find((p) => p.number === Number(m.pull_number));
    if (!pull) throw new HttpError(404, 'Not Found');
    const reviews = pull.reviews.map((r, i) =>
      githubObject('pull-request-review', {
        id: 30_000 + i,
        state: r.state,
        user: user(r.user),
        commit_id: pull.mergeCommitSha,
        submitted_at: now(),
        html_url: html(`pull/${pull.number}#review-${i}`),
      }),
    );
    return { status: 200, body: page(reviews, req.query) };
  });
  on('GET', '/repos/{owner}/{repo}/commits/{ref}/check-runs', (m, req) => {
    const runs = (gh.checkRuns[m.ref!] ?? []).map((r, i) =>
      githubObject('check-run', {
        id: 40_000 + i,
        name: r.name,
        head_sha: m.ref,
        status: r.status,
        conclusion: r.status === 'completed' ? (r.conclusion ?? 'success') : null,
        html_url: r.htmlUrl ?? html(`runs/${40_000 + i}`),
        details_url: r.htmlUrl ?? html(`runs/${40_000 + i}`),
        started_at: now(),
        completed_at: r.status === 'completed' ? now() : null,
      }),
    );
    return { status: 200, body: { total_count: runs.length, check_runs: page(runs, req.query) } };
  });
  on('GET', '/repos/{owner}/{repo}/commits/{ref}/status', (m) => {
    const list = gh.statuses[m.ref!] ?? [];
    const state = list.some((s) => s.state === 'failure' || s.state === 'error') ? 'failure' : list.some((s) => s.state === 'pending') ? 'pending' : 'success';
    return {
      status: 200,
      body: githubObject('combined-commit-status', {
        state,
        sha: m.ref,
        total_count: list.length,
        statuses: list.map((s, i) =>
          githubObject('simple-commit-status', { id: 50_000 + i, context: s.context, state: s.state, description: null, target_url: null }),
        ),
        repository: githubObject('minimal-repository', { name: repo, full_name: `${owner}/${repo}`, owner: user(owner) }),
      }),
    };
  });
  on('GET', '/repos/{owner}/{repo}/code-scanning/alerts', (_m, req) => {
    const state = req.query.state ?? 'open';
    const alerts = gh.codeScanning
      .filter((a) => (a.state ?? 'open') === state)
      .filter((a) => !req.query.severity || a.severity === req.query.severity)
      .map((a) =>
        githubObject('code-scanning-alert-items', {
          number: a.number,
          state: a.state ?? 'open',
          html_url: html(`security/code-scanning/${a.number}`),
          rule: {
            id: a.rule ?? `rule-${a.number}`,
            severity: a.severity === 'critical' || a.severity === 'high' ? 'error' : 'warning',
            security_severity_level: a.severity,
            description: a.rule ?? 'finding',
          },
          tool: { name: 'CodeQL', version: null, guid: null },
        }),
      );
    return { status: 200, body: page(alerts, req.query) };
  });
  on('GET', '/repos/{owner}/{repo}/dependabot/alerts', (_m, req) => {
    const states = (req.query.state ?? 'open').split(',');
    const alerts = gh.dependabot
      .filter((a) => states.includes(a.state ?? 'open'))
      .map((a) =>
        githubObject('dependabot-alert', {
          number: a.number,
          state: a.state ?? 'open',
          html_url: html(`security/dependabot/${a.number}`),
          dependency: { package: { ecosystem: 'npm', name: a.rule ?? 'left-pad' } },
          security_advisory: { severity: a.severity, summary: `${a.rule ?? 'left-pad'} advisory`, cvss: { score: 5, vector_string: null } },
          security_vulnerability: { severity: a.severity, package: { ecosystem: 'npm', name: a.rule ?? 'left-pad' } },
        }),
      );
    return { status: 200, body: page(alerts, req.query) };
  });
  on('GET', '/repos/{owner}/{repo}/environments/{environment_name}', (m) => {
    const name = decodeURIComponent(m.environment_name!);
    if (!gh.environments.includes(name)) throw new HttpError(404, 'Not Found');
    return { status: 200, body: githubObject('environment', { id: nextId++, name, html_url: html(`deployments/activity_log?environments_filter=${name}`) }) };
  });
  on('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments', (m) => ({
    status: 200,
    body: (gh.pendingDeployments[m.run_id!] ?? []).map((env) =>
      githubObject('pending-deployment', {
        environment: { id: nextId++, name: env, html_url: html('environments') },
        wait_timer: 0,
        current_user_can_approve: false,
      }),
    ),
  }));
  on('GET', '/repos/{owner}/{repo}/issues', (_m, req) => {
    const labels = (req.query.labels ?? '').split(',').filter(Boolean);
    const state = req.query.state ?? 'open';
    const list = gh.issues
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => labels.every((l) => i.labels.includes(l)))
      .sort((a, b) => b.number - a.number);
    return { status: 200, body: page(list.map(issueJson), req.query) };
  });
  on('POST', '/repos/{owner}/{repo}/issues', (_m, req) => {
    const body = req.body as { title?: string; body?: string; labels?: string[] };
    if (!body.title) throw new HttpError(422, 'Validation Failed');
    const issue: StandInIssue = {
      number: gh.issues.length + 1,
      title: body.title,
      body: body.body ?? '',
      state: 'open',
      labels: body.labels ?? [],
      comments: [],
      createdAt: now(),
    };
    gh.issues.push(issue);
    return { status: 201, body: issueJson(issue) };
  });
  on('PATCH', '/repos/{owner}/{repo}/issues/{issue_number}', (m, req) => {
    const issue = findIssue(m.issue_number!);
    const body = req.body as { state?: 'open' | 'closed'; body?: string; title?: string };
    if (body.state) issue.state = body.state;
    if (body.body !== undefined) issue.body = body.body;
    if (body.title !== undefined) issue.title = body.title;
    return { status: 200, body: issueJson(issue) };
  });
  on('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', (m, req) => {
    const issue = findIssue(m.issue_number!);
    const text = (req.body as { body?: string }).body ?? '';
    issue.comments.push(text);
    return {
      status: 201,
      body: githubObject('issue-comment', {
        id: nextId++,
        body: text,
        html_url: html(`issues/${issue.number}#comment`),
        issue_url: api(`issues/${issue.number}`),
        user: user('github-actions[bot]'),
        created_at: now(),
        updated_at: now(),
      }),
    };
  });
  on('POST', '/repos/{owner}/{repo}/deployments', (_m, req) => {
    const body = req.body as { ref?: string; environment?: string; payload?: unknown; description?: string };
    if (!body.ref) throw new HttpError(422, 'Validation Failed');
    const d: StandInDeployment = {
      id: nextId++,
      sha: /^[0-9a-f]{40}$/.test(body.ref) ? body.ref : 'a'.repeat(40),
      ref: body.ref,
      environment: body.environment ?? 'production',
      payload: typeof body.payload === 'string' ? JSON.parse(body.payload || '{}') : (body.payload ?? {}),
      description: body.description ?? null,
      createdAt: new Date(Date.now() + gh.deployments.length).toISOString(),
      statuses: [],
    };
    gh.deployments.push(d);
    return { status: 201, body: deploymentJson(d) };
  });
  on('GET', '/repos/{owner}/{repo}/deployments', (_m, req) => {
    const list = gh.deployments
      .filter((d) => !req.query.environment || d.environment === req.query.environment)
      .filter((d) => !req.query.sha || d.sha === req.query.sha)
      .slice()
      .reverse();
    return { status: 200, body: page(list.map(deploymentJson), req.query) };
  });
  on('POST', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', (m, req) => {
    const d = findDeployment(m.deployment_id!);
    const body = req.body as { state?: string; environment_url?: string; log_url?: string; description?: string };
    const states = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
    if (!body.state || !states.includes(body.state)) throw new HttpError(422, 'Validation Failed');
    const s = {
      id: nextId++,
      state: body.state,
      environmentUrl: body.environment_url ?? '',
      logUrl: body.log_url ?? '',
      description: body.description ?? '',
      createdAt: now(),
    };
    d.statuses.push(s);
    return { status: 201, body: statusJson(d, s) };
  });
  on('GET', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', (m, req) => {
    const d = findDeployment(m.deployment_id!);
    return {
      status: 200,
      body: page(
        d.statuses
          .slice()
          .reverse()
          .map((s) => statusJson(d, s)),
        req.query,
      ),
    };
  });

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-media-type': 'github.v3', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://standin');
    const raw = Buffer.concat(chunks).toString('utf8');
    const request: StandInRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: raw ? (JSON.parse(raw) as unknown) : undefined,
      authorization: req.headers.authorization ?? '',
    };
    gh.requests.push(request);
    if (request.authorization !== `token ${gh.token}` && request.authorization !== `Bearer ${gh.token}`) {
      return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    for (const route of routes) {
      const m = route.method === request.method ? route.pattern.exec(url.pathname) : null;
      if (!m) continue;
      const params = m.groups ?? {};
      if (params.owner !== owner || params.repo !== repo) return send(res, 404, { message: 'Not Found' });
      let answer: { status: number; body?: unknown };
      try {
        answer = route.handle(params, request);
      } catch (err) {
        if (err instanceof HttpError) return send(res, err.status, { message: err.message, documentation_url: 'https://docs.github.com/rest' });
        throw err;
      }
      const body = gh.corrupt ? gh.corrupt(answer.body) : answer.body;
      const errors = validateGitHubResponse(route.method, route.template, answer.status, body);
      if (errors.length > 0) {
        gh.violations.push(`${route.method} ${url.pathname} → ${answer.status}: ${errors.join('; ')}`);
        return send(res, 500, { message: `stand-in response does not match GitHub's OpenAPI description: ${errors.join('; ')}` });
      }
      return send(res, answer.status, body);
    }
    send(res, 404, { message: `Not Found (the stand-in has no ${request.method} ${url.pathname})` });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { message: String(err) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  const gh: GitHubStandIn = {
    url: `http://127.0.0.1:${port}`,
    owner,
    repo,
    token: options.token ?? 'ghs_standintoken0123456789abcdef',
    pulls: [],
    checkRuns: {},
    statuses: {},
    codeScanning: [],
    dependabot: [],
    environments: [],
    pendingDeployments: {},
    issues: [],
    deployments: [],
    requests: [],
    violations: [],
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return gh;
}
