// Routes drawn from their workflow definitions (GET /api/workflows): the route diagram of the
// Routes page, and the progress line of one shipment along its route.

import { api } from './api.js';
import {
  fill, formatDateTime, formatDay, formatMinutes, formatTime, h, onWidth, plural, problemBox, s, scrollBox, uid,
} from './dom.js';

/**
 * Splits a label into at most `lines` lines of about `width` characters (a word may run two over:
 * the width is an estimate), breaking longer words after a hyphen ("Pre-|carriage"); the last
 * line ends in … when the label is cut.
 */
function wrap(text, width, lines = 2) {
  const slack = 2;
  const words = text.split(/\s+/).flatMap((w) => (w.length > width + slack && w.includes('-') ? w.split(/(?<=-)/) : [w]));
  const out = [];
  let line = '';
  for (const word of words) {
    const joined = line.endsWith('-') ? `${line}${word}` : `${line} ${word}`;
    if (!line) line = word;
    else if (joined.length <= width) line = joined;
    else { out.push(line); line = word; }
  }
  if (line) out.push(line);
  if (out.length > lines) {
    const kept = out.slice(0, lines);
    kept[lines - 1] = `${kept[lines - 1].slice(0, Math.max(1, width - 1))}…`;
    return kept;
  }
  return out.map((l) => (l.length > width + slack ? `${l.slice(0, width + slack - 1)}…` : l));
}

const textLines = (lines, x, y, lineHeight, attributes) =>
  s('text', { x, y, ...attributes }, lines.map((line, i) => s('tspan', { x, dy: i === 0 ? 0 : lineHeight }, line)));

// ---------------------------------------------------------------------------------------------
// Route diagram: legs in order as boxes, arrows between them, optional legs dashed with an arc
// that skips them. Boxes shrink to fit the width down to a minimum; below that it scrolls.

export function routeDiagram(workflow, availableWidth = 1200) {
  const legs = workflow.legs;
  const narrow = availableWidth < 900;
  const left = narrow ? 70 : 86;
  const gap = narrow ? 24 : legs.length > 5 ? 30 : 40;
  const boxW = Math.round(Math.min(170, Math.max(108, (availableWidth - left - 12 + gap) / legs.length - gap)));
  const chars = Math.floor((boxW - 24) / 7.1);
  const names = legs.map((leg) => wrap(leg.name, chars, 3));
  const optional = legs.filter((l) => l.optional);
  const boxH = 34 + 15 * Math.max(...names.map((n) => n.length)) + (optional.length ? 16 : 6);
  const top = optional.length ? 64 : 14;
  const width = left + legs.length * (boxW + gap) - gap + 12;
  const height = top + boxH + 14;
  const markerId = uid('arrow');
  const titleId = uid('route-title');
  const descId = uid('route-desc');
  const boxX = (i) => left + i * (boxW + gap);
  const description = `${plural(legs.length, 'leg')} in order: ${legs.map((l) => `${l.number}. ${l.name} (${l.stationType}${l.optional ? ', optional' : ''})`).join('; ')}.`
    + (optional.length ? ` ${optional.map((l) => `Leg ${l.number} may be skipped`).join('; ')}.` : '');

  const svg = s('svg', {
    class: 'diagram', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': `${titleId} ${descId}`,
  },
  s('title', { id: titleId }, `Route ${workflow.name}`),
  s('desc', { id: descId }, description),
  s('defs', {}, s('marker', {
    id: markerId, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse',
  }, s('path', { d: 'M0 0L10 5L0 10z', class: 'diagram__arrowhead' }))));

  // Start: the shipment is registered before its first check-in.
  const midY = top + boxH / 2;
  svg.append(
    s('circle', { cx: 32, cy: midY, r: 8, class: 'diagram__start' }),
    s('text', { x: 32, y: midY + 26, class: 'diagram__small', 'text-anchor': 'middle' }, 'registered'),
    s('line', { x1: 40, y1: midY, x2: left - 2, y2: midY, class: 'diagram__edge', 'marker-end': `url(#${markerId})` }));

  legs.forEach((leg, i) => {
    const x = boxX(i);
    const last = i === legs.length - 1;
    if (!last) {
      svg.append(s('line', {
        x1: x + boxW, y1: midY, x2: x + boxW + gap - 2, y2: midY, class: 'diagram__edge', 'marker-end': `url(#${markerId})`,
      }));
    }
    const stations = leg.stations?.length ? plural(leg.stations.length, 'station') : 'any station';
    svg.append(s('g', { class: ['diagram__leg', leg.optional && 'diagram__leg--optional', last && 'diagram__leg--last'] },
      s('title', {}, `${leg.number}. ${leg.name}: a ${leg.stationType}${leg.optional ? ', optional' : ''}; ${stations}${last ? '; a check-in here is the delivery' : ''}`),
      s('rect', { x, y: top, width: boxW, height: boxH, rx: 8 }),
      last && s('rect', { x: x + 4, y: top + 4, width: boxW - 8, height: boxH - 8, rx: 5, class: 'diagram__inner' }),
      s('text', { x: x + 12, y: top + 21, class: 'diagram__number' }, `${leg.number}`),
      s('text', { x: x + 27, y: top + 21, class: 'diagram__type' }, leg.stationType),
      textLines(names[i], x + 12, top + 41, 15, { class: 'diagram__name' }),
      leg.optional && s('text', { x: x + boxW - 11, y: top + boxH - 9, class: 'diagram__optional', 'text-anchor': 'end' }, 'optional')));
  });

  // A skip arc over each optional leg, from the leg before it to the leg after it. With both
  // control points at y = c the curve peaks three quarters of the way up, just under its label.
  for (const leg of optional) {
    const i = leg.number - 1;
    const from = boxX(i - 1) + boxW / 2;
    const to = boxX(i + 1) + boxW / 2;
    const c = 4;
    svg.append(
      s('path', { d: `M${from} ${top - 2} C${from} ${c}, ${to} ${c}, ${to} ${top - 2}`, class: 'diagram__skip', 'marker-end': `url(#${markerId})` }),
      s('text', { x: (from + to) / 2, y: top - 0.75 * (top - c) - 7, class: 'diagram__small diagram__skip-label', 'text-anchor': 'middle' }, `skip: ${leg.name.toLowerCase()}`));
  }
  return svg;
}

