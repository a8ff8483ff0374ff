export const id = 651;
export const ids = [651];
export const modules = {

/***/ 90651:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   parseRepository: () => (/* binding */ parseRepository)
/* harmony export */ });
/* harmony import */ var _runtime_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9541);
/** Which repository the GitHub features talk to: `owner/name` from GITHUB_REPOSITORY. */

function parseRepository(text, source = 'GITHUB_REPOSITORY') {
    const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(text.trim());
    if (!m) {
        throw new _runtime_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ConfigurationError */ .j1(`${source} is "${text}": the GitHub features need the repository as owner/name (set on every runner; outside GitHub set GITHUB_REPOSITORY).`, { input: source });
    }
    return { owner: m[1], repo: m[2] };
}


/***/ })

};
