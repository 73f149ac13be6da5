// #/devices: the fleet, for admins. The filters and the page live in the address
// (#/devices?role=scanner&status=suspended&expiring=true&after=TOKEN), so a filtered list can be
// linked. Pages are keyset pages: the service says where the next one starts (after=), so page 2,000
// of 100,000 devices costs what the first does; Previous goes back along the pages seen.

import { api, query } from './api.js';
import { fill, h, label, plural, problemBox, scrollBox, time } from './dom.js';

const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 300;
const ROLES = ['scanner', 'sensor', 'staff', 'admin', 'partner'];
const STATUSES = ['active', 'suspended'];
const DAY_MS = 86_400_000;
export const EXPIRING_DAYS = 7;

/** Active, suspended or pending (registered, not enrolled yet): in text, not colour alone. */
export function deviceStatus(device) {
  return h('span', { class: 'status-cell' },
    h('span', { class: ['badge', `badge--${device.status}`] }, label(device.status)),
    device.pending && h('span', { class: 'tag tag--info', title: 'Registered without a certificate: it enrolls itself with its one-time token' }, 'Pending enrollment'));
}

/** When the newest live certificate runs out, flagged within a week and once expired. */
export function expiry(iso, now = Date.now()) {
  if (!iso) return h('span', { class: 'muted' }, 'No certificate');
  const left = Date.parse(iso) - now;
  if (left <= 0) return [time(iso), ' ', h('span', { class: 'tag tag--danger' }, 'Expired')];
  if (left <= EXPIRING_DAYS * DAY_MS) {
    const days = Math.floor(left / DAY_MS);
    return [time(iso), ' ', h('span', { class: 'tag tag--warn' }, days === 0 ? 'Expires today' : `Expires in ${plural(days, 'day')}`)];
  }
  return time(iso);
}

/** Operator attributes as key = value chips. */
export function attributeChips(attributes) {
  const entries = Object.entries(attributes ?? {});
  if (entries.length === 0) return h('span', { class: 'muted' }, 'none');
  return h('ul', { class: 'chips', 'aria-label': 'Attributes' },
    entries.map(([key, value]) => h('li', { class: 'chip' }, h('span', { class: 'chip__key' }, key), ' = ', value)));
}

function readFilters(params) {
  return {
    q: params.get('q') ?? '',
    role: ROLES.includes(params.get('role')) ? params.get('role') : '',
    status: STATUSES.includes(params.get('status')) ? params.get('status') : '',
    station: params.get('station') ?? '',
    expiring: params.get('expiring') === 'true',
    after: params.get('after') ?? '',
  };
}

function field(id, text, control) {
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, text), control);
}

const select = (name, value, options) =>
  h('select', { name }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));

function row(device, now) {
  return h('tr', { class: [device.status === 'suspended' && 'row--danger'], 'data-device': device.deviceId },
    h('th', { scope: 'row' },
      h('a', { class: 'mono nowrap', href: `#/devices/${encodeURIComponent(device.deviceId)}` }, device.deviceId),
      h('span', { class: 'cell-sub' }, label(device.role), device.stationId && [' at ', h('span', { class: 'nowrap' }, device.stationId)])),
    h('td', {}, deviceStatus(device)),
    h('td', {}, device.lastSeenAt
      ? [time(device.lastSeenAt), device.lastSeenFrom && h('span', { class: 'cell-sub mono' }, `from ${device.lastSeenFrom}`)]
      : h('span', { class: 'muted' }, 'Never')),
    h('td', {}, expiry(device.certificateExpiresAt, now)),
    h('td', {}, attributeChips(device.attributes)));
}

