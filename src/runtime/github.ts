/**
 * The GitHub API client: @actions/github's octokit with the job's token. The only place that loads
 * it, and lazily (`await import()`), so actions that never talk to GitHub do not pay for octokit at
 * start-up; ncc puts it in a chunk of its own.
 */
import type { getOctokit } from '@actions/github';

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface GitHubClientOptions {
  /** API root; default GITHUB_API_URL (set on runners, also for GitHub Enterprise Server), else https://api.github.com. */
  baseUrl?: string;
  /** Deadline of one request, ms. Default 30 s. */
  timeoutMs?: number;
}

export async function createGitHubClient(token: string, options: GitHubClientOptions = {}): Promise<GitHubClient> {
  const { getOctokit } = await import('@actions/github');
  const baseUrl = (options.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  return getOctokit(token, {
    baseUrl,
    request: { fetch: (url: string | URL | Request, init?: RequestInit) => fetch(url, { ...init, signal: combine(init?.signal, timeoutMs) }) },
  });
}

function combine(signal: AbortSignal | null | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}
