export { runProgram, commandWorks, findOnPath, lastLines, ExecError, DEFAULT_TIMEOUT_MS, type RunOptions, type RunResult } from './run.js';
