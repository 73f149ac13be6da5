// The TrackTrace API as the page uses it. The browser's client certificate authenticates every
// request (mutual TLS), so there are no tokens here. Errors are RFC 7807 problem+json: ApiError
// carries the problem so the page can show its detail.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function request(path, { method = 'GET', body } = {}) {
  const response = await fetch(path, {
    method,
    headers: body === undefined
      ? { accept: 'application/json' }
      : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = response.headers.get('content-type') ?? '';
  const content = type.includes('json') ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) throw new ApiError(response.status, typeof content === 'object' ? content : { detail: content });
  return content;
}

const id = encodeURIComponent;

/** Query string from an object, leaving out undefined, null and '' (false is a value: acknowledged=false). */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  return search.toString();
}

// Route templates change only with a deployment: read once per page load.
let workflows;

export const api = {
  shipments: (params) => request(`/api/shipments?${query(params)}`),
  shipment: (shipmentId) => request(`/api/shipments/${id(shipmentId)}`),
  timeline: (shipmentId) => request(`/api/shipments/${id(shipmentId)}/timeline`),
  coldChain: (shipmentId) => request(`/api/shipments/${id(shipmentId)}/cold-chain`),
  readings: (shipmentId) => request(`/api/shipments/${id(shipmentId)}/temperature-readings`),
  workflows: () => (workflows ??= request('/api/workflows').catch((error) => { workflows = undefined; throw error; })),
  workflow: async (workflowId) => (await api.workflows()).find((w) => w.id === workflowId)
    ?? request(`/api/workflows/${id(workflowId)}`),
  diagram: (workflowId) => request(`/api/workflows/${id(workflowId)}/diagram`),
  alerts: (params) => request(`/api/alerts?${query(params)}`),
  acknowledge: (alertId) => request(`/api/alerts/${id(alertId)}/ack`, { method: 'POST', body: {} }),
  /** Server-sent events of new alerts; the browser resumes with Last-Event-ID by itself. */
  alertStream: (since) => new EventSource(`/api/alerts/stream${since ? `?${query({ since })}` : ''}`),
};
