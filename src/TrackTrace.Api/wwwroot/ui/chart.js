// The temperature chart of one shipment: readings over time, the allowed band [min, max] shaded,
// the hard limits drawn, excursions shaded, the breach moment marked. Plain SVG sized to its box.

import { celsius, formatDateTime, formatDay, formatMinutes, formatTime, plural, s, uid } from './dom.js';

const MINUTE = 60_000;
const TIME_STEPS = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * MINUTE);
const CELSIUS_STEPS = [0.5, 1, 2, 5, 10, 20];

function niceStep(span, room, steps) {
  return steps.find((step) => span / step <= room) ?? steps[steps.length - 1];
}

const ruleText = {
  'allowance-exceeded': 'time outside the range ran past the allowance',
  'hard-limit': 'a reading passed a hard limit',
};

export function describeBreach(breach) {
  return ruleText[breach.rule] ?? breach.rule;
}

/**
 * @param coldChain GET /api/shipments/{id}/cold-chain
 * @param readings  GET /api/shipments/{id}/temperature-readings
 */
export function temperatureChart(coldChain, readings, width) {
  const height = Math.max(240, Math.min(340, Math.round(width * 0.42)));
  const margin = { top: 30, right: 92, bottom: 40, left: 48 };
  const plotW = Math.max(120, width - margin.left - margin.right);
  const plotH = height - margin.top - margin.bottom;
  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const clipId = uid('chart-clip');

  const times = readings.map((r) => Date.parse(r.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + MINUTE);
  const limits = [coldChain.minCelsius, coldChain.maxCelsius, coldChain.hardMinCelsius, coldChain.hardMaxCelsius].filter((v) => v != null);
  const values = readings.map((r) => r.celsius);
  const yLow = Math.floor(Math.min(...values, ...limits) - 1);
  const yHigh = Math.ceil(Math.max(...values, ...limits) + 1);
  const xs = (t) => margin.left + ((t - t0) / (t1 - t0)) * plotW;
  const ys = (c) => margin.top + ((yHigh - c) / (yHigh - yLow)) * plotH;
  const clampX = (t) => Math.min(Math.max(xs(t), margin.left), margin.left + plotW);

  const breach = coldChain.breach;
  const description = [
    `${plural(readings.length, 'reading')} from ${formatDateTime(readings[0].at)} to ${formatDateTime(readings[readings.length - 1].at)},`,
    `lowest ${celsius(coldChain.lowestCelsius)}, highest ${celsius(coldChain.highestCelsius)}.`,
    `Allowed ${coldChain.minCelsius} to ${coldChain.maxCelsius} °C${coldChain.hardMaxCelsius != null ? `, hard limits ${coldChain.hardMinCelsius ?? '–'} and ${coldChain.hardMaxCelsius} °C` : ''}.`,
    `${formatMinutes(coldChain.minutesOutside)} outside the range in ${plural(coldChain.excursions.length + (coldChain.currentExcursion ? 1 : 0), 'excursion')}, allowance ${formatMinutes(coldChain.allowanceMinutes)}.`,
    breach ? `Breach at ${formatDateTime(breach.at)}: ${describeBreach(breach)}.` : 'No breach.',
  ].join(' ');

  const svg = s('svg', {
    class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': `${titleId} ${descId}`,
  },
  s('title', { id: titleId }, `Temperature of ${coldChain.shipmentId}`),
  s('desc', { id: descId }, description),
  s('defs', {}, s('clipPath', { id: clipId }, s('rect', { x: margin.left, y: margin.top, width: plotW, height: plotH }))));

  // Allowed band.
  svg.append(s('rect', {
    class: 'chart__band', x: margin.left, width: plotW,
    y: ys(coldChain.maxCelsius), height: ys(coldChain.minCelsius) - ys(coldChain.maxCelsius),
  }));

  // Grid and axes.
  const yStep = niceStep(yHigh - yLow, plotH / 26, CELSIUS_STEPS);
  const grid = s('g', { class: 'chart__grid' });
  for (let c = Math.ceil(yLow / yStep) * yStep; c <= yHigh + 1e-9; c += yStep) {
    grid.append(
      s('line', { x1: margin.left, x2: margin.left + plotW, y1: ys(c), y2: ys(c) }),
      s('text', { x: margin.left - 8, y: ys(c) + 4, 'text-anchor': 'end', class: 'chart__tick' }, `${Number(c.toFixed(1))}`));
  }
  const tStep = niceStep(t1 - t0, plotW / 84, TIME_STEPS);
  const offset = new Date(t0).getTimezoneOffset() * MINUTE; // ticks on the local clock
  let lastDay = '';
  for (let t = Math.ceil((t0 - offset) / tStep) * tStep + offset; t <= t1; t += tStep) {
    const day = formatDay(new Date(t));
    grid.append(
      s('line', { x1: xs(t), x2: xs(t), y1: margin.top, y2: margin.top + plotH, class: 'chart__vgrid' }),
      s('text', { x: xs(t), y: margin.top + plotH + 18, 'text-anchor': 'middle', class: 'chart__tick' }, formatTime(new Date(t))));
    if (day !== lastDay) {
      grid.append(s('text', { x: xs(t), y: margin.top + plotH + 33, 'text-anchor': 'middle', class: 'chart__tick chart__tick--day' }, day));
      lastDay = day;
    }
  }
  svg.append(grid,
    s('text', { x: 12, y: margin.top - 12, class: 'chart__axis-label' }, '°C'));

  // Excursions: finished ones, and the one still open at the last reading.
  const spells = [...coldChain.excursions.map((e) => ({ ...e, open: false }))];
  if (coldChain.currentExcursion) spells.push({ ...coldChain.currentExcursion, endedAt: readings[readings.length - 1].at, open: true });
  const excursions = s('g', { class: 'chart__excursions', 'clip-path': `url(#${clipId})` });
  for (const spell of spells) {
    const from = clampX(Date.parse(spell.startedAt));
    const to = clampX(Date.parse(spell.endedAt));
    excursions.append(s('rect', { x: from, width: Math.max(2, to - from), y: margin.top, height: plotH, class: 'chart__excursion' },
      s('title', {}, `${spell.open ? 'Still ' : ''}${spell.direction} the range from ${formatDateTime(spell.startedAt)}${spell.open ? '' : ` to ${formatDateTime(spell.endedAt)}`}, extreme ${celsius(spell.extremeCelsius)}`)));
  }
  svg.append(excursions);

  // Limits, labelled at the right edge.
  const edge = margin.left + plotW;
  const limit = (value, cls, text) => value == null || value < yLow || value > yHigh ? [] : [
    s('line', { x1: margin.left, x2: edge, y1: ys(value), y2: ys(value), class: cls }),
    s('text', { x: edge + 6, y: ys(value) + 4, class: `${cls}-label` }, text),
  ];
  svg.append(
    ...limit(coldChain.maxCelsius, 'chart__limit', `max ${coldChain.maxCelsius} °C`),
    ...limit(coldChain.minCelsius, 'chart__limit', `min ${coldChain.minCelsius} °C`),
    ...limit(coldChain.hardMaxCelsius, 'chart__hard', `hard ${coldChain.hardMaxCelsius} °C`),
    ...limit(coldChain.hardMinCelsius, 'chart__hard', `hard ${coldChain.hardMinCelsius} °C`));

  // Readings.
  const points = readings.map((r) => `${xs(Date.parse(r.at)).toFixed(1)},${ys(r.celsius).toFixed(1)}`).join(' ');
  svg.append(s('polyline', { points, class: 'chart__line', 'clip-path': `url(#${clipId})` }));
  if (readings.length <= 400) {
    const outside = s('g', { class: 'chart__outside' });
    for (const r of readings) {
      if (r.celsius > coldChain.maxCelsius || r.celsius < coldChain.minCelsius) {
        outside.append(s('circle', { cx: xs(Date.parse(r.at)), cy: ys(r.celsius), r: 2.6 },
          s('title', {}, `${celsius(r.celsius)} at ${formatDateTime(r.at)} (${r.sensorId})`)));
      }
    }
    svg.append(outside);
  }

  // The breach moment.
  if (breach) {
    const bx = clampX(Date.parse(breach.at));
    const nearRight = bx > margin.left + plotW * 0.7;
    svg.append(s('g', { class: 'chart__breach' },
      s('title', {}, `Breach at ${formatDateTime(breach.at)}: ${breach.detail}`),
      s('line', { x1: bx, x2: bx, y1: margin.top - 6, y2: margin.top + plotH }),
      s('circle', { cx: bx, cy: margin.top - 6, r: 4 }),
      s('text', { x: nearRight ? bx - 8 : bx + 8, y: margin.top - 2, 'text-anchor': nearRight ? 'end' : 'start', class: 'chart__breach-label' },
        `Breach ${formatTime(new Date(breach.at))}`)));
  }
  return svg;
}
