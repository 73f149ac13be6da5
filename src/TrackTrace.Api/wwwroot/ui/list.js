// #/shipments: the staff list, overdue shipments first, then newest activity first. The filters
// live in the address (#/shipments?status=in-transit&overdue=true&page=2), so a filtered list can
// be linked and Back returns to it.

import { api, query } from './api.js';
import { fill, formatDateTime, h, label, plural, problemBox, s as svg, scrollBox, time } from './dom.js';

const PAGE_SIZE = 25;
const SEARCH_DELAY_MS = 300;
const STATUSES = ['registered', 'in-transit', 'delivered', 'refused'];

export const statusBadge = (status) => h('span', { class: ['badge', `badge--${status}`] }, label(status));

/** The leg a shipment must reach next and its due time (the optional legs before it may be skipped). */
export const watchedLeg = (shipment) => shipment.nextExpected.at(-1);

/** Overdue, anomaly and breach markers of a shipment: text, not colour alone. */
export function flags(shipment) {
  const marks = [];
  if (shipment.overdue) {
    const leg = watchedLeg(shipment);
    marks.push(h('span', { class: 'tag tag--danger', title: `No check-in at leg ${leg?.number}, ${leg?.name}, by ${formatDateTime(shipment.overdueSince)}` },
      svg('svg', { class: 'tag__clock', viewBox: '0 0 16 16', 'aria-hidden': 'true', focusable: 'false' },
        svg('circle', { cx: 8, cy: 8, r: 6.5 }), svg('path', { d: 'M8 4.5V8l2.5 1.8' })), 'Overdue'));
  }
  if (shipment.anomalyCount > 0) {
    marks.push(h('span', { class: 'tag tag--warn', title: 'Scans at a station that was not next on the route' },
      h('span', { class: 'tag__icon', 'aria-hidden': 'true' }, '!'), plural(shipment.anomalyCount, 'anomaly', 'anomalies')));
  }
  if (shipment.breached) {
    marks.push(h('span', { class: 'tag tag--danger', title: 'The temperature left the route\u2019s cold-chain profile' },
      h('span', { class: 'tag__icon', 'aria-hidden': 'true' }, '°'), 'Cold-chain breach'));
  }
  return marks.length ? h('span', { class: 'flags' }, marks) : null;
}

function readFilters(params) {
  const page = Number.parseInt(params.get('page') ?? '1', 10);
  return {
    q: params.get('q') ?? '',
    status: STATUSES.includes(params.get('status')) ? params.get('status') : '',
    route: params.get('route') ?? '',
    anomalies: params.get('anomalies') === 'true',
    breached: ['true', 'false'].includes(params.get('breached')) ? params.get('breached') : '',
    overdue: params.get('overdue') === 'true',
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

function field(id, text, control) {
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, text), control);
}

const select = (name, value, options) =>
  h('select', { name }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));

function row(shipment, routeNames) {
  const leg = shipment.currentLeg.number === 0
    ? h('span', { class: 'muted' }, 'Not checked in yet')
    : [h('span', { class: 'leg-count' }, `${shipment.currentLeg.number}/${shipment.legCount}`), ' ', shipment.currentLeg.name];
  const due = watchedLeg(shipment)?.due;
  const next = shipment.nextExpected.length
    ? h('span', { class: 'cell-sub' }, 'next: ', shipment.nextExpected.map((l) => l.stationType).join(' or '),
      due && [', ', h('span', { class: shipment.overdue ? 'text-danger' : '' }, shipment.overdue ? 'overdue since ' : 'due ', time(due))])
    : null;
  return h('tr', { class: [(shipment.breached || shipment.overdue) && 'row--danger', !shipment.breached && !shipment.overdue && shipment.anomalyCount > 0 && 'row--warn'] },
    h('th', { scope: 'row' },
      h('a', { class: 'mono', href: `#/shipments/${encodeURIComponent(shipment.shipmentId)}` }, shipment.shipmentId),
      shipment.description && h('span', { class: 'cell-sub' }, shipment.description)),
    h('td', {}, routeNames.get(shipment.route) ?? shipment.route),
    h('td', {}, h('span', { class: 'status-cell' }, statusBadge(shipment.status), flags(shipment))),
    h('td', {}, leg, next),
    h('td', {}, shipment.lastCheckInAt
      ? [time(shipment.lastCheckInAt), h('span', { class: 'cell-sub nowrap' }, shipment.lastStationId)]
      : [time(shipment.registeredAt), h('span', { class: 'cell-sub' }, 'registered')]));
}

