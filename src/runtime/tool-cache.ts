/**
 * The runner's tool cache (`@actions/tool-cache`), wrapped so that only src/runtime imports an
 * `@actions/*` package. Loaded on first use: actions that never install a tool do not pay for it.
 */

type ToolCache = typeof import('@actions/tool-cache');
let loaded: Promise<ToolCache> | undefined;
const toolCache = (): Promise<ToolCache> => (loaded ??= import('@actions/tool-cache'));

export interface ToolCacheApi {
  /** The cached directory of `tool` at `version` (exact or a semver range), or undefined. */
  find(tool: string, version: string, arch?: string): Promise<string | undefined>;
  /** Downloads `url` to a temp file (retried by tool-cache) and returns its path. */
  download(url: string): Promise<string>;
  extract(file: string, format: 'zip' | 'tar.gz'): Promise<string>;
  /** Copies a directory into the cache as `tool`@`version`; returns the cached directory. */
  cacheDir(dir: string, tool: string, version: string, arch?: string): Promise<string>;
}

export const runnerToolCache: ToolCacheApi = {
  async find(tool, version, arch) {
    const found = (await toolCache()).find(tool, version, arch);
    return found || undefined;
  },
  async download(url) {
    return (await toolCache()).downloadTool(url);
  },
  async extract(file, format) {
    const tc = await toolCache();
    return format === 'zip' ? tc.extractZip(file) : tc.extractTar(file);
  },
  async cacheDir(dir, tool, version, arch) {
    return (await toolCache()).cacheDir(dir, tool, version, arch);
  },
};
