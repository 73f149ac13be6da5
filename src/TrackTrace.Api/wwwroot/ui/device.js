// #/devices/{id}: one device for the admin on call: what it is, where it was used from, what it did,
// what was done to it and by whom, and the levers: suspend, resume, retire a certificate, change
// attributes, issue an enrollment token. Every lever is an API call (so the service's CSRF guard and
// the device decider judge it) and asks for a reason first. The page follows the device live over
// GET /api/devices/{id}/stream: a suspension made elsewhere (another admin, the bus, a monitoring
// rule) shows within seconds.

import { alertList } from './alerts.js';
import { api } from './api.js';
import {
  announce, fill, formatDateTimeSeconds, formatDay, formatTimeSeconds, h, label, plural, problemBox, scrollBox, time, uid,
} from './dom.js';
import { attributeChips, deviceStatus, expiry } from './devices.js';

const auditKinds = {
  enrolled: { title: 'Enrolled', tone: 'ok' },
  registered: { title: 'Registered, pending enrollment', tone: 'neutral' },
  'enrollment-token-issued': { title: 'Enrollment token issued', tone: 'info' },
  'enrollment-token-voided': { title: 'Enrollment token voided', tone: 'warn' },
  'enrolled-with-token': { title: 'Enrolled with its token', tone: 'ok' },
  'enrollment-refused': { title: 'Enrollment refused', tone: 'warn', tag: 'Refused' },
  'certificate-renewed': { title: 'Certificate renewed', tone: 'info' },
  'certificate-bound': { title: 'Certificate bound', tone: 'info' },
  'certificate-retired': { title: 'Certificate retired', tone: 'warn' },
  'attributes-changed': { title: 'Attributes changed', tone: 'info' },
  suspended: { title: 'Suspended', tone: 'danger' },
  resumed: { title: 'Resumed', tone: 'ok' },
};

/** Who did it, in words: monitoring rules and the bus are not people. */
function actor(by) {
  if (!by) return null;
  if (by.startsWith('monitor:')) return { text: `monitoring rule ${by.slice(8)}`, tag: 'Automatic' };
  if (by.startsWith('bus:')) return { text: `the bus (${by.slice(4)})`, tag: 'From the bus' };
  if (by.startsWith('device:')) return { text: `the device itself (${by.slice(7)})` };
  if (by.startsWith('est:')) return { text: `an enrollment from ${by.slice(4)}` };
  return { text: by };
}

function when(iso) {
  const date = new Date(iso);
  return h('time', { datetime: iso, title: date.toISOString() },
    h('span', { class: 'fact__day' }, formatDay(date)), ' ', h('span', { class: 'fact__time' }, formatTimeSeconds(date)));
}

function auditItem(entry) {
  const kind = auditKinds[entry.fact] ?? { title: label(entry.fact), tone: 'neutral' };
  const who = actor(entry.by);
  return h('li', { class: ['fact', `fact--${kind.tone}`], 'data-fact': entry.fact },
    h('div', { class: 'fact__when' }, when(entry.at)),
    h('div', { class: 'fact__marker', 'aria-hidden': 'true' }),
    h('div', { class: 'fact__body' },
      h('h3', { class: 'fact__title' }, kind.title,
        kind.tag && h('span', { class: ['tag', `tag--${kind.tone}`] }, kind.tag),
        who?.tag && h('span', { class: 'tag tag--info' }, who.tag)),
      entry.reason && h('p', { class: 'fact__summary' }, entry.reason),
      who && h('p', { class: 'fact__meta' }, 'by ', h('strong', {}, who.text))));
}

/** A long fingerprint readable in groups; the whole value is in the title and copied whole. */
const fingerprint = (sha256) => h('span', { class: 'mono fingerprint', title: sha256 }, sha256.match(/.{1,16}/g).join(' '));