export async function renderList(main, params) {
  const filters = readFilters(params);
  let workflows = [];
  try { workflows = await api.workflows(); } catch { /* the list still works without route names */ }
  const routeNames = new Map(workflows.map((w) => [w.id, w.name]));

  const search = h('input', { type: 'search', name: 'q', value: filters.q, placeholder: 'Shipment id or description', autocomplete: 'off' });
  const status = select('status', filters.status, [['', 'Any status'], ...STATUSES.map((st) => [st, label(st)])]);
  const route = select('route', filters.route, [['', 'Any route'], ...workflows.map((w) => [w.id, w.name])]);
  const breached = select('breached', filters.breached, [['', 'Any'], ['true', 'Breached'], ['false', 'Not breached']]);
  const anomalies = h('input', { type: 'checkbox', name: 'anomalies', id: 'filter-anomalies', checked: filters.anomalies });
  const overdue = h('input', { type: 'checkbox', name: 'overdue', id: 'filter-overdue', checked: filters.overdue });
  const clear = h('button', { type: 'button', class: 'button button--quiet' }, 'Clear filters');
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter shipments' },
    field('filter-q', 'Search', search),
    field('filter-status', 'Status', status),
    field('filter-route', 'Route', route),
    field('filter-breached', 'Cold chain', breached),
    h('div', { class: 'field field--check' }, overdue, h('label', { for: 'filter-overdue' }, 'Only overdue')),
    h('div', { class: 'field field--check' }, anomalies, h('label', { for: 'filter-anomalies' }, 'Only with anomalies')),
    h('div', { class: 'filters__actions' }, h('button', { type: 'submit', class: 'button button--primary' }, 'Search'), clear));
  const summary = h('p', { class: 'results-summary', role: 'status' });
  const results = h('div', { class: 'results' });

  fill(main,
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, 'Shipments'),
      h('p', { class: 'lede' }, 'Every shipment with where it is now: overdue ones first, then newest activity first. Overdue check-ins, anomalies and cold-chain breaches are flagged.')),
    form, summary, results);

  let request = 0;
  const load = async () => {
    const mine = ++request;
    const params = {
      q: filters.q.trim(), status: filters.status, route: filters.route,
      anomalies: filters.anomalies ? 'true' : '', breached: filters.breached, overdue: filters.overdue ? 'true' : '', page: filters.page > 1 ? filters.page : '',
    };
    // The address follows the filters without adding a history entry per keystroke.
    const hash = `#/shipments${query(params) ? `?${query(params)}` : ''}`;
    if (location.hash !== hash) history.replaceState(null, '', hash);
    results.setAttribute('aria-busy', 'true');
    try {
      const page = await api.shipments({ ...params, page: filters.page, pageSize: PAGE_SIZE });
      if (mine !== request) return;
      showPage(page);
    } catch (error) {
      if (mine !== request) return;
      summary.textContent = '';
      fill(results, problemBox(error, 'the shipments'));
    } finally {
      if (mine === request) results.removeAttribute('aria-busy');
    }
  };

  const showPage = (page) => {
    const first = (page.page - 1) * page.pageSize + 1;
    const last = first + page.items.length - 1;
    summary.textContent = page.total === 0 ? 'No shipments match these filters.'
      : `${plural(page.total, 'shipment')}; showing ${first}–${last}.`;
    if (page.items.length === 0) {
      fill(results, h('p', { class: 'empty' }, page.total === 0 ? 'Nothing to show. Clear the filters to see every shipment.' : 'No shipments on this page.'));
      return;
    }
    const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
    // The pager is drawn anew, so keyboard focus moves to the page's first shipment.
    const go = (number) => async () => { filters.page = number; await load(); results.querySelector('tbody a')?.focus(); };
    fill(results,
      h('div', { class: 'table-wrap' }, scrollBox('Shipments table',
        h('table', { class: 'table' },
          h('caption', { class: 'visually-hidden' }, 'Shipments, overdue first, then newest activity first'),
          h('thead', {}, h('tr', {}, ['Shipment', 'Route', 'Status and flags', 'Current leg', 'Last check-in'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, page.items.map((item) => row(item, routeNames)))))),
      pages > 1 && h('nav', { class: 'pager', 'aria-label': 'Pages' },
        h('button', { type: 'button', class: 'button', disabled: page.page <= 1, onclick: go(page.page - 1) }, '‹ Previous'),
        h('span', { class: 'pager__state' }, `Page ${page.page} of ${pages}`),
        h('button', { type: 'button', class: 'button', disabled: page.page >= pages, onclick: go(page.page + 1) }, 'Next ›')));
  };

  const apply = () => {
    filters.q = search.value;
    filters.status = status.value;
    filters.route = route.value;
    filters.breached = breached.value;
    filters.anomalies = anomalies.checked;
    filters.overdue = overdue.checked;
    filters.page = 1;
    load();
  };
  let typing;
  search.addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(apply, SEARCH_DELAY_MS); });
  for (const control of [status, route, breached, anomalies, overdue]) control.addEventListener('change', apply);
  form.addEventListener('submit', (event) => { event.preventDefault(); clearTimeout(typing); apply(); });
  clear.addEventListener('click', () => {
    search.value = ''; status.value = ''; route.value = ''; breached.value = ''; anomalies.checked = false; overdue.checked = false;
    apply();
    search.focus();
  });

  await load();
  return () => clearTimeout(typing);
}
