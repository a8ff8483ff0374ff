/** The incident issue of the gates: one open issue with a label, its state kept in a marker in its body. */
import type { GitHubClient } from '../runtime/github.js';
import type { RepositoryRef } from './repository.js';

export interface OpenIssue {
  number: number;
  url: string;
  body: string;
  createdAt: string;
}

export class LabelledIssues {
  constructor(
    private readonly client: GitHubClient,
    private readonly repository: RepositoryRef,
    readonly label: string,
  ) {}

  /** The newest open issue with the label. */
  async findOpen(): Promise<OpenIssue | undefined> {
    const { data } = await this.client.rest.issues.listForRepo({
      ...this.repository,
      labels: this.label,
      state: 'open',
      sort: 'created',
      direction: 'desc',
      per_page: 10,
    });
    const issue = data.find((i) => !i.pull_request);
    return issue ? { number: issue.number, url: issue.html_url, body: issue.body ?? '', createdAt: issue.created_at } : undefined;
  }

  async open(title: string, body: string): Promise<OpenIssue> {
    const { data } = await this.client.rest.issues.create({ ...this.repository, title, body, labels: [this.label] });
    return { number: data.number, url: data.html_url, body: data.body ?? '', createdAt: data.created_at };
  }

  async comment(number: number, body: string): Promise<void> {
    await this.client.rest.issues.createComment({ ...this.repository, issue_number: number, body });
  }

  async update(number: number, changes: { body?: string; title?: string; state?: 'open' | 'closed' }): Promise<void> {
    await this.client.rest.issues.update({
      ...this.repository,
      issue_number: number,
      ...changes,
      ...(changes.state === 'closed' ? { state_reason: 'completed' as const } : {}),
    });
  }
}