function certificateState(certificate, now) {
  if (certificate.retired) return [h('span', { class: 'tag tag--neutral' }, 'Retired'), ' ', time(certificate.retiredAt)];
  const parts = [];
  if (Date.parse(certificate.notAfter) <= now) parts.push(h('span', { class: 'tag tag--danger' }, 'Expired'));
  else parts.push(h('span', { class: 'tag tag--ok' }, 'Live'));
  if (certificate.renewedBy) {
    parts.push(' ', h('span', { class: 'cell-sub' }, 'renewed; works until its successor is used or ', time(certificate.graceEndsAt)));
  }
  return parts;
}

/**
 * A modal form that asks for a reason (and whatever else the action needs) and runs the action; the
 * result or the service's refusal is shown in the dialog's own status line and read out.
 */
function actionDialog({ title, intro, submitText, danger = false, extra = [], needsReason = true, run }) {
  const reasonId = uid('reason');
  const reason = h('textarea', { id: reasonId, name: 'reason', rows: 3, maxlength: 500, 'aria-required': needsReason ? 'true' : undefined });
  const status = h('p', { class: 'dialog__status', role: 'status' });
  const submit = h('button', { type: 'submit', class: ['button', danger ? 'button--danger' : 'button--primary'] }, submitText);
  const cancel = h('button', { type: 'button', class: 'button', value: 'cancel' }, 'Cancel');
  const headingId = uid('dialog-title');
  const form = h('form', { method: 'dialog', class: 'dialog__form' },
    h('h2', { id: headingId }, title),
    intro && h('p', { class: 'dialog__intro' }, intro),
    ...extra,
    needsReason && h('div', { class: 'field field--wide' }, h('label', { for: reasonId }, 'Reason (kept in the audit trail)'), reason),
    status,
    h('div', { class: 'dialog__actions' }, submit, cancel));
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': headingId }, form);
  cancel.addEventListener('click', () => dialog.close());
  reason.addEventListener('input', () => { if (status.classList.contains('dialog__status--error')) status.textContent = ''; });
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (needsReason && !reason.value.trim()) {
      status.className = 'dialog__status dialog__status--error';
      status.textContent = 'Say why: the reason is kept with the change.';
      reason.focus();
      return;
    }
    submit.disabled = true;
    status.className = 'dialog__status';
    status.textContent = 'Sending…';
    try {
      const done = await run(reason.value.trim());
      if (done?.keepOpen) {
        status.textContent = done.message ?? 'Done.';
        submit.hidden = true;
        cancel.textContent = 'Close';
        cancel.focus();
      } else {
        dialog.close();
      }
    } catch (error) {
      submit.disabled = false;
      status.className = 'dialog__status dialog__status--error';
      status.textContent = `Refused: ${error.message}`;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  (needsReason ? reason : submit).focus();
  return dialog;
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Without clipboard permission, select the text so Ctrl+C copies it.
    const area = h('textarea', { class: 'visually-hidden', readonly: true }, text);
    document.body.append(area);
    area.select();
    document.execCommand?.('copy');
    area.remove();
  }
  const before = button.textContent;
  button.textContent = 'Copied';
  announce('Copied to the clipboard');
  setTimeout(() => { button.textContent = before; }, 2000);
}

function copyable(name, text, { block = false } = {}) {
  const button = h('button', { type: 'button', class: 'button button--small', 'aria-label': `Copy ${name}` }, 'Copy');
  button.addEventListener('click', () => copy(text, button));
  return h('div', { class: ['copyable', block && 'copyable--block'] },
    block ? h('pre', { class: 'code', tabindex: '0', 'aria-label': name }, h('code', {}, text)) : h('code', { class: 'code code--inline' }, text),
    button);
}

