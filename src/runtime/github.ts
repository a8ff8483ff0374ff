/**
 * The GitHub API client: @actions/github's octokit with the job's token. The only place that loads
 * it, and lazily (`await import()`), so actions that never talk to GitHub do not pay for octokit at
 * start-up; ncc puts it in a chunk of its own.
 */
import type { getOctokit } from '@actions/github';
import { HttpTransportError, readCapped } from '../http/client.js';

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
    request: {
      fetch: async (url: string | URL | Request, init?: RequestInit) =>
        capResponse(await fetch(url, { ...init, signal: combine(init?.signal, timeoutMs) }), MAX_GITHUB_ANSWER_BYTES, baseUrl),
    },
  });
}

/** The most read of one GitHub API answer (32 MiB; list endpoints page at 100 items). */
export const MAX_GITHUB_ANSWER_BYTES = 32 << 20;

/**
 * The response read whole, or an error naming the API and the limit once it passes `maxBytes` (octokit
 * itself reads every body whole, and turns a body that fails mid-read into an empty answer).
 */
export async function capResponse(res: Response, maxBytes: number, api: string): Promise<Response> {
  if (!res.body) return res;
  try {
    const whole = new Response(await readCapped(res, maxBytes), { status: res.status, statusText: res.statusText, headers: res.headers });
    // Octokit reads the answer's URL (pagination resolves `Link` against it); a new Response has none.
    Object.defineProperty(whole, 'url', { value: res.url });
    return whole;
  } catch (err) {
    if (err instanceof HttpTransportError && err.code === 'TOO_LARGE')
      throw new Error(`the answer from the GitHub API at ${api} ${err.message.replace(/^the response /, '')}`, { cause: err });
    throw err;
  }
}

function combine(signal: AbortSignal | null | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}