export async function renderDevices(main, params) {
  const filters = readFilters(params);
  let stations = [];
  try { stations = await api.stations(); } catch { /* the list still works without the station names */ }

  const search = h('input', { type: 'search', name: 'q', value: filters.q, placeholder: 'Part of a device id', autocomplete: 'off' });
  const role = select('role', filters.role, [['', 'Any role'], ...ROLES.map((r) => [r, label(r)])]);
  const status = select('status', filters.status, [['', 'Any status'], ...STATUSES.map((st) => [st, label(st)])]);
  const station = select('station', filters.station, [['', 'Any station'],
    ...stations.map((st) => [st.stationId, st.name && st.name !== st.stationId ? `${st.stationId} (${st.name})` : st.stationId])]);
  const expiring = h('input', { type: 'checkbox', name: 'expiring', id: 'filter-expiring', checked: filters.expiring });
  const clear = h('button', { type: 'button', class: 'button button--quiet' }, 'Clear filters');
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter devices' },
    field('filter-device-q', 'Search', search),
    field('filter-role', 'Role', role),
    field('filter-device-status', 'Status', status),
    field('filter-station', 'Station', station),
    h('div', { class: 'field field--check' }, expiring, h('label', { for: 'filter-expiring' }, `Certificate expires within ${EXPIRING_DAYS} days`)),
    h('div', { class: 'filters__actions' }, h('button', { type: 'submit', class: 'button button--primary' }, 'Search'), clear));
  const summary = h('p', { class: 'results-summary', role: 'status' });
  const results = h('div', { class: 'results' });

  fill(main,
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, 'Devices'),
      h('p', { class: 'lede' }, 'Every scanner, sensor, partner and operator certificate the service knows, by device id. Suspended devices and certificates that run out within a week are flagged; open a device to suspend it, resume it or issue it a token.')),
    form, summary, results);

  // The pages seen so far in this visit: Previous walks back along them.
  const trail = [];
  let request = 0;
  const load = async () => {
    const mine = ++request;
    const params = {
      q: filters.q.trim(), role: filters.role, status: filters.status, station: filters.station,
      expiring: filters.expiring ? 'true' : '', after: filters.after,
    };
    const hash = `#/devices${query(params) ? `?${query(params)}` : ''}`;
    if (location.hash !== hash) history.replaceState(null, '', hash);
    results.setAttribute('aria-busy', 'true');
    try {
      const page = await api.devices({
        q: params.q, role: params.role, status: params.status, station: params.station,
        expiringWithin: filters.expiring ? `P${EXPIRING_DAYS}D` : '', after: params.after, limit: PAGE_SIZE,
      });
      if (mine !== request) return;
      showPage(page);
    } catch (error) {
      if (mine !== request) return;
      summary.textContent = '';
      fill(results, problemBox(error, 'the devices'));
    } finally {
      if (mine === request) results.removeAttribute('aria-busy');
    }
  };

  const showPage = (page) => {
    const first = trail.length * PAGE_SIZE + 1;
    const from = filters.after && trail.length === 0 ? 'further on' : `${first}–${first + page.items.length - 1}`;
    summary.textContent = page.items.length === 0
      ? (filters.after ? 'No more devices.' : 'No devices match these filters.')
      : `Showing ${from === 'further on' ? `${plural(page.items.length, 'device')} further on` : `devices ${from}`}${page.next ? '; more on the next page' : ''}.`;
    if (page.items.length === 0) {
      fill(results, h('p', { class: 'empty' }, 'Nothing to show. Clear the filters to see the whole fleet.'));
      return;
    }
    const go = (after, back) => async () => {
      if (back) filters.after = trail.pop() ?? '';
      else { trail.push(filters.after); filters.after = after; }
      await load();
      results.querySelector('tbody a')?.focus();
    };
    const now = Date.now();
    fill(results,
      h('div', { class: 'table-wrap' }, scrollBox('Devices table',
        h('table', { class: 'table table--devices' },
          h('caption', { class: 'visually-hidden' }, filters.expiring ? 'Devices, soonest expiry first' : 'Devices by id'),
          h('thead', {}, h('tr', {}, ['Device, role and station', 'Status', 'Last seen', 'Certificate expires', 'Attributes']
            .map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, page.items.map((device) => row(device, now)))))),
      (page.next || filters.after) && h('nav', { class: 'pager', 'aria-label': 'Pages' },
        h('button', { type: 'button', class: 'button', disabled: !filters.after, onclick: go(null, true) }, '‹ Previous'),
        h('span', { class: 'pager__state' }, `Page ${trail.length + 1}`),
        h('button', { type: 'button', class: 'button', disabled: !page.next, onclick: go(page.next, false) }, 'Next ›')));
  };

  const apply = () => {
    filters.q = search.value;
    filters.role = role.value;
    filters.status = status.value;
    filters.station = station.value;
    filters.expiring = expiring.checked;
    filters.after = '';
    trail.length = 0;
    load();
  };
  let typing;
  search.addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(apply, SEARCH_DELAY_MS); });
  for (const control of [role, status, station, expiring]) control.addEventListener('change', apply);
  form.addEventListener('submit', (event) => { event.preventDefault(); clearTimeout(typing); apply(); });
  clear.addEventListener('click', () => {
    search.value = ''; role.value = ''; status.value = ''; station.value = ''; expiring.checked = false;
    apply();
    search.focus();
  });

  await load();
  return () => clearTimeout(typing);
}
