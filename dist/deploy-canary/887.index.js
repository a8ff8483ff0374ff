export const id = 887;
export const ids = [887];
export const modules = {

/***/ 6887:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GitHubDeployments: () => (/* binding */ GitHubDeployments),
/* harmony export */   lastGoodFromDeployments: () => (/* binding */ lastGoodFromDeployments),
/* harmony export */   payloadImages: () => (/* binding */ payloadImages)
/* harmony export */ });
/* harmony import */ var _runtime_secrets_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4205);

class GitHubDeployments {
    client;
    repository;
    constructor(client, repository) {
        this.client = client;
        this.repository = repository;
    }
    /** Creates the deployment (no merge of the default branch, no required contexts: the workflow already gated it). */
    async create(options) {
        const payload = { 'deploy-kit': { images: options.images, action: options.action } };
        const res = await this.client.rest.repos.createDeployment({
            ...this.repository,
            ref: options.ref,
            environment: options.environment,
            payload: payload,
            description: (0,_runtime_secrets_js__WEBPACK_IMPORTED_MODULE_0__/* .redactSecrets */ .fp)(options.description ?? `${options.action}: ${options.images.map((i) => i.image).join(', ')}`).slice(0, 140),
            auto_merge: false,
            required_contexts: [],
            ...(options.production !== undefined ? { production_environment: options.production } : {}),
        });
        if (res.status !== 201 || !('id' in res.data))
            throw new Error(`GitHub did not create the deployment (HTTP ${res.status}: ${JSON.stringify(res.data).slice(0, 200)})`);
        return res.data.id;
    }
    async setStatus(deploymentId, state, options = {}) {
        await this.client.rest.repos.createDeploymentStatus({
            ...this.repository,
            deployment_id: deploymentId,
            state,
            ...(options.environmentUrl ? { environment_url: options.environmentUrl } : {}),
            ...(options.logUrl ? { log_url: options.logUrl } : {}),
            // A failure's description quotes an error message: it leaves the runner, so it is redacted first.
            ...(options.description ? { description: (0,_runtime_secrets_js__WEBPACK_IMPORTED_MODULE_0__/* .redactSecrets */ .fp)(options.description).slice(0, 140) } : {}),
            // Inactivating the replaced one is done explicitly (markReplaced), so it is in the record either way.
            auto_inactive: false,
        });
    }
    /** The environment's deployments, newest first, each with its statuses (at most `limit` deployments). */
    async list(environment, limit = 30) {
        const { data } = await this.client.rest.repos.listDeployments({ ...this.repository, environment, per_page: Math.min(100, limit) });
        return Promise.all(data.slice(0, limit).map(async (d) => {
            const { data: statuses } = await this.client.rest.repos.listDeploymentStatuses({ ...this.repository, deployment_id: d.id, per_page: 100 });
            return {
                id: d.id,
                sha: d.sha,
                environment: d.environment,
                createdAt: d.created_at,
                payload: d.payload,
                states: statuses.map((s) => s.state).reverse(),
            };
        }));
    }
    /** Marks inactive the deployment that was live before `current` (its latest status success); returns its id. */
    async markReplaced(environment, current) {
        const live = (await this.list(environment)).find((d) => d.id !== current && d.states.at(-1) === 'success');
        if (live)
            await this.setStatus(live.id, 'inactive', { description: `replaced by deployment ${current}` });
        return live?.id;
    }
}
/** The images in a deployment's payload, or undefined when it was not written by deploy-kit. */
function payloadImages(payload) {
    const dk = payload?.['deploy-kit'];
    if (!dk || !Array.isArray(dk.images))
        return undefined;
    const images = dk.images.filter((i) => !!i && typeof i.service === 'string' && typeof i.image === 'string' && i.image !== '');
    return images.length > 0 ? images : undefined;
}
/**
 * Pure: the newest deployment that reached `success` and carries images, older than the current
 * one — the current one being the newest that reached success (what runs now). Deployments are
 * given newest first. With `current` images, one that deployed exactly those is skipped too.
 */
function lastGoodFromDeployments(deployments, current = []) {
    const succeeded = deployments.filter((d) => d.states.includes('success') && payloadImages(d.payload));
    const same = (images) => current.length > 0 && current.every((c) => images.some((i) => i.service === c.service && i.image === c.image));
    for (const d of succeeded.slice(1)) {
        const images = payloadImages(d.payload);
        if (!same(images))
            return { deploymentId: d.id, sha: d.sha, createdAt: d.createdAt, images };
    }
    return undefined;
}


/***/ })

};
