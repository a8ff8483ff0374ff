export { runProgram, commandWorks, lastLines, ExecError, DEFAULT_TIMEOUT_MS, type RunOptions, type RunResult } from './run.js';
