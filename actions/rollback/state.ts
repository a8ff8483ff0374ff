/** Saved as soon as the kubeconfig input is written to a temp file: the post step removes it if main could not. */
export const KUBECONFIG_STATE = 'kubeconfig-file';
