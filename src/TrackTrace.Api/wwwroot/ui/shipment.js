// #/shipments/{id}: where one shipment stands, how it got there and what went wrong.

import { alertList } from './alerts.js';
import { api } from './api.js';
import { describeBreach, temperatureChart } from './chart.js';
import {
  celsius, fill, formatDateTime, formatDateTimeSeconds, formatDay, formatMinutes, formatTimeSeconds, h, label, onWidth, plural, problemBox,
  s as svg, scrollBox, time,
} from './dom.js';
import { progressFacts, progressSection } from './routes.js';
import { flags, statusBadge } from './list.js';

const factKinds = {
  'shipment-registered': { title: 'Registered', tone: 'neutral' },
  'station-checked-in': { title: 'Checked in', tone: 'ok' },
  'shipment-delivered': { title: 'Delivered', tone: 'ok' },
  'out-of-sequence-scan-recorded': { title: 'Out-of-sequence scan', tone: 'warn', tag: 'Anomaly' },
  'cold-chain-breached': { title: 'Cold-chain breach', tone: 'danger', tag: 'Breach' },
  'delivery-refused': { title: 'Delivery refused', tone: 'danger', tag: 'Refused' },
  'return-checked-in': { title: 'Checked in after the refusal', tone: 'neutral' },
  'delivery-released': { title: 'Refusal released', tone: 'info' },
  'sensor-attached': { title: 'Sensor attached', tone: 'neutral' },
  'sensor-detached': { title: 'Sensor detached', tone: 'neutral' },
  'check-in-overdue': { title: 'Check-in overdue', tone: 'danger', tag: 'Overdue' },
};

/** "PT2H5M" → "2 h 5 min": how late or early a check-in was, as the timeline gives it. */
function duration(iso) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(iso ?? '');
  if (!m) return iso;
  const [, d, hh, mm, ss] = m;
  const parts = [d && `${d} d`, hh && `${hh} h`, mm && `${mm} min`, !d && !hh && !mm && ss && `${Math.ceil(Number(ss))} s`].filter(Boolean);
  return parts.join(' ') || '0 s';
}

const RECORDED_LATE_MS = 60_000;

/** Day over time, so the column stays narrow and times line up. */
function when(iso) {
  const date = new Date(iso);
  return h('time', { datetime: iso, title: date.toISOString() },
    h('span', { class: 'fact__day' }, formatDay(date)), ' ', h('span', { class: 'fact__time' }, formatTimeSeconds(date)));
}

function timelineItem(entry) {
  const kind = factKinds[entry.fact] ?? { title: label(entry.fact), tone: 'neutral' };
  const late = Date.parse(entry.recordedAt) - Date.parse(entry.at) > RECORDED_LATE_MS;
  const meta = [
    entry.who && h('span', {}, 'by ', h('strong', {}, entry.who)),
    entry.where && h('span', {}, 'at ', h('strong', {}, entry.where)),
    late && h('span', {}, 'recorded ', time(entry.recordedAt, formatDateTimeSeconds)),
  ].filter(Boolean);
  return h('li', { class: ['fact', `fact--${kind.tone}`], 'data-fact': entry.fact },
    h('div', { class: 'fact__when' }, when(entry.at)),
    h('div', { class: 'fact__marker', 'aria-hidden': 'true' }),
    h('div', { class: 'fact__body' },
      h('h3', { class: 'fact__title' }, kind.title, kind.tag && h('span', { class: ['tag', `tag--${kind.tone}`] }, kind.tag),
        entry.late && h('span', { class: 'tag tag--warn', title: 'Checked in after the leg\u2019s due time' }, `Late by ${duration(entry.late)}`),
        entry.early && h('span', { class: 'tag tag--info', title: 'Checked in before the leg\u2019s earliest plausible time' }, `Early by ${duration(entry.early)}`)),
      h('p', { class: 'fact__summary' }, entry.summary),
      meta.length > 0 && h('p', { class: 'fact__meta' }, meta.flatMap((m, i) => (i ? [' · ', m] : [m])))));
}