function coldChainText(profile) {
  if (!profile) return 'No cold chain: temperatures are not judged on this route.';
  const hard = [profile.hardMinCelsius != null && `below ${profile.hardMinCelsius} °C`, profile.hardMaxCelsius != null && `above ${profile.hardMaxCelsius} °C`].filter(Boolean);
  return `Kept between ${profile.minCelsius} and ${profile.maxCelsius} °C; more than ${formatMinutes(profile.allowanceMinutes)} outside in total is a breach`
    + (hard.length ? `, and so is a single reading ${hard.join(' or ')}.` : '.');
}

function routeCard(workflow, headingLevel) {
  const diagramBox = scrollBox(`Diagram of ${workflow.name}`);
  onWidth(diagramBox, (width) => fill(diagramBox, routeDiagram(workflow, width)));
  const mermaid = h('pre', { class: 'mermaid-source' });
  const details = h('details', { class: 'details' }, h('summary', {}, 'State machine as Mermaid text'), mermaid);
  details.addEventListener('toggle', async () => {
    if (!details.open || mermaid.textContent) return;
    try { mermaid.textContent = await api.diagram(workflow.id); } catch (error) { mermaid.textContent = error.message; }
  });
  return h('section', { class: 'card route-card', id: `route-${workflow.id}`, 'aria-labelledby': `route-heading-${workflow.id}` },
    h(`h${headingLevel}`, { id: `route-heading-${workflow.id}` }, workflow.name, ' ', h('span', { class: 'muted mono' }, workflow.id)),
    workflow.description && h('p', { class: 'route-card__description' }, workflow.description),
    h('p', { class: ['route-card__cold', workflow.coldChain && 'route-card__cold--on'] }, coldChainText(workflow.coldChain)),
    diagramBox,
    details);
}

