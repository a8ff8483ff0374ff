export {
  httpRequest,
  describeTransportError,
  isTransientError,
  isTransientStatus,
  HttpTransportError,
  DEFAULT_HTTP_TIMEOUT_MS,
  type HttpRequest,
  type HttpResponse,
} from './client.js';
export { retry, backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy, type RetryOptions, type RetryOutcome } from './backoff.js';
export { httpRequestNode, closeIdleConnections, type NodeHttpRequest, type NodeHttpResponse, type TlsOptions } from './node-client.js';