function factsList(shipment, workflow) {
  const row = (term, ...value) => h('div', { class: 'facts__item' }, h('dt', {}, term), h('dd', {}, ...value));
  const leg = shipment.currentLeg.number === 0
    ? 'Not checked in yet'
    : `${shipment.currentLeg.number} of ${shipment.legCount}: ${shipment.currentLeg.name}`;
  const next = shipment.nextExpected.length
    ? shipment.nextExpected.flatMap((l, i) => [i > 0 && ' or ', `${l.name} (${l.stationType}${l.optional ? ', optional' : ''})`,
      l.due && [l.overdue ? ', overdue since ' : ', due ', h('span', { class: l.overdue ? 'text-danger' : '' }, time(l.due))]])
    : '–';
  return h('dl', { class: 'facts' },
    row('Route', h('a', { href: `#/routes/${encodeURIComponent(workflow.id)}` }, workflow.name)),
    row('Current leg', leg),
    row('Expected next', next),
    shipment.eta && row('Expected delivery', time(shipment.eta)),
    row('Last check-in', shipment.lastStationId ? [shipment.lastStationId, ', ', time(shipment.lastCheckInAt)] : '–'),
    row('Registered', time(shipment.registeredAt)),
    row('Delivery', h('span', { class: shipment.attributes.delivery === 'refused' ? 'text-danger' : '' }, label(shipment.attributes.delivery ?? 'accepted'))));
}

