/**
 * Whether to push, as docker/build-push-action users expect it: by default push on pushes, tags
 * and manual runs, build only for pull requests — and never try from a fork, whose token cannot.
 */

/** Events whose builds are checks of unmerged code: built, not pushed, unless push is set. */
export const BUILD_ONLY_EVENTS = ['pull_request', 'pull_request_target', 'merge_group'] as const;

export interface PushDecision {
  push: boolean;
  /** Why the default or the input was overridden, for a notice. */
  notice?: string;
}

export function decidePush(given: boolean | undefined, eventName: string, fromFork: boolean): PushDecision {
  if (fromFork && eventName.startsWith('pull_request')) {
    return {
      push: false,
      notice: `${given ? 'push: true is ignored: ' : ''}this pull request comes from a fork, whose token cannot push; the images are built, not pushed.`,
    };
  }
  if (given !== undefined) return { push: given };
  if ((BUILD_ONLY_EVENTS as readonly string[]).includes(eventName)) {
    return { push: false, notice: `push is not set and the event is ${eventName}: the images are built, not pushed (set push: true to push).` };
  }
  return { push: true };
}

/** True when the event payload is a pull request whose head lives in another repository (a fork). */
export function isForkPullRequest(payload: unknown): boolean {
  const pr = (payload as { pull_request?: { head?: { repo?: { full_name?: string } | null }; base?: { repo?: { full_name?: string } } } } | null)?.pull_request;
  if (!pr) return false;
  const head = pr.head?.repo?.full_name;
  const base = pr.base?.repo?.full_name;
  // A deleted fork has head.repo null: it is a fork all the same.
  return !head || head !== base;
}
