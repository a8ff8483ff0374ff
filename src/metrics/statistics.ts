/**
 * The statistics behind `judge: compare`, pure: the normal distribution, the Mann-Whitney U test
 * (exact for small samples without ties, normal approximation with tie and continuity correction
 * otherwise), the Hodges-Lehmann shift, a two-proportion test with a margin, and alpha spending
 * over the looks of a canary (docs/decisions/0041).
 */

/** erfc with fractional error below 1.2e-7 everywhere (Chebyshev fit; Numerical Recipes' erfcc). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** P(Z > z), accurate in the far tail (no 1 − Φ cancellation). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** The z with P(Z ≤ z) = p (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface MannWhitneyResult {
  /** U of the first sample: pairs (x, y) with x > y, ties counting ½. */
  u: number;
  n1: number;
  n2: number;
  /** One-sided p-value for "x tends to be greater than y". */
  pValue: number;
  method: 'exact' | 'normal';
}

/** Average ranks (1-based) of the pooled values, and the tie groups' sizes. */
function rank(values: readonly number[]): { ranks: number[]; ties: number[] } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  const ties: number[] = [];
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const avg = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = avg;
    if (j > i) ties.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, ties };
}

/** Exact upper tail P(U ≥ u) under H0 for sizes n1, n2 (no ties), from the counts of arrangements by U. */
function exactUpperTail(n1: number, n2: number, u: number): number {
  // The largest value is an x (above all j y's: U grows by j) or a y: f(i,j,·) = f(i−1,j,·−j) + f(i,j−1,·).
  let prev: number[][] = Array.from({ length: n2 + 1 }, () => [1]);
  for (let i = 1; i <= n1; i++) {
    const row: number[][] = [[1]];
    for (let j = 1; j <= n2; j++) {
      const dist = new Array<number>(i * j + 1).fill(0);
      prev[j]!.forEach((v, k) => (dist[k + j]! += v));
      row[j - 1]!.forEach((v, k) => (dist[k]! += v));
      row.push(dist);
    }
    prev = row;
  }
  const dist = prev[n2]!;
  const total = dist.reduce((s, v) => s + v, 0);
  let tail = 0;
  for (let k = Math.max(0, Math.ceil(u - 1e-9)); k < dist.length; k++) tail += dist[k]!;
  return tail / total;
}

/**
 * One-sided Mann-Whitney U test that x is stochastically greater than y. Exact when both samples
 * have at most 25 values and there are no ties; otherwise the normal approximation with the tie
 * correction of the variance and a continuity correction.
 */
export function mannWhitneyGreater(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { u: NaN, n1, n2, pValue: NaN, method: 'normal' };
  const { ranks, ties } = rank([...x, ...y]);
  const r1 = ranks.slice(0, n1).reduce((s, r) => s + r, 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  if (ties.length === 0 && n1 <= 25 && n2 <= 25) return { u, n1, n2, pValue: exactUpperTail(n1, n2, u), method: 'exact' };
  const n = n1 + n2;
  const tieTerm = ties.reduce((s, t) => s + t * t * t - t, 0) / (n * (n - 1));
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm);
  if (variance <= 0) return { u, n1, n2, pValue: 1, method: 'normal' }; // every value equal: no evidence
  const z = (u - (n1 * n2) / 2 - 0.5) / Math.sqrt(variance);
  return { u, n1, n2, pValue: Math.min(1, normalSf(z)), method: 'normal' };
}

/** Hodges-Lehmann estimate of the shift x − y: the median of all pairwise differences. */
export function hodgesLehmann(x: readonly number[], y: readonly number[]): number {
  const diffs: number[] = [];
  for (const a of x) for (const b of y) diffs.push(a - b);
  return median(diffs);
}

export interface ProportionsResult {
  /** Observed rates. */
  p1: number;
  p2: number;
  /** One-sided p-value for H0: p1 − p2 ≤ margin against p1 − p2 > margin. */
  pValue: number;
  /** One-sided lower confidence bound of p1 − p2 at level 1 − alpha. */
  lowerBound: number;
}

/**
 * Two proportions, one-sided with a margin: is x1/n1 more than `margin` above x2/n2? Agresti-Caffo
 * adjusted Wald (one success and one failure added to each group), which keeps its level with
 * zero or few events — the usual case for error counts.
 */
