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

async function request(path, options = {}) {
  return (await exchange(path, options)).content;
}

/** The answer and its headers: the device list says where its next page starts in Link. */
async function exchange(path, { method = 'GET', body } = {}) {
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
  return { content, headers: response.headers };
}

/** The after= token of a Link rel="next" header, or null on the last page. */
function nextToken(headers) {
  const link = /<([^>]*)>;\s*rel="next"/.exec(headers.get('link') ?? '');
  return link ? new URL(link[1], location.origin).searchParams.get('after') : null;
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
  me: () => request('/api/me'),
  stations: () => request('/api/stations'),
  /** One page of the fleet and the token of the next (keyset paging: ?after= from the Link header). */
  devices: async (params) => {
    const { content, headers } = await exchange(`/api/devices?${query(params)}`);
    return { items: content, next: nextToken(headers) };
  },
  device: (deviceId) => request(`/api/devices/${id(deviceId)}`),
  deviceAudit: (deviceId) => request(`/api/devices/${id(deviceId)}/audit`),
  deviceActivity: (deviceId) => request(`/api/devices/${id(deviceId)}/activity?limit=25`),
  suspend: (deviceId, reason) => request(`/api/devices/${id(deviceId)}/suspend`, { method: 'POST', body: { reason } }),
  resume: (deviceId, reason) => request(`/api/devices/${id(deviceId)}/resume`, { method: 'POST', body: { reason } }),
  retire: (deviceId, sha256, reason) =>
    request(`/api/devices/${id(deviceId)}/certificates/${id(sha256)}`, { method: 'DELETE', body: { reason } }),
  changeAttributes: (deviceId, attributes, reason) =>
    request(`/api/devices/${id(deviceId)}/attributes`, { method: 'PUT', body: { attributes, reason } }),
  issueToken: (deviceId, reason) => request(`/api/devices/${id(deviceId)}/enrollment-token`, { method: 'POST', body: { reason } }),
  /** Server-sent events of one device: its state at once and after every change, whoever made it. */
  deviceStream: (deviceId) => new EventSource(`/api/devices/${id(deviceId)}/stream`),
  /** Server-sent events of new alerts; the browser resumes with Last-Event-ID by itself. */
  alertStream: (since) => new EventSource(`/api/alerts/stream${since ? `?${query({ since })}` : ''}`),
};
