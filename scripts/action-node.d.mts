/** The path of the Node 24 binary that runs the bundles in tests; throws, saying how to get it, when it is missing. */
export function actionNode(): string;
