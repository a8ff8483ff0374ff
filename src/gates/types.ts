/** The typed form of a gates file, and what evaluating it yields. */
import type { Check } from '../checks/types.js';
import type { Severity } from '../github/commit-state.js';
import type { TextPattern } from '../util/user-pattern.js';

export type GateStatus = 'GREEN' | 'RED';
export type Verdict = 'pass' | 'fail';

export interface PrometheusCondition {
  kind: 'prometheus';
  name: string;
  /** `gates[0] ("gate-a") checks[1] ("error rate")`, for messages. */
  label: string;
  query: string;
  /** threshold: one value against max/min/equals; all-up: every series is 1; none-firing: no series at all. */
  rule: 'threshold' | 'all-up' | 'none-firing';
  comparison?: '<=' | '>=' | '==';
  threshold?: number;
  /** How values are shown: a ratio as %, seconds as ms/s. */
  unit: '' | 'ratio' | 'seconds';
  /** An empty result (or NaN) passes instead of failing. */
  noDataPass: boolean;
}

export type GitHubRule =
  | { rule: 'approvals'; min: number }
  | { rule: 'checks'; filter?: TextPattern }
  | { rule: 'code-scanning' | 'dependabot'; maxSeverity: Severity }
  | { rule: 'environment'; environment: string };

export interface GitHubCondition {
  kind: 'github';
  name: string;
  label: string;
  github: GitHubRule;
}

export interface GrafanaCondition {
  kind: 'grafana';
  name: string;
  label: string;
  url: string;
  token?: string;
  /** With a query: a datasource query over the last `fromMs` must return data. */
  datasource?: string;
  query?: string;
  fromMs: number;
}

export interface HttpCondition {
  kind: 'http';
  name: string;
  label: string;
  check: Check;
}

export type Condition = PrometheusCondition | GitHubCondition | GrafanaCondition | HttpCondition;

export interface Gate {
  name: string;
  description?: string;
  conditions: Condition[];
}

export interface GatesPlan {
  gates: Gate[];
  /** Values substituted from the environment: mask them before logging anything. */
  secrets: string[];
}

/** One condition's result at one evaluation. */
export interface ConditionResult {
  name: string;
  kind: Condition['kind'];
  verdict: Verdict;
  /** What was measured, as shown (e.g. `0.4 %`, `2 approvals`, `HTTP 200`). */
  measured: string;
  /** The numeric value, for Prometheus thresholds (null: no data). */
  value?: number | null;
  threshold: string;
  /** Why it failed, or what passed. */
  reason: string;
}

export interface GateResult {
  name: string;
  status: GateStatus;
  conditions: ConditionResult[];
}

export interface Evaluation {
  /** ISO time of the evaluation. */
  at: string;
  gates: GateResult[];
}
