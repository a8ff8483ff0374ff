export const id = 39;
export const ids = [39];
export const modules = {

/***/ 5039:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   LabelledIssues: () => (/* binding */ LabelledIssues)
/* harmony export */ });
class LabelledIssues {
    client;
    repository;
    label;
    constructor(client, repository, label) {
        this.client = client;
        this.repository = repository;
        this.label = label;
    }
    /** The newest open issue with the label. */
    async findOpen() {
        const { data } = await this.client.rest.issues.listForRepo({
            ...this.repository,
            labels: this.label,
            state: 'open',
            sort: 'created',
            direction: 'desc',
            per_page: 10,
        });
        const issue = data.find((i) => !i.pull_request);
        return issue ? { number: issue.number, url: issue.html_url, body: issue.body ?? '', createdAt: issue.created_at } : undefined;
    }
    async open(title, body) {
        const { data } = await this.client.rest.issues.create({ ...this.repository, title, body, labels: [this.label] });
        return { number: data.number, url: data.html_url, body: data.body ?? '', createdAt: data.created_at };
    }
    async comment(number, body) {
        await this.client.rest.issues.createComment({ ...this.repository, issue_number: number, body });
    }
    async update(number, changes) {
        await this.client.rest.issues.update({
            ...this.repository,
            issue_number: number,
            ...changes,
            ...(changes.state === 'closed' ? { state_reason: 'completed' } : {}),
        });
    }
}


/***/ })

};