/** #/routes and #/routes/{id}: every route template (or one) drawn from its definition. */
export async function renderRoutes(main, routeId) {
  fill(main, h('p', { class: 'loading' }, 'Loading routes…'));
  try {
    const workflows = await api.workflows();
    const shown = routeId ? workflows.filter((w) => w.id === routeId) : workflows;
    if (routeId && shown.length === 0) throw new Error(`There is no route '${routeId}'.`);
    fill(main,
      routeId && h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
        h('ol', {}, h('li', {}, h('a', { href: '#/routes' }, 'Routes')), h('li', { 'aria-current': 'page' }, shown[0].name))),
      h('div', { class: 'page-head' },
        h('h1', { tabindex: '-1' }, routeId ? shown[0].name : 'Routes'),
        !routeId && h('p', { class: 'lede' }, 'Route templates loaded from workflows/. A check-in is accepted only at the next leg, or at a later one when every leg in between is optional.')),
      shown.map((w) => routeCard(w, 2)));
  } catch (error) {
    fill(main, h('h1', { tabindex: '-1' }, 'Routes'), problemBox(error, 'the routes'));
  }
}

// ---------------------------------------------------------------------------------------------
// Progress line: where one shipment is on its route, what happened where.

/** What the timeline says about each leg: check-ins, anomalies by the leg they happened after, breach, refusal. */
export function progressFacts(timeline) {
  const checkIns = new Map();
  const anomalies = [];
  let breach;
  let refusal;
  let delivered;
  for (const entry of timeline) {
    switch (entry.fact) {
      case 'station-checked-in': checkIns.set(entry.data.legNumber, entry); break;
      case 'out-of-sequence-scan-recorded': anomalies.push(entry); break;
      case 'cold-chain-breached': breach ??= entry; break;
      case 'delivery-refused': refusal = entry; break;
      case 'shipment-delivered': delivered = entry; break;
      default: break;
    }
  }
  // The breach happened on the leg that was under way at its moment.
  let breachAfterLeg = 0;
  if (breach) {
    for (const [leg, entry] of checkIns) {
      if (entry.at <= breach.at && leg > breachAfterLeg) breachAfterLeg = leg;
    }
  }
  return { checkIns, anomalies, breach, breachAfterLeg, refusal, delivered };
}