const shellQuote = (value) => (/^[A-Za-z0-9._:/@=-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`);

/** The lines the device's operator runs, exactly as README's "Enrolling a device" gives them. */
export function enrollmentCommands(deviceId, token, enrollAt) {
  const enroll = new URL(enrollAt).origin;
  const vars = `DEVICE=${shellQuote(deviceId)} TOKEN=${shellQuote(token)} ENROLL=${enroll} API=${location.origin}`;
  const openssl = [
    vars,
    'openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$DEVICE.key" -subj "/CN=$DEVICE" -outform DER -out "$DEVICE.csr"',
    'openssl base64 -in "$DEVICE.csr" | curl --fail-with-body -sS --cacert ca.crt --user "$DEVICE:$TOKEN" \\',
    "  -H 'Content-Type: application/pkcs10' -H 'Accept: application/pem-certificate-chain' \\",
    '  --data-binary @- "$ENROLL/.well-known/est/simpleenroll" -o "$DEVICE.crt"',
    'openssl verify -CAfile ca.crt -untrusted "$DEVICE.crt" "$DEVICE.crt"',
  ].join('\n');
  const cli = [
    vars,
    "umask 077; printf '%s' \"$TOKEN\" > token",
    'tracktrace device enroll --server "$ENROLL" --ca ca.crt --device "$DEVICE" --token-file token --out /etc/tracktrace && rm token',
  ].join('\n');
  return { openssl, cli };
}

function tokenPanel(answer) {
  const { openssl, cli } = enrollmentCommands(answer.deviceId, answer.enrollmentToken, answer.enrollAt);
  return h('div', { class: 'token-panel', 'data-token-panel': '' },
    h('div', { class: 'callout callout--info' },
      h('p', { class: 'callout__title' }, 'Enrollment token, shown this once'),
      h('p', {}, 'Only its hash is kept: copy it now. It works once, until ', time(answer.enrollmentExpiresAt),
        '; the token issued before it no longer works.')),
    h('h3', {}, 'Token'),
    copyable('the enrollment token', answer.enrollmentToken),
    h('h3', {}, 'On the device, with the CLI'),
    copyable('the CLI commands', cli, { block: true }),
    h('h3', {}, 'On the device, with openssl and curl'),
    h('p', { class: 'muted' }, 'ca.crt is the operator\u2019s root certificate; the key is made on the device and never leaves it.'),
    copyable('the openssl and curl commands', openssl, { block: true }));
}

function parseAttributes(text) {
  const attributes = {};
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`line ${index + 1} is not name = value`);
    attributes[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return attributes;
}

export async function renderDevice(main, deviceId) {
  fill(main, h('p', { class: 'loading' }, `Loading ${deviceId}…`));
  let device;
  let audit;
  let activity;
  let alerts;
  try {
    [device, audit, activity, alerts] = await Promise.all([
      api.device(deviceId), api.deviceAudit(deviceId), api.deviceActivity(deviceId), api.alerts({ deviceId, pageSize: 50 })]);
  } catch (error) {
    fill(main, breadcrumb(deviceId), h('h1', { tabindex: '-1' }, deviceId), problemBox(error, 'this device'));
    return undefined;
  }
  document.title = `${deviceId} · TrackTrace`;

  const head = h('header', { class: 'shipment-head device-head' });
  const actions = h('div', { class: 'device-actions', role: 'group', 'aria-label': 'Actions' });
  const outcome = h('div', { class: 'device-outcome', role: 'status' });
  const certificates = h('div');
  const timeline = h('ol', { class: 'timeline', 'aria-label': 'Audit trail, newest first' });
  const auditSummary = h('p', { class: 'muted' });
  const live = h('p', { class: 'live-note', 'data-state': 'connecting' }, 'Connecting to live updates…');
  const tokenSlot = h('div');

  const section = (id, title, ...content) =>
    h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...content);

  const say = (tone, text) => {
    fill(outcome, h('p', { class: ['callout', `callout--${tone}`] }, text));
    announce(text);
  };

  const showAudit = () => {
    const newest = [...audit].reverse();
    auditSummary.textContent = `${plural(audit.length, 'change')}, newest first.`;
    fill(timeline, newest.map(auditItem));
  };
  const refreshAudit = async () => {
    try { audit = await api.deviceAudit(deviceId); showAudit(); } catch { /* the stream shows the state; the trail catches up next time */ }
  };

  const showHead = () => {
    const seen = device.sightings?.[0];
    const row = (term, ...value) => h('div', { class: 'facts__item' }, h('dt', {}, term), h('dd', {}, ...value));
    const token = device.enrollmentToken;
    fill(head,
      h('div', { class: 'shipment-head__title' }, h('h1', { tabindex: '-1', class: 'mono' }, device.deviceId), deviceStatus(device)),
      h('dl', { class: 'facts' },
        row('Role', label(device.role)),
        row('Station', device.stationId ?? '–'),
        row('Last seen', device.lastSeenAt ? time(device.lastSeenAt) : 'Never',
          (device.lastSeenFrom ?? seen?.address) && h('span', { class: 'cell-sub mono' }, `from ${device.lastSeenFrom ?? seen.address}`)),
        row('Certificate expires', expiry(device.certificateExpiresAt)),
        row('Enrolled', time(device.enrolledAt)),
        row('Enrollment token', token ? [label(token.state), token.state === 'live' ? [', until ', time(token.expiresAt)] : ''] : 'None issued'),
        row('Attributes', attributeChips(device.attributes))));
  };

  const showActions = () => {
    const suspended = device.status === 'suspended';
    fill(actions,
      suspended
        ? h('button', { type: 'button', class: 'button button--primary', onclick: resume }, 'Resume device')
        : h('button', { type: 'button', class: 'button button--danger', onclick: suspend }, 'Suspend device'),
      h('button', { type: 'button', class: 'button', onclick: changeAttributes }, 'Change attributes'),
      h('button', { type: 'button', class: 'button', onclick: issueToken }, 'Issue enrollment token'));
  };

  const showCertificates = () => {
    const now = Date.now();
    if (device.certificates.length === 0) {
      fill(certificates, h('p', { class: 'empty' }, 'No certificate yet: the device enrolls itself with its one-time token.'));
      return;
    }
    fill(certificates, scrollBox('Certificates', h('table', { class: 'table table--compact table--certificates' },
      h('thead', {}, h('tr', {}, ['Fingerprint (SHA-256)', 'Valid', 'State', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, [...device.certificates].reverse().map((c) => h('tr', { 'data-certificate': c.fingerprint },
        h('td', {}, fingerprint(c.fingerprint), h('span', { class: 'cell-sub' }, c.subject)),
        h('td', {}, time(c.notBefore), ' to ', h('span', { class: 'nowrap' }, time(c.notAfter))),
        h('td', {}, certificateState(c, now)),
        h('td', {}, !c.retired && h('button', {
          type: 'button', class: 'button button--small', 'aria-label': `Retire certificate ${c.fingerprint.slice(0, 16)}`,
          onclick: () => retire(c),
        }, 'Retire'))))))));
  };

  /** After any change: the device as the service answered, and its trail read again. */
  const changed = async (view, message) => {
    if (view) device = { ...device, ...view, sightings: device.sightings, lastSeenFrom: device.lastSeenFrom, lastSeenAt: device.lastSeenAt ?? view.lastSeenAt };
    showHead(); showActions(); showCertificates();
    say(device.status === 'suspended' ? 'danger' : 'ok', message);
    await refreshAudit();
  };

  function suspend() {
    actionDialog({
      title: `Suspend ${device.deviceId}`,
      intro: 'Its next request is refused on every instance, open connections too. Nothing it did before is undone.',
      submitText: 'Suspend',
      danger: true,
      run: async (reason) => changed(await api.suspend(device.deviceId, reason), `${device.deviceId} is suspended: ${reason}`),
    });
  }
  function resume() {
    actionDialog({
      title: `Resume ${device.deviceId}`,
      intro: 'Its certificates that are not retired work again at once.',
      submitText: 'Resume',
      run: async (reason) => changed(await api.resume(device.deviceId, reason), `${device.deviceId} is active again: ${reason}`),
    });
  }
  function retire(certificate) {
    actionDialog({
      title: 'Retire one certificate',
      intro: `Certificate ${certificate.fingerprint.slice(0, 16)}… is refused from its next request on and can never be bound again; the device's other certificates keep working.`,
      submitText: 'Retire certificate',
      danger: true,
      run: async (reason) => changed(await api.retire(device.deviceId, certificate.fingerprint, reason), `Certificate ${certificate.fingerprint.slice(0, 16)}… is retired: ${reason}`),
    });
  }
  function changeAttributes() {
    const id = uid('attributes');
    const text = h('textarea', { id, name: 'attributes', rows: 4, class: 'mono', spellcheck: 'false' },
      Object.entries(device.attributes).map(([k, v]) => `${k}=${v}`).join('\n'));
    actionDialog({
      title: `Attributes of ${device.deviceId}`,
      intro: 'One name=value per line; these replace the operator attributes (status, role and station are the service\u2019s own). A device that no longer carries the expected attributes is refused at once.',
      submitText: 'Save attributes',
      extra: [h('div', { class: 'field field--wide' }, h('label', { for: id }, 'Attributes'), text)],
      run: async (reason) => changed(await api.changeAttributes(device.deviceId, parseAttributes(text.value), reason), `Attributes of ${device.deviceId} changed: ${reason}`),
    });
  }
  function issueToken() {
    actionDialog({
      title: `Enrollment token for ${device.deviceId}`,
      intro: 'A new one-time token lets the device enroll a key of its own over EST. The token issued before it stops working at once. It is shown once, below the actions.',
      submitText: 'Issue token',
      run: async (reason) => {
        const answer = await api.issueToken(device.deviceId, reason);
        fill(tokenSlot, tokenPanel(answer));
        await changed(await api.device(device.deviceId), `A new enrollment token for ${device.deviceId} is shown below, once.`);
        tokenSlot.querySelector('button')?.focus();
      },
    });
  }

  const sightingsSlot = h('div');
  const activitySlot = h('div');
  const showSightings = () => fill(sightingsSlot, device.sightings?.length
    ? scrollBox('Sightings', h('table', { class: 'table table--compact' },
      h('thead', {}, h('tr', {}, ['From', 'Certificate', 'First seen', 'Last seen', 'Requests'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, device.sightings.map((s) => h('tr', {},
        h('td', { class: 'mono' }, s.address), h('td', { class: 'mono', title: s.certificate }, `${s.certificate.slice(0, 16)}…`),
        h('td', {}, time(s.firstSeenAt, formatDateTimeSeconds)), h('td', {}, time(s.lastSeenAt, formatDateTimeSeconds)),
        h('td', { class: 'num' }, String(s.requests)))))))
    : h('p', { class: 'empty' }, 'Not seen yet.'));

  const shipmentLink = (id) => h('a', { class: 'mono', href: `#/shipments/${encodeURIComponent(id)}` }, id);
  const showActivity = () => {
  const scans = activity.scans.length
    ? scrollBox('Recent scans', h('table', { class: 'table table--compact' },
      h('thead', {}, h('tr', {}, ['Scanned', 'Shipment', 'Station', 'Outcome'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, activity.scans.map((s) => h('tr', { class: [!s.outcome.startsWith('checked in') && 'row--warn'] },
        h('td', {}, time(s.at, formatDateTimeSeconds)), h('td', {}, shipmentLink(s.shipmentId)), h('td', {}, s.stationId),
        h('td', {}, label(s.outcome)))))))
    : null;
  const readings = activity.readings.length
    ? scrollBox('Recent readings', h('table', { class: 'table table--compact' },
      h('thead', {}, h('tr', {}, ['At', 'Shipment', 'Temperature'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, activity.readings.map((r) => h('tr', {},
        h('td', {}, time(r.at, formatDateTimeSeconds)), h('td', {}, shipmentLink(r.shipmentId)),
        h('td', { class: 'num' }, `${r.celsius.toFixed(1)} °C`, r.exception && h('span', { class: 'cell-sub' }, r.exception)))))))
    : null;
  fill(activitySlot,
    scans ?? (readings ? null : h('p', { class: 'empty' }, 'No scans or readings recorded.')),
    scans && readings && h('h3', {}, 'Readings'),
    readings);
  };

  const feed = alertList(alerts.items, {
    headingLevel: 3,
    accepts: (a) => a.deviceId === device.deviceId,
    labelText: `Alerts for ${device.deviceId}`,
  });

  showHead(); showActions(); showCertificates(); showAudit(); showSightings(); showActivity();
  fill(main,
    breadcrumb(device.deviceId),
    head,
    h('section', { class: 'card card--actions', 'aria-label': 'Actions' }, h('div', { class: 'card__row' }, actions, live), outcome, tokenSlot),
    h('div', { class: 'split split--device' },
      h('div', {},
        section('certificates-heading', 'Certificates', certificates),
        section('activity-heading', 'Recent activity', activitySlot),
        section('sightings-heading', 'Where it was used from', sightingsSlot)),
      h('div', {},
        section('audit-heading', 'Audit trail', auditSummary, timeline),
        section('device-alerts-heading', 'Alerts', feed.element))));

  // Live: the service pushes the device whenever it changes, whoever changed it.
  const stream = api.deviceStream(device.deviceId);
  const setLive = (state, text) => { live.dataset.state = state; live.textContent = text; };
  stream.addEventListener('open', () => setLive('live', 'Live: changes made elsewhere show here'));
  stream.addEventListener('error', () => setLive('offline', stream.readyState === EventSource.CLOSED ? 'Live updates stopped' : 'Reconnecting…'));
  stream.addEventListener('device', async (event) => {
    const next = JSON.parse(event.data);
    const before = device;
    const same = ['status', 'updatedAt', 'certificateExpiresAt'].every((k) => before[k] === next[k])
      && JSON.stringify(before.attributes) === JSON.stringify(next.attributes)
      && before.certificates.length === next.certificates.length
      && before.certificates.every((c, i) => c.retired === next.certificates[i].retired)
      && JSON.stringify(before.enrollmentToken) === JSON.stringify(next.enrollmentToken);
    if (same) return;
    device = { ...device, ...next, sightings: device.sightings, lastSeenFrom: device.lastSeenFrom, lastSeenAt: device.lastSeenAt ?? next.lastSeenAt };
    showHead(); showActions(); showCertificates();
    const turned = before.status !== next.status ? (next.status === 'suspended' ? 'suspended' : 'resumed') : null;
    // Said at once; who and why follow from the audit trail a moment later.
    if (turned) say(turned === 'suspended' ? 'danger' : 'ok', `${device.deviceId} was ${turned} elsewhere.`);
    if (tokenSlot.firstChild && next.enrollmentToken?.state !== 'live') {
      fill(tokenSlot, h('p', { class: 'callout callout--ok' }, `The token was ${next.enrollmentToken?.state ?? 'withdrawn'}: it is no longer shown.`));
    }
    await refreshAudit();
    if (turned) {
      const last = [...audit].reverse().find((e) => e.fact === turned);
      const who = actor(last?.by)?.text;
      if (who) say(turned === 'suspended' ? 'danger' : 'ok', `${device.deviceId} was ${turned} by ${who}${last.reason ? `: ${last.reason}` : ''}.`);
    }
    // What the device did and where from changes too, slower: read it again with the change.
    try {
      [activity, { sightings: device.sightings, lastSeenAt: device.lastSeenAt, lastSeenFrom: device.lastSeenFrom }] =
        await Promise.all([api.deviceActivity(deviceId), api.device(deviceId)]);
      showHead(); showSightings(); showActivity();
    } catch { /* shown again on the next change */ }
  });
  stream.addEventListener('device-rejected', () => stream.close());

  return () => { stream.close(); feed.stop(); };
}

function breadcrumb(current) {
  return h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
    h('ol', {}, h('li', {}, h('a', { href: '#/devices' }, 'Devices')), h('li', { 'aria-current': 'page' }, current)));
}