/** The cold-chain section: what broke and what followed in words, the chart, the numbers. */
function coldChainSection(coldChain, readings, facts) {
  const parts = [];
  if (coldChain.breach) {
    const b = coldChain.breach;
    parts.push(h('div', { class: 'callout callout--danger' },
      h('p', { class: 'callout__title' }, `Cold chain broken on ${formatDateTime(b.at)}: ${describeBreach(b)}.`),
      h('p', {}, b.detail),
      facts.refusal
        ? h('p', {}, `Delivery refused at ${facts.refusal.where} on ${formatDateTime(facts.refusal.at)}: ${facts.refusal.data.reason}.`)
        : coldChain.delivery === 'refused' && h('p', {}, 'The destination will refuse the delivery unless an admin releases it.')));
  } else if (coldChain.currentExcursion) {
    parts.push(h('div', { class: 'callout callout--warn' },
      h('p', { class: 'callout__title' }, `Outside the range since ${formatDateTime(coldChain.currentExcursion.startedAt)}.`),
      h('p', {}, `${formatMinutes(coldChain.minutesOutside)} of ${formatMinutes(coldChain.allowanceMinutes)} allowed used so far.`)));
  }

  const share = Math.min(1, coldChain.minutesOutside / coldChain.allowanceMinutes);
  const stat = (term, value, extra) => h('div', { class: 'stat' }, h('dt', {}, term), h('dd', {}, value, extra));
  const stats = h('dl', { class: 'stats' },
    stat('Mean kinetic temperature', celsius(coldChain.meanKineticCelsius)),
    stat('Minutes outside the range', `${formatMinutes(coldChain.minutesOutside)} of ${formatMinutes(coldChain.allowanceMinutes)}`,
      svg('svg', { class: 'meter', viewBox: '0 0 100 6', preserveAspectRatio: 'none', 'aria-hidden': 'true' },
        svg('rect', { class: 'meter__track', width: 100, height: 6, rx: 3 }),
        svg('rect', { class: ['meter__fill', share >= 1 && 'meter__fill--over'], width: share * 100, height: 6, rx: 3 }))),
    stat('Allowed range', `${coldChain.minCelsius} to ${coldChain.maxCelsius} °C`),
    stat('Hard limits', coldChain.hardMinCelsius == null && coldChain.hardMaxCelsius == null ? 'none'
      : `${coldChain.hardMinCelsius ?? '–'} / ${coldChain.hardMaxCelsius ?? '–'} °C`),
    stat('Lowest / highest', `${celsius(coldChain.lowestCelsius)} / ${celsius(coldChain.highestCelsius)}`),
    stat('Readings', String(coldChain.readingCount)),
    stat('Delivery', h('span', { class: coldChain.delivery === 'refused' ? 'text-danger' : 'text-ok' }, label(coldChain.delivery))));

  const spells = [...coldChain.excursions];
  let chart;
  if (readings.length === 0) {
    chart = h('p', { class: 'empty' }, 'No temperature readings yet.');
  } else {
    chart = h('div', { class: 'chart-box' });
    onWidth(chart, (width) => fill(chart, temperatureChart(coldChain, readings, width)));
  }

  const excursions = spells.length === 0 ? null : h('details', { class: 'details' },
    h('summary', {}, `${plural(spells.length, 'excursion')} outside the range`),
    scrollBox('Excursions', h('table', { class: 'table table--compact' },
      h('thead', {}, h('tr', {}, ['From', 'To', 'Duration', 'Direction', 'Extreme'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, spells.map((e) => h('tr', {},
        h('td', {}, time(e.startedAt)), h('td', {}, time(e.endedAt)), h('td', {}, formatMinutes(e.minutes)),
        h('td', {}, label(e.direction)), h('td', {}, celsius(e.extremeCelsius))))))));

  const key = (cls, text) => h('li', {}, h('span', { class: ['legend__swatch', cls], 'aria-hidden': 'true' }), text);
  const hasHardLimit = coldChain.hardMinCelsius != null || coldChain.hardMaxCelsius != null;
  const legend = h('ul', { class: 'legend', 'aria-label': 'Chart legend' },
    key('legend--band', 'Allowed range'),
    hasHardLimit && key('legend--hard', 'Hard limit'),
    (spells.length > 0 || coldChain.currentExcursion) && key('legend--excursion', 'Excursion'),
    coldChain.breach && key('legend--breach', 'Breach'));

  return [...parts, h('div', { class: 'cold-grid' }, h('div', { class: 'cold-grid__chart' }, chart, readings.length > 0 && legend), stats), excursions];
}

export async function renderShipment(main, shipmentId) {
  fill(main, h('p', { class: 'loading' }, `Loading ${shipmentId}…`));
  let shipment;
  let timeline;
  let workflow;
  let alerts;
  try {
    [shipment, timeline, alerts] = await Promise.all([
      api.shipment(shipmentId), api.timeline(shipmentId), api.alerts({ shipmentId, pageSize: 100 })]);
    workflow = await api.workflow(shipment.route);
  } catch (error) {
    fill(main, breadcrumb(shipmentId), h('h1', { tabindex: '-1' }, shipmentId), problemBox(error, 'this shipment'));
    return undefined;
  }
  let coldChain = null;
  let readings = [];
  let coldChainError;
  if (workflow.coldChain) {
    try {
      [coldChain, readings] = await Promise.all([api.coldChain(shipmentId), api.readings(shipmentId)]);
    } catch (error) {
      coldChainError = error;
    }
  }
  const facts = progressFacts(timeline);
  document.title = `${shipment.shipmentId} · TrackTrace`;

  const feed = alertList(alerts.items, {
    headingLevel: 3,
    accepts: (a) => a.shipmentId === shipment.shipmentId,
    labelText: `Alerts for ${shipment.shipmentId}`,
  });
  const section = (id, title, ...content) =>
    h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...content);

  fill(main,
    breadcrumb(shipment.shipmentId),
    h('header', { class: 'shipment-head' },
      h('div', { class: 'shipment-head__title' },
        h('h1', { tabindex: '-1', class: 'mono' }, shipment.shipmentId),
        statusBadge(shipment.status), flags(shipment)),
      shipment.description && h('p', { class: 'lede' }, shipment.description),
      factsList(shipment, workflow)),
    section('progress-heading', 'Route progress', progressSection(workflow, shipment, timeline)),
    workflow.coldChain && section('cold-heading', 'Cold chain',
      coldChainError ? problemBox(coldChainError, 'the cold chain') : coldChainSection(coldChain, readings, facts)),
    h('div', { class: 'split' },
      section('timeline-heading', 'Timeline',
        h('p', { class: 'muted' }, `${plural(timeline.length, 'fact')} in the order they happened.`),
        h('ol', { class: 'timeline' }, timeline.map(timelineItem))),
      section('shipment-alerts-heading', 'Alerts', feed.element)));
  return () => feed.stop();
}

function breadcrumb(current) {
  return h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
    h('ol', {}, h('li', {}, h('a', { href: '#/shipments' }, 'Shipments')), h('li', { 'aria-current': 'page' }, current)));
}
