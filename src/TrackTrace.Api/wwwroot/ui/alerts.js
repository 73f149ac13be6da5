// The live alert feed. One EventSource per page on GET /api/alerts/stream: the server pushes each new
// alert (raised on any instance) as an "alert" event whose id is its raisedAt; when the connection
// drops, the browser reconnects with Last-Event-ID and the server replays what was missed. Alerts are
// kept by id, so a replayed alert never shows twice.

import { api } from './api.js';
import { announce, fill, formatDateTimeSeconds, h, label, plural, problemBox, time, uid } from './dom.js';

const PAGE_SIZE = 50;
const RETRY_AFTER_CLOSE_MS = 5000;

const known = new Map(); // alert id → alert, as last seen
const listeners = new Set(); // lists on screen: ({ alert, fresh, reset }) => true when they showed the alert
let source;
let newestRaisedAt;

export const typeLabels = {
  'out-of-sequence': 'Out of sequence',
  'cold-chain-breach': 'Cold-chain breach',
  'delivery-refused': 'Delivery refused',
  'device-rejected': 'Device rejected',
  'device-clone-suspected': 'Clone suspected',
  'device-outside-network': 'Outside its network',
  'scan-rate-exceeded': 'Scan rate exceeded',
  'impossible-travel': 'Impossible travel',
  'check-in-overdue': 'Check-in overdue',
};

/** Opens the event stream and keeps the header's unacknowledged count current. */
export function startAlertFeed() {
  connect();
  refreshCount();
}

function connect() {
  source?.close();
  // A first connection needs no ?since=: it joins the feed before the page loads its list. After the
  // stream was closed for good (EventSource gives up on an HTTP error), ?since= resumes from the newest alert seen.
  source = api.alertStream(newestRaisedAt);
  showLiveState('connecting');
  source.addEventListener('open', () => showLiveState('live'));
  source.addEventListener('alert', (event) => remember(JSON.parse(event.data), true));
  source.addEventListener('reset', () => { refreshCount(); notify({ reset: true }); });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      showLiveState('offline');
      setTimeout(connect, RETRY_AFTER_CLOSE_MS);
    } else {
      showLiveState('connecting');
    }
  });
}

function remember(alert, live) {
  const seen = known.has(alert.id);
  known.set(alert.id, alert);
  if (!newestRaisedAt || alert.raisedAt > newestRaisedAt) newestRaisedAt = alert.raisedAt;
  if (live && !seen) {
    // A list on screen is a log region and is read out by itself; elsewhere say it here.
    if (!notify({ alert, fresh: true })) announce(`New alert: ${alert.title}`);
    refreshCount();
  }
}

/** Tells the lists on screen; true when one of them showed the alert. */
function notify(change) {
  let shown = false;
  for (const listener of listeners) shown = listener(change) === true || shown;
  return shown;
}

let countTimer;
function refreshCount() {
  clearTimeout(countTimer);
  countTimer = setTimeout(async () => {
    try {
      const page = await api.alerts({ acknowledged: false, pageSize: 1 });
      showCount(page.total);
    } catch {
      // The count is a convenience; the feed itself says when the service cannot be reached.
    }
  }, 200);
}

function showCount(count) {
  const badge = document.getElementById('alert-count');
  if (!badge) return;
  badge.hidden = count === 0;
  fill(badge, String(count), h('span', { class: 'visually-hidden' }, ' unacknowledged'));
}

function showLiveState(state) {
  const element = document.getElementById('live-state');
  if (!element) return;
  element.dataset.state = state;
  element.querySelector('.live-state__text').textContent =
    { connecting: 'Connecting…', live: 'Live', offline: 'Offline, retrying' }[state];
  element.title = {
    connecting: 'Connecting to the alert stream',
    live: 'New alerts appear as they are raised',
    offline: 'The alert stream is closed; the page retries every few seconds',
  }[state];
}

async function acknowledge(alert, button, item) {
  button.disabled = true;
  button.textContent = 'Acknowledging…';
  try {
    const acknowledged = await api.acknowledge(alert.id);
    known.set(acknowledged.id, acknowledged);
    const replacement = alertItem(acknowledged, { headingLevel: item.dataset.headingLevel });
    item.replaceWith(replacement);
    replacement.querySelector('.alert__acked')?.focus();
    announce(`Alert acknowledged: ${alert.title}`);
    notify({ alert: acknowledged, fresh: false });
    refreshCount();
  } catch (error) {
    button.disabled = false;
    button.textContent = 'Acknowledge';
    item.querySelector('.alert__error')?.remove();
    button.after(h('p', { class: 'alert__error', role: 'alert' }, `Not acknowledged: ${error.message}`));
  }
}

const tone = (type) => ({
  'out-of-sequence': 'warn', 'cold-chain-breach': 'danger', 'delivery-refused': 'danger', 'check-in-overdue': 'danger',
  'device-clone-suspected': 'danger', 'device-outside-network': 'warn', 'scan-rate-exceeded': 'warn', 'impossible-travel': 'warn',
}[type] ?? 'neutral');

