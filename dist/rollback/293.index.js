export const id = 293;
export const ids = [293];
export const modules = {

/***/ 41293:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   MAX_GITHUB_ANSWER_BYTES: () => (/* binding */ MAX_GITHUB_ANSWER_BYTES),
/* harmony export */   capResponse: () => (/* binding */ capResponse),
/* harmony export */   createGitHubClient: () => (/* binding */ createGitHubClient)
/* harmony export */ });
/* harmony import */ var _http_client_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(73329);

async function createGitHubClient(token, options = {}) {
    const { getOctokit } = await __webpack_require__.e(/* import() */ 351).then(__webpack_require__.bind(__webpack_require__, 61351));
    const baseUrl = (options.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
    const timeoutMs = options.timeoutMs ?? 30_000;
    return getOctokit(token, {
        baseUrl,
        request: {
            fetch: async (url, init) => capResponse(await fetch(url, { ...init, signal: combine(init?.signal, timeoutMs) }), MAX_GITHUB_ANSWER_BYTES, baseUrl),
        },
    });
}
/** The most read of one GitHub API answer (32 MiB; list endpoints page at 100 items). */
const MAX_GITHUB_ANSWER_BYTES = 32 << 20;
/**
 * The response read whole, or an error naming the API and the limit once it passes `maxBytes` (octokit
 * itself reads every body whole, and turns a body that fails mid-read into an empty answer).
 */
async function capResponse(res, maxBytes, api) {
    if (!res.body)
        return res;
    try {
        const whole = new Response(await (0,_http_client_js__WEBPACK_IMPORTED_MODULE_0__/* .readCapped */ .EF)(res, maxBytes), { status: res.status, statusText: res.statusText, headers: res.headers });
        // Octokit reads the answer's URL (pagination resolves `Link` against it); a new Response has none.
        Object.defineProperty(whole, 'url', { value: res.url });
        return whole;
    }
    catch (err) {
        if (err instanceof _http_client_js__WEBPACK_IMPORTED_MODULE_0__/* .HttpTransportError */ .Mz && err.code === 'TOO_LARGE')
            throw new Error(`the answer from the GitHub API at ${api} ${err.message.replace(/^the response /, '')}`, { cause: err });
        throw err;
    }
}
function combine(signal, timeoutMs) {
    const timeout = AbortSignal.timeout(timeoutMs);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
}


/***/ })

};
