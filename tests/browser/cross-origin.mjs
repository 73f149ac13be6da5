// Cross-site request forgery in a real browser: Debian's Chromium, holding an admin's and a staff
// member's client certificates, opens a page on ANOTHER origin (served here, on a loopback port of
// its own) that tries what any web page can make a browser send: form POSTs (text/plain with JSON
// smuggled into a field name, an empty urlencoded form, multipart), fetch with credentials and
// Content-Type text/plain or no body at all, and fetch with application/json, which needs a CORS
// preflight the service never grants. Then, from the service's own origin, the same browser acknowledges an alert
// as the staff page does. Run by tests/TrackTrace.IntegrationTests/Browser/CrossOriginBrowserTests.cs,
// which proves over the API afterwards that none of the foreign attempts changed anything.
// Exits 0 when every step passed, 1 otherwise.
//
// Environment:
//   TRACKTRACE_URL               https://localhost:<port>
//   TRACKTRACE_CA, NODE_EXTRA_CA_CERTS  ca.crt (Playwright's client-certificate proxy verifies the server with it)
//   TRACKTRACE_ADMIN_CERT/_KEY   PEM of the admin device
//   TRACKTRACE_STAFF_CERT/_KEY   PEM of an enrolled staff device
//   TRACKTRACE_ACTIVE_DEVICE     an active device the foreign page tries to suspend
//   TRACKTRACE_SUSPENDED_DEVICE  a suspended device the foreign page tries to resume
//   TRACKTRACE_ALERT             an unacknowledged alert the foreign page tries to acknowledge
//   TRACKTRACE_OWN_ALERT         an unacknowledged alert the service's own page acknowledges
//   CHROMIUM                     optional, default /usr/bin/chromium

import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
import { env, steps } from './steps.mjs';

const base = env('TRACKTRACE_URL').replace(/\/$/, '');
const activeDevice = env('TRACKTRACE_ACTIVE_DEVICE');
const suspendedDevice = env('TRACKTRACE_SUSPENDED_DEVICE');
const alertId = env('TRACKTRACE_ALERT');
const ownAlertId = env('TRACKTRACE_OWN_ALERT');
const certificate = (role) => ({ origin: base, certPath: env(`TRACKTRACE_${role}_CERT`), keyPath: env(`TRACKTRACE_${role}_KEY`) });
if (process.env.NODE_EXTRA_CA_CERTS !== env('TRACKTRACE_CA')) {
  throw new Error('NODE_EXTRA_CA_CERTS must name TRACKTRACE_CA: Playwright\'s client-certificate proxy verifies the server with it');
}

setTimeout(() => { console.error('not ok - gave up after 120 s'); process.exit(1); }, 120_000).unref();

const TIMEOUT = 15_000;
const { step, check, summary } = steps('cross-origin', { stopAtFailure: false });

