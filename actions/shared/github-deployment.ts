/**
 * `github-deployment: true` of deploy-canary and rollback: the inputs, and the GitHub Deployments
 * client (octokit loaded only when asked for). The use case it wraps is src/release/github-deployment.
 */
import type { DeployedImage, GitHubDeployments } from '../../src/github/deployments.js';
import { withGitHubDeployment } from '../../src/release/github-deployment.js';
import type { ActionContext } from '../../src/runtime/action.js';
import { ConfigurationError } from '../../src/runtime/errors.js';
import type { Inputs } from '../../src/runtime/inputs.js';
import type { RunContext } from '../../src/runtime/context.js';

export interface GitHubDeploymentSettings {
  token: string;
  repository: string;
  environment: string;
  environmentUrl?: string;
  sha: string;
  logUrl?: string;
}

/** undefined unless github-deployment is true; every missing piece is named with its fix. */
export function readGitHubDeployment(inputs: Inputs, run: RunContext): GitHubDeploymentSettings | undefined {
  if (!inputs.boolean('github-deployment', false)) return undefined;
  const token = inputs.secret('github-token');
  if (!token)
    throw new ConfigurationError('github-deployment is true but github-token is empty: leave its default (the job’s token, with deployments: write).', {
      input: 'github-token',
    });
  if (!run.repository)
    throw new ConfigurationError('github-deployment is true but GITHUB_REPOSITORY is not set (outside GitHub, set it to owner/name).', {
      input: 'github-deployment',
    });
  if (!run.sha)
    throw new ConfigurationError('github-deployment is true but GITHUB_SHA is not set: the deployment is made at a commit.', { input: 'github-deployment' });
  const environmentUrl = inputs.optional('environment-url');
  if (environmentUrl && !/^https?:\/\//.test(environmentUrl)) {
    throw new ConfigurationError(`environment-url is "${environmentUrl}": give an http(s) URL, e.g. https://shop.example.com.`, { input: 'environment-url' });
  }
  return {
    token,
    repository: run.repository,
    environment: inputs.string('environment', { default: 'production' }),
    ...(environmentUrl ? { environmentUrl } : {}),
    sha: run.sha,
    ...(run.runUrl ? { logUrl: run.runUrl } : {}),
  };
}

export async function connectDeployments(settings: GitHubDeploymentSettings): Promise<GitHubDeployments> {
  const [{ createGitHubClient }, { parseRepository }, { GitHubDeployments }] = await Promise.all([
    import('../../src/runtime/github.js'),
    import('../../src/github/repository.js'),
    import('../../src/github/deployments.js'),
  ]);
  return new GitHubDeployments(await createGitHubClient(settings.token), parseRepository(settings.repository));
}

/** Runs `release` inside a GitHub Deployment and logs what GitHub was told (a warning when it could not be). */
export async function trackOnGitHub<T>(
  ctx: ActionContext,
  settings: GitHubDeploymentSettings,
  what: { action: string; images: DeployedImage[] },
  release: () => Promise<T>,
  judge: (result: T) => 'success' | 'failure' | 'pending',
): Promise<T> {
  const deployments = await connectDeployments(settings);
  const outcome = await withGitHubDeployment(
    deployments,
    {
      ref: settings.sha,
      environment: settings.environment,
      action: what.action,
      images: what.images,
      environmentUrl: settings.environmentUrl,
      logUrl: settings.logUrl,
    },
    release,
    judge,
  );
  if (outcome.warning) ctx.log.warning(outcome.warning);
  if (outcome.deploymentId !== undefined) {
    ctx.log.info(
      `GitHub deployment ${outcome.deploymentId} of ${settings.environment} recorded${outcome.replaced !== undefined ? `; deployment ${outcome.replaced} it replaced is inactive` : ''}.`,
    );
  }
  return outcome.result;
}
