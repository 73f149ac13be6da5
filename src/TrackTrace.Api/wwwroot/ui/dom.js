// Small builders for HTML and SVG elements, and the formats the page shows times and numbers in.
// Text always goes in as text nodes, never as markup, so nothing a device sent can become HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'class' && Array.isArray(value)) {
      element.setAttribute('class', value.filter(Boolean).join(' '));
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** An HTML element: h('a', { href: '#/x', class: ['a', cond && 'b'] }, 'text', child). */
export const h = (tag, attributes, ...children) => build(document.createElement(tag), attributes, children);

/** An SVG element, same shape as h(). */
export const s = (tag, attributes, ...children) => build(document.createElementNS(SVG_NS, tag), attributes, children);

/** Replaces the children of a node. */
export function fill(node, ...children) {
  node.replaceChildren();
  return build(node, {}, children);
}

let nextId = 0;
/** A document-unique id for aria-labelledby, markers and the like. */
export const uid = (prefix) => `${prefix}-${++nextId}`;

// 24-hour times: columns line up, and "03:05" cannot be misread across a night shift.
const thisYear = new Date().getFullYear();
const formats = {
  dateTime: new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
  dateTimeYear: new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
  seconds: new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }),
  time: new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
  timeSeconds: new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }),
  day: new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' }),
};

export function formatDateTime(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return (date.getFullYear() === thisYear ? formats.dateTime : formats.dateTimeYear).format(date);
}
export const formatDateTimeSeconds = (iso) => (iso ? formats.seconds.format(new Date(iso)) : '–');
export const formatTime = (date) => formats.time.format(date);
export const formatTimeSeconds = (date) => formats.timeSeconds.format(date);
export const formatDay = (date) => formats.day.format(date);

/** A <time> element: the readable form shown, the exact instant in datetime and title. */
export const time = (iso, format = formatDateTime) =>
  iso ? h('time', { datetime: iso, title: new Date(iso).toISOString() }, format(iso)) : '–';

export function formatMinutes(minutes) {
  if (minutes === null || minutes === undefined) return '–';
  const rounded = Math.round(minutes);
  if (rounded < 60) return `${rounded} min`;
  const hours = Math.floor(rounded / 60);
  const rest = rounded % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

export const celsius = (value) =>
  value === null || value === undefined ? '–' : `${Number(value).toFixed(1)} °C`;

export const plural = (count, one, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** "in-transit" → "In transit". */
export const label = (kebab) => (kebab ? kebab.charAt(0).toUpperCase() + kebab.slice(1).replaceAll('-', ' ') : '');

/** A short announcement for screen readers (the page's polite status region). */
export function announce(message) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A new text node after a tick is announced even when the message repeats.
  setTimeout(() => { region.textContent = message; }, 50);
}

/** A problem shown where the content would be; role=alert so it is read at once. */
export function problemBox(error, what) {
  const detail = error?.problem?.detail ?? error?.message ?? String(error);
  return h('div', { class: 'problem', role: 'alert' },
    h('p', { class: 'problem__title' }, `Could not load ${what}.`),
    h('p', {}, detail));
}

/** Calls render(width) now and again when the element's width changes (charts sized to their box). */
export function onWidth(element, render) {
  let last = 0;
  let pending = 0;
  const observer = new ResizeObserver(([entry]) => {
    const width = Math.round(entry.contentRect.width);
    if (!element.isConnected) { observer.disconnect(); return; }
    if (width === last || width === 0) return;
    last = width;
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => render(width));
  });
  observer.observe(element);
}

/**
 * A box that scrolls sideways when its content is wider: a named region that takes keyboard focus
 * (so arrow keys scroll it) only while there is something to scroll.
 */
export function scrollBox(name, ...children) {
  const box = h('div', { class: 'scroll-x', role: 'region', 'aria-label': name }, ...children);
  new ResizeObserver(() => {
    if (box.scrollWidth > box.clientWidth + 1) box.setAttribute('tabindex', '0');
    else box.removeAttribute('tabindex');
  }).observe(box);
  return box;
}