// The foreign site: a plain page on another origin (other scheme, host and port than the service).
const attacker = createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  response.end('<!doctype html><title>Cheap flights</title><h1>Nothing to see here</h1>');
});
await new Promise((resolve) => attacker.listen(0, '127.0.0.1', resolve));
const foreign = `http://127.0.0.1:${attacker.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

/** A page of the foreign site in a browser context that holds the given client certificate. */
async function foreignPage(role) {
  const context = await browser.newContext({ clientCertificates: [certificate(role)] });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const sent = [];
  page.on('request', (r) => { if (r.url().startsWith(base)) sent.push(`${r.method()} ${new URL(r.url()).pathname}`); });
  await page.goto(`${foreign}/`);
  check(await page.evaluate(() => window.location.origin) === foreign, 'the attacking page is not on its own origin');
  return { context, page, sent };
}

/** Submits a form from the foreign page to the service and returns the response the browser navigated to. */
async function submitForm(page, path, enctype, fields) {
  const [response] = await Promise.all([
    page.waitForNavigation({ url: `${base}${path}` }),
    page.evaluate(({ action, enctype, fields }) => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = action;
      form.enctype = enctype;
      for (const [name, value] of fields) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.append(input);
      }
      document.body.append(form);
      form.submit();
    }, { action: `${base}${path}`, enctype, fields }),
  ]);
  const body = await response.text();
  // Back to the foreign site for the next attempt.
  await page.goto(`${foreign}/`);
  return { status: response.status(), body };
}

/** fetch from the foreign page with the browser's credentials (no body and no Content-Type when not given); what the page learns. */
async function foreignFetch(page, path, contentType, body) {
  return page.evaluate(async ({ url, contentType, body }) => {
    try {
      const response = await fetch(url, {
        method: 'POST', credentials: 'include', headers: contentType ? { 'Content-Type': contentType } : {}, body,
      });
      return `answered ${response.status}`;
    } catch (error) {
      return `rejected: ${error}`;
    }
  }, { url: `${base}${path}`, contentType, body });
}

function refusedAsCrossOrigin({ status, body }, what) {
  check(status === 403, `${what}: the service answered ${status}: ${body.slice(0, 300)}`);
  check(body.includes('https://tracktrace.dev/problems/cross-origin-request'), `${what}: not a cross-origin-request problem: ${body.slice(0, 300)}`);
}

try {
  const admin = await foreignPage('ADMIN');

  await step('a foreign form POST (text/plain, JSON smuggled in a field) cannot suspend a device', async () => {
    const answer = await submitForm(admin.page, `/api/devices/${activeDevice}/suspend`, 'text/plain', [['{"reason":"csrf","x":"', '"}']]);
    refusedAsCrossOrigin(answer, 'the text/plain form');
  });

  await step('a foreign empty urlencoded form POST cannot resume a suspended device', async () => {
    const answer = await submitForm(admin.page, `/api/devices/${suspendedDevice}/resume`, 'application/x-www-form-urlencoded', []);
    refusedAsCrossOrigin(answer, 'the empty form');
  });

  await step('a foreign fetch with credentials, text/plain or no body at all, reaches the service but cannot suspend or resume', async () => {
    const before = admin.sent.length;
    const answers = [
      await foreignFetch(admin.page, `/api/devices/${activeDevice}/suspend`, 'text/plain', '{"reason":"csrf"}'),
      await foreignFetch(admin.page, `/api/devices/${suspendedDevice}/resume`, 'text/plain', ''),
      await foreignFetch(admin.page, `/api/devices/${suspendedDevice}/resume`),
    ];
    // A simple request goes out without a preflight; only its answer is hidden from the page.
    check(admin.sent.slice(before).filter((r) => r.startsWith('POST ')).length === 3, `the browser did not send the fetches: ${admin.sent.slice(before)}`);
    check(answers.every((a) => a.startsWith('rejected')), `the foreign page could read the answers: ${answers}`);
  });

  await step('a foreign form POST or text/plain fetch cannot issue an enrollment token (the Devices area\u2019s one POST without a reason required)', async () => {
    refusedAsCrossOrigin(await submitForm(admin.page, `/api/devices/${activeDevice}/enrollment-token`, 'application/x-www-form-urlencoded', []), 'the empty form');
    const answer = await foreignFetch(admin.page, `/api/devices/${activeDevice}/enrollment-token`, 'text/plain', '');
    check(answer.startsWith('rejected'), `the foreign page could read the answer: ${answer}`);
  });

  await step('a foreign fetch with application/json needs a CORS preflight, which the service never grants', async () => {
    const answer = await foreignFetch(admin.page, `/api/devices/${activeDevice}/suspend`, 'application/json', '{"reason":"csrf"}');
    // Chromium does not tell the page why; the test proves over the API that the device is still active.
    check(answer.startsWith('rejected: TypeError'), `the JSON fetch ${answer}`);
  });
  await admin.context.close();

  const staff = await foreignPage('STAFF');
  await step('a foreign form POST or fetch (text/plain or no body) cannot acknowledge an alert for staff', async () => {
    refusedAsCrossOrigin(await submitForm(staff.page, `/api/alerts/${alertId}/ack`, 'application/x-www-form-urlencoded', []), 'the empty form');
    refusedAsCrossOrigin(await submitForm(staff.page, `/api/alerts/${alertId}/ack`, 'multipart/form-data', [['note', 'csrf']]), 'the multipart form');
    const fetched = [
      await foreignFetch(staff.page, `/api/alerts/${alertId}/ack`, 'text/plain', '{"note":"csrf"}'),
      await foreignFetch(staff.page, `/api/alerts/${alertId}/ack`),
    ];
    check(fetched.every((a) => a.startsWith('rejected')), `the foreign page could read the answers: ${fetched}`);
  });
  await staff.context.close();

  await step('the service\'s own page still acknowledges an alert (same origin, application/json)', async () => {
    const context = await browser.newContext({ clientCertificates: [certificate('STAFF')] });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    const opened = await page.goto(`${base}/`);
    check(opened?.status() === 200, `the staff page answered ${opened?.status()}`);
    // The page's own module, as the Acknowledge button uses it.
    const answer = await page.evaluate(async (id) => {
      const { api } = await import('/ui/api.js');
      try {
        const alert = await api.acknowledge(id);
        return { acknowledged: alert.acknowledged };
      } catch (error) {
        return { error: `${error.status}: ${error.message}` };
      }
    }, ownAlertId);
    check(answer.acknowledged === true, `the staff page could not acknowledge: ${JSON.stringify(answer)}`);
    await context.close();
  });
} finally {
  await browser.close();
  attacker.close();
}

const passed = summary();
process.exit(passed ? 0 : 1);