export function twoProportionsGreater(x1: number, n1: number, x2: number, n2: number, margin: number, alpha: number): ProportionsResult {
  const p1 = n1 > 0 ? x1 / n1 : NaN;
  const p2 = n2 > 0 ? x2 / n2 : NaN;
  if (!(n1 > 0 && n2 > 0)) return { p1, p2, pValue: NaN, lowerBound: NaN };
  const a1 = (x1 + 1) / (n1 + 2);
  const a2 = (x2 + 1) / (n2 + 2);
  const se = Math.sqrt((a1 * (1 - a1)) / (n1 + 2) + (a2 * (1 - a2)) / (n2 + 2));
  const diff = a1 - a2;
  return { p1, p2, pValue: normalSf((diff - margin) / se), lowerBound: diff - normalQuantile(1 - alpha) * se };
}

export type SpendingFunction = 'pocock' | 'obrien-fleming';
export const SPENDING_FUNCTIONS: readonly SpendingFunction[] = ['pocock', 'obrien-fleming'];

/**
 * Lan-DeMets alpha spending: the part of `alpha` spent by information fraction t (0..1).
 * Pocock-type α·ln(1 + (e − 1)t) spends evenly — early looks can stop a bad canary; O'Brien-
 * Fleming-type 2(1 − Φ(z_{1−α/2}/√t)) spends almost nothing early.
 */
export function alphaSpent(t: number, alpha: number, kind: SpendingFunction = 'pocock'): number {
  const f = Math.min(1, Math.max(0, t));
  if (f === 0) return 0;
  if (f === 1) return alpha;
  if (kind === 'pocock') return alpha * Math.log(1 + (Math.E - 1) * f);
  return Math.min(alpha, 2 * normalSf(normalQuantile(1 - alpha / 2) / Math.sqrt(f)));
}

/**
 * The level of look `look` (1-based) of `looks`: the alpha this look may spend. Testing every look
 * at its increment keeps the chance of any false abort over the whole canary at most `alpha`
 * (Bonferroni over the increments, whatever the correlation of the looks). Looks beyond the
 * planned number (a repeated step) get nothing left: they can no longer abort on statistics alone.
 */
export function alphaForLook(look: number, looks: number, alpha: number, kind: SpendingFunction = 'pocock'): number {
  return looks >= 1 ? alphaForFraction(look, evenFractions(looks), alpha, kind) : 0;
}

/** t = look / looks for each of `looks` looks: every look the same share. */
function evenFractions(looks: number): number[] {
  return Array.from({ length: looks }, (_, i) => (i + 1) / looks);
}

/** One step's traffic shares in percent: the canary's and its control's (baseline, or stable without one). */
export interface StepShares {
  canary: number;
  control: number;
}

/** What a test's information grows with: requests (two proportions) or samples in time (Mann-Whitney). */
export type InformationBasis = 'counts' | 'samples';

/**
 * The information fraction t of every planned look (steps × count, in order), from the plan's
 * shares alone, so it is fixed before the canary starts. A two-sample test's information grows
 * like n₁n₂/(n₁ + n₂). For `counts` (error rates) n is the requests a track has taken, in
 * proportion to its share × time; for `samples` (latency, queries) it is the sample intervals in
 * which the track took any traffic. The control's n stops growing once it gets no traffic (the
 * baseline at 100 %), so the last look adds less than its share of the time. Where the plan gives
 * no information at all, the fractions fall back to look / looks.
 */
export function informationFractions(steps: readonly StepShares[], count: number, basis: InformationBasis): number[] {
  const per = Math.max(1, Math.floor(count));
  const grow = (share: number): number => (basis === 'counts' ? Math.max(0, share) : share > 0 ? 1 : 0) / per;
  const info: number[] = [];
  let nc = 0;
  let nb = 0;
  for (const step of steps) {
    for (let k = 0; k < per; k++) {
      nc += grow(step.canary);
      nb += grow(step.control);
      info.push(nc > 0 && nb > 0 ? (nc * nb) / (nc + nb) : 0);
    }
  }
  const total = info.at(-1) ?? 0;
  if (!(total > 0)) return evenFractions(info.length);
  return info.map((v) => Math.min(1, v / total));
}

/**
 * The level of look `look` (1-based) when the looks' information fractions are `fractions`:
 * α(t_k) − α(t_{k−1}). The levels of all looks add up to `alpha`, as with `alphaForLook`; a look
 * that adds no information gets nothing, and looks beyond the plan get 0.
 */
export function alphaForFraction(look: number, fractions: readonly number[], alpha: number, kind: SpendingFunction = 'pocock'): number {
  if (look < 1 || look > fractions.length) return 0;
  const t = fractions[look - 1]!;
  const before = look > 1 ? fractions[look - 2]! : 0;
  return Math.max(0, alphaSpent(t, alpha, kind) - alphaSpent(before, alpha, kind));
}

/** A p-value or a level for people: 1.2e-4, 0.018, 0.5. */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return String(p);
  return p !== 0 && p < 0.001 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}