export function progressLine(workflow, shipment, timeline, availableWidth) {
  const legs = workflow.legs;
  const facts = progressFacts(timeline);
  const progress = shipment.currentLeg.number;
  const nextNumbers = new Set(shipment.nextExpected.map((l) => l.number));
  const nextLegs = new Map(shipment.nextExpected.map((l) => [l.number, l]));
  const refused = shipment.status === 'refused';
  const deliveredNow = shipment.status === 'delivered';

  // Room for half a label right of the last leg; below 86 px a leg the line scrolls instead.
  const gap = Math.max(86, (availableWidth - 50) / (legs.length + 0.5));
  const width = Math.round(40 + gap * (legs.length + 0.5) + 10);
  const lineY = 74;
  const x = (k) => 40 + k * gap; // k = 0 is the registration, k = n the last leg
  const nameLines = gap < 118 ? 3 : 2;
  // A refusal and a due time each put one more line under their leg.
  const height = 160 + (nameLines - 2) * 15 + (gap < 118 ? 14 : 0) + (refused || shipment.nextExpected.some((l) => l.due) ? 14 : 0);
  const titleId = uid('progress-title');
  const descId = uid('progress-desc');

  const legState = (leg) => {
    const done = facts.checkIns.has(leg.number);
    if (leg.number === legs.length && refused) return 'refused';
    if (leg.number === legs.length && deliveredNow) return 'delivered';
    if (leg.optional && !done && leg.number < progress) return 'skipped';
    if (leg.number === progress) return 'current';
    if (done || leg.number < progress) return 'done';
    if (nextNumbers.has(leg.number)) return 'next';
    return leg.optional ? 'optional' : 'todo';
  };
  const states = legs.map(legState);

  const said = [];
  said.push(progress === 0 ? 'Not checked in yet.' : `${progress} of ${legs.length} legs done; now at leg ${progress}, ${legs[progress - 1].name}.`);
  if (shipment.nextExpected.length) {
    said.push(`Expected next: ${shipment.nextExpected.map((l) => `leg ${l.number}, ${l.name}${l.due ? `, ${l.overdue ? 'overdue since' : 'due'} ${formatDateTime(l.due)}` : ''}`).join(' or ')}.`);
  }
  if (shipment.overdue) said.push(`Overdue since ${formatDateTime(shipment.overdueSince)}.`);
  if (facts.anomalies.length) said.push(`${plural(facts.anomalies.length, 'out-of-sequence scan')}: ${facts.anomalies.map((a) => `at ${a.where} after leg ${a.data.currentLegNumber}`).join('; ')}.`);
  if (facts.breach) said.push(`Cold-chain breach during leg ${facts.breachAfterLeg + 1}.`);
  if (refused) said.push('Delivery refused at the destination.');
  if (deliveredNow) said.push('Delivered.');

  const svg = s('svg', {
    class: 'progress', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': `${titleId} ${descId}`,
  },
  s('title', { id: titleId }, `Progress of ${shipment.shipmentId} on ${workflow.name}`),
  s('desc', { id: descId }, said.join(' ')));

  // Segments: k-1 → k is travelled once leg k is done (or skipped past).
  for (let k = 1; k <= legs.length; k++) {
    const travelled = k <= progress && states[k - 1] !== 'skipped' && (k < 2 || states[k - 2] !== 'skipped');
    svg.append(s('line', { x1: x(k - 1), y1: lineY, x2: x(k), y2: lineY, class: ['progress__segment', travelled && 'progress__segment--done'] }));
  }
  // Skipped optional legs: the travelled line arcs over them.
  states.forEach((state, i) => {
    if (state !== 'skipped') return;
    const from = x(i);
    const to = x(i + 2);
    svg.append(s('path', { d: `M${from} ${lineY} Q${(from + to) / 2} ${lineY - 52} ${to} ${lineY}`, class: 'progress__segment progress__segment--done progress__skip' }));
  });

  // Registration.
  svg.append(s('g', { class: 'progress__start' },
    s('circle', { cx: x(0), cy: lineY, r: 6 }),
    s('text', { x: x(0), y: lineY + 30, 'text-anchor': 'middle', class: 'progress__label' }, 'Registered')));

  const nameWidth = Math.max(10, Math.floor(gap / 6.9));
  legs.forEach((leg, i) => {
    const state = states[i];
    const cx = x(i + 1);
    const checkIn = facts.checkIns.get(leg.number);
    const stateText = {
      done: 'done', current: 'current position', delivered: 'delivered', refused: 'delivery refused', skipped: 'skipped',
      next: 'expected next', optional: 'optional, not reached', todo: 'not reached',
    }[state];
    const expected = state === 'next' ? nextLegs.get(leg.number) : undefined;
    const dueText = expected?.due ? `, ${expected.overdue ? 'overdue since' : 'due'} ${formatDateTime(expected.due)}` : '';
    const node = s('g', { class: ['progress__leg', `progress__leg--${state}`, expected?.overdue && 'progress__leg--overdue'] },
      s('title', {}, `Leg ${leg.number}: ${leg.name} (${leg.stationType}) — ${stateText}${dueText}${checkIn ? `, checked in at ${checkIn.where} on ${formatDateTime(checkIn.at)}` : ''}${checkIn?.late ? ', late' : ''}`),
      s('text', { x: cx, y: lineY - 30, 'text-anchor': 'middle', class: 'progress__type' }, leg.optional ? `${leg.stationType} (opt.)` : leg.stationType));
    if (state === 'current') node.append(s('circle', { cx, cy: lineY, r: 19, class: 'progress__halo' }));
    node.append(s('circle', { cx, cy: lineY, r: leg.optional && (state === 'optional' || state === 'skipped') ? 10 : 13, class: 'progress__node' }));
    if (['done', 'current', 'delivered'].includes(state)) {
      node.append(s('path', { d: `M${cx - 5.5} ${lineY + 0.5}l3.8 3.8l7-7.6`, class: 'progress__tick' }));
    } else if (state === 'refused') {
      node.append(s('path', { d: `M${cx - 5} ${lineY - 5}l10 10M${cx + 5} ${lineY - 5}l-10 10`, class: 'progress__cross' }));
    }
    node.append(textLines(wrap(leg.name, nameWidth, nameLines), cx, lineY + 34, 15, { 'text-anchor': 'middle', class: ['progress__label', state === 'current' && 'progress__label--strong'] }));
    // Narrow legs put the day over the time.
    const stamp = (iso) => (gap < 118 ? [formatDay(new Date(iso)), formatTime(new Date(iso))] : [formatDateTime(iso)]);
    // The next leg says when it is due; narrow legs put the day over the time.
    const dueNote = (l) => (gap < 118
      ? [l.overdue ? 'overdue since' : 'due', formatDay(new Date(l.due)), formatTime(new Date(l.due))]
      : [l.overdue ? 'overdue since' : 'due', formatDateTime(l.due)]);
    const note = state === 'refused' && facts.refusal ? ['refused', ...stamp(facts.refusal.at)]
      : checkIn ? stamp(checkIn.at)
        : state === 'next' ? (expected?.due ? dueNote(expected) : ['expected next']) : state === 'skipped' ? ['skipped'] : [];
    if (note.length) {
      node.append(textLines(note, cx, lineY + 40 + nameLines * 15, 14, {
        'text-anchor': 'middle',
        class: ['progress__note', state === 'next' && !expected?.overdue && 'progress__note--next',
          (state === 'refused' || expected?.overdue) && 'progress__note--danger'],
      }));
    }
    svg.append(node);
  });

  // Anomalies sit on the segment after the leg the shipment was at; the breach on the leg under way.
  const markerX = (afterLeg, offset) => (afterLeg >= legs.length ? x(legs.length) + gap * 0.35 : (x(afterLeg) + x(afterLeg + 1)) / 2) + offset;
  const byLeg = new Map();
  for (const anomaly of facts.anomalies) {
    const leg = anomaly.data.currentLegNumber ?? 0;
    byLeg.set(leg, [...(byLeg.get(leg) ?? []), anomaly]);
  }
  for (const [leg, anomalies] of byLeg) {
    const cx = markerX(leg, facts.breach && facts.breachAfterLeg === leg ? -14 : 0);
    svg.append(s('g', { class: 'progress__anomaly' },
      s('title', {}, anomalies.map((a) => `Out-of-sequence scan at ${a.where} on ${formatDateTime(a.at)}: ${a.data.reason}`).join('\n')),
      s('path', { d: `M${cx} ${lineY - 13}L${cx + 11} ${lineY + 7}H${cx - 11}Z` }),
      s('text', { x: cx, y: lineY + 4.5, 'text-anchor': 'middle' }, anomalies.length > 1 ? String(anomalies.length) : '!')));
  }
  if (facts.breach) {
    const cx = markerX(facts.breachAfterLeg, byLeg.has(facts.breachAfterLeg) ? 14 : 0);
    svg.append(s('g', { class: 'progress__breach' },
      s('title', {}, `Cold-chain breach on ${formatDateTime(facts.breach.at)}: ${facts.breach.data.detail}`),
      s('rect', { x: cx - 9, y: lineY - 9, width: 18, height: 18, rx: 2, transform: `rotate(45 ${cx} ${lineY})` }),
      s('text', { x: cx, y: lineY + 4.5, 'text-anchor': 'middle' }, '°')));
  }
  return svg;
}

