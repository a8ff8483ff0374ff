export { PrometheusClient, PrometheusError, parseSampleValue, toSamples, normaliseBaseUrl, type Sample, type PrometheusClientOptions } from './prometheus.js';
export {
  parseMetricChecks,
  parseNoDataPolicy,
  renderQuery,
  selectorFor,
  trackSelectors,
  checkUnit,
  describeThreshold,
  formatNumber,
  DEFAULT_METRIC_NAMES,
  NO_DATA_POLICIES,
  COMPARISONS,
  TEMPLATES,
  type MetricCheck,
  type MetricNames,
  type MetricTemplate,
  type Comparison,
  type NoDataPolicy,
  type Selectors,
} from './config.js';
export {
  judgeStep,
  judgeMetric,
  judgeAgainstStable,
  compare,
  analyseStep,
  valueOf,
  analysisSeries,
  NO_DATA_EMPTY,
  NO_DATA_NAN,
  type Verdict,
  type StepVerdict,
  type MetricResult,
  type StepAnalysis,
  type Measurement,
  type AnalysisSeries,
} from './analysis.js';
export {
  PRESETS,
  PRESET_NAMES,
  STATUS_PATTERNS,
  ERROR_PATTERNS,
  presetByName,
  presetsMatching,
  resolveMetricNames,
  type MetricPreset,
  type MetricNameOverrides,
  type StatusForm,
} from './presets.js';
export {
  preflightTrack,
  assertJudgeable,
  preflightError,
  assessStatusLabel,
  formatSeries,
  joinMatchers,
  type PreflightProblem,
  type Track,
} from './preflight.js';
export {
  compareSamples,
  compareErrorRates,
  compareCheck,
  measureComparison,
  DEFAULT_ALPHA,
  MIN_SAMPLES,
  type CompareSettings,
  type CompareOutcome,
  type CompareWindow,
  type SuccessCounts,
} from './compare.js';
export {
  combineMeasurements,
  stepDecided,
  measurementTimes,
  validateMeasurementPolicy,
  parseInconclusivePolicy,
  afterVerdict,
  INCONCLUSIVE_POLICIES,
  type MeasurementPolicy,
  type InconclusivePolicy,
} from './measurements.js';
export { mannWhitneyGreater, twoProportionsGreater, hodgesLehmann, alphaSpent, alphaForLook, SPENDING_FUNCTIONS, type SpendingFunction } from './statistics.js';
export { type RangeSeries } from './prometheus.js';
export { analysisOptionsFromInputs, parseAlpha, lookOf, JUDGES, DEFAULT_SAMPLE_MS, type AnalysisOptions, type Judge } from './from-inputs.js';
export { JudgedAnalyser, type JudgedAnalyserOptions } from './judged-analyser.js';