/** One alert with its Acknowledge button (or who acknowledged it and when). */
export function alertItem(alert, { headingLevel = 2, fresh = false } = {}) {
  const titleId = uid('alert-title');
  const meta = [
    alert.shipmentId && h('span', {}, 'Shipment ', h('a', { href: `#/shipments/${encodeURIComponent(alert.shipmentId)}` }, alert.shipmentId)),
    alert.stationId && h('span', {}, `Station ${alert.stationId}`),
    alert.deviceId && h('span', {}, `Device ${alert.deviceId}`),
  ].filter(Boolean);
  const action = alert.acknowledged
    ? h('p', { class: 'alert__acked', tabindex: '-1' },
      h('span', { class: 'alert__check', 'aria-hidden': 'true' }, '✓'),
      ` Acknowledged by ${alert.acknowledgedBy} `, time(alert.acknowledgedAt, formatDateTimeSeconds))
    : h('button', {
      type: 'button', class: 'button button--primary', 'aria-describedby': titleId,
      onclick: (event) => acknowledge(known.get(alert.id) ?? alert, event.currentTarget, event.currentTarget.closest('li')),
    }, 'Acknowledge');
  return h('li', {
    class: ['alert', `alert--${tone(alert.type)}`, alert.acknowledged && 'alert--acknowledged', fresh && 'alert--fresh'],
    'data-alert-id': alert.id,
    'data-heading-level': headingLevel,
  },
  h('div', { class: 'alert__head' },
    h('span', { class: ['tag', `tag--${tone(alert.type)}`] }, typeLabels[alert.type] ?? label(alert.type)),
    fresh && h('span', { class: 'tag tag--info' }, 'New'),
    time(alert.raisedAt, formatDateTimeSeconds)),
  h(`h${headingLevel}`, { class: 'alert__title', id: titleId }, alert.title),
  h('p', { class: 'alert__detail' }, alert.detail),
  meta.length > 0 && h('p', { class: 'alert__meta' }, meta.flatMap((m, i) => (i ? [' · ', m] : [m]))),
  h('div', { class: 'alert__action' }, action));
}

/**
 * A list of alerts kept current: new ones from the stream are added at the top (the list is a log
 * region, so screen readers hear them) and acknowledgements elsewhere on the page update it.
 */
export function alertList(initial, {
  headingLevel = 2, accepts = () => true, labelText = 'Alerts, newest first', onAdded = () => {}, onReset = () => {},
} = {}) {
  for (const alert of initial) remember(alert, false);
  const list = h('ol', { class: 'feed', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': labelText });
  const empty = h('p', { class: 'empty' }, 'No alerts.');
  const wrapper = h('div', { class: 'feed-wrapper' }, list, empty);
  const sync = () => { empty.hidden = list.children.length > 0; };
  const add = (alerts, where) => {
    for (const alert of alerts) {
      if (list.querySelector(`[data-alert-id="${CSS.escape(alert.id)}"]`)) continue;
      const item = alertItem(alert, { headingLevel });
      if (where === 'top') list.prepend(item); else list.append(item);
    }
    sync();
  };
  add(initial, 'bottom');
  const listener = ({ alert, fresh, reset }) => {
    if (reset) { onReset(); return false; }
    if (!accepts(alert)) return false;
    const existing = list.querySelector(`[data-alert-id="${CSS.escape(alert.id)}"]`);
    if (existing) {
      if (!existing.contains(document.activeElement)) existing.replaceWith(alertItem(alert, { headingLevel }));
    } else if (fresh) {
      list.prepend(alertItem(alert, { headingLevel, fresh: true }));
      sync();
      onAdded(alert);
      return true;
    }
    return false;
  };
  listeners.add(listener);
  return { element: wrapper, append: (alerts) => add(alerts, 'bottom'), stop: () => listeners.delete(listener) };
}

/** #/alerts: the whole feed, newest first, with paging back in time. */
export async function renderAlerts(main) {
  const openOnly = h('input', { type: 'checkbox', id: 'alerts-open-only', name: 'open' });
  const summary = h('p', { class: 'results-summary', role: 'status' });
  const body = h('div', { class: 'alerts-body' }, h('p', { class: 'loading' }, 'Loading alerts…'));
  fill(main,
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, 'Alerts'),
      h('p', { class: 'lede' }, 'Raised by the service when a scan is out of sequence, a cold chain breaks, a delivery is refused or an unknown device knocks. New alerts appear here as they are raised.')),
    h('form', { class: 'filters filters--inline', 'aria-label': 'Filter alerts', onsubmit: (e) => e.preventDefault() },
      h('div', { class: 'field field--check' }, openOnly, h('label', { for: 'alerts-open-only' }, 'Unacknowledged only'))),
    summary,
    body);

  let current;
  const load = async () => {
    current?.stop();
    let page = 1;
    const params = () => ({ page, pageSize: PAGE_SIZE, acknowledged: openOnly.checked ? false : undefined });
    try {
      const first = await api.alerts(params());
      let loaded = first.items.length;
      let total = first.total;
      const feed = alertList(first.items, {
        accepts: (a) => !openOnly.checked || !a.acknowledged,
        onAdded: () => { loaded += 1; total += 1; showSummary(total); },
        // More missed than the stream replays: read the list again.
        onReset: () => load(),
      });
      current = feed;
      const more = h('button', { type: 'button', class: 'button' }, 'Show older alerts');
      const showSummary = (count) => {
        summary.textContent = `${plural(count, 'alert')}${openOnly.checked ? ' not yet acknowledged' : ''}`;
        more.hidden = loaded >= count;
      };
      more.addEventListener('click', async () => {
        page += 1;
        more.disabled = true;
        try {
          const next = await api.alerts(params());
          loaded += next.items.length;
          total = next.total;
          for (const alert of next.items) remember(alert, false);
          feed.append(next.items);
          showSummary(total);
        } finally {
          more.disabled = false;
        }
      });
      showSummary(first.total);
      fill(body, feed.element, h('div', { class: 'pager' }, more));
    } catch (error) {
      fill(body, problemBox(error, 'the alerts'));
    }
  };
  openOnly.addEventListener('change', load);
  await load();
  return () => current?.stop();
}