/** The progress line sized to its box, with a legend of what it shows. */
export function progressSection(workflow, shipment, timeline) {
  const holder = scrollBox('Route progress');
  onWidth(holder, (width) => fill(holder, progressLine(workflow, shipment, timeline, width)));
  const facts = progressFacts(timeline);
  const key = (cls, text) => h('li', {}, h('span', { class: ['legend__swatch', cls], 'aria-hidden': 'true' }), text);
  return h('div', {},
    holder,
    h('ul', { class: 'legend', 'aria-label': 'Legend' },
      key('legend--done', 'Done'),
      shipment.status !== 'delivered' && shipment.currentLeg.number > 0 && key('legend--current', 'Current position'),
      shipment.nextExpected.length > 0 && key('legend--next', 'Expected next, with its due time'),
      shipment.nextExpected.some((l) => l.overdue) && key('legend--overdue', 'Overdue'),
      workflow.legs.some((l) => l.optional) && key('legend--optional', 'Optional leg'),
      shipment.status === 'delivered' && key('legend--delivered', 'Delivered'),
      facts.anomalies.length > 0 && key('legend--anomaly', 'Out-of-sequence scan'),
      facts.breach && key('legend--breach', 'Cold-chain breach'),
      shipment.status === 'refused' && key('legend--refused', 'Delivery refused')));
}
