// Browser test of the staff page: Debian's Chromium driven by playwright-core against a running
// TrackTrace service. Run by tests/TrackTrace.IntegrationTests/Browser/StaffPageBrowserTests.cs
// after the demo filled the service; exits 0 when every step passed, 1 otherwise.
//
// Environment:
//   TRACKTRACE_URL               https://localhost:<port> (the server certificate names localhost)
//   TRACKTRACE_CA                ca.crt of the CA that issued the server and client certificates
//   NODE_EXTRA_CA_CERTS          the same file (see "How the browser trusts the server" below)
//   TRACKTRACE_STAFF_CERT/_KEY   PEM of an enrolled staff device
//   TRACKTRACE_SCANNER_CERT/_KEY PEM of an enrolled scanner (another role: must get 403)
//   TRACKTRACE_STRANGER_CERT/_KEY PEM from our CA, never enrolled (403, and a device-rejected alert)
//   TRACKTRACE_BREACHED          shipment whose cold chain broke and whose delivery was refused
//   TRACKTRACE_OUT_OF_SEQUENCE   shipment with an out-of-sequence scan
//   TRACKTRACE_DELIVERED         shipment delivered without trouble
//   TRACKTRACE_OVERDUE           shipment whose next check-in is overdue (recorded by the monitor)
//   TRACKTRACE_ON_TIME           shipment in transit whose next leg is due later
//   TRACKTRACE_LATE              shipment whose last check-in came after its due time
//   TRACKTRACE_SCREENSHOTS       folder for a PNG of each page
//   CHROMIUM                     optional, default /usr/bin/chromium
//
// How the browser trusts the server (nothing here turns verification off):
// - With clientCertificates, Playwright routes the browser through a small proxy inside this node
//   process. The proxy opens the real TLS connection to the service, presents the client
//   certificate and verifies the server with Node's TLS (rejectUnauthorized stays true; we never set
//   ignoreHTTPSErrors). Node trusts our CA through NODE_EXTRA_CA_CERTS, which Node reads at start-up,
//   so the test sets it when it starts node. Without it every page is Playwright's 503 "unable to
//   verify the first certificate". The browser itself only talks to that local proxy.
// - A context without clientCertificates talks to the service directly, so Chromium must trust our
//   CA itself: it reads trust anchors from the NSS database in $HOME/.pki/nssdb, which this script
//   makes in a fresh temporary HOME with certutil (libnss3-tools) holding only our CA. Then
//   Chromium's failure is the server refusing the handshake for want of a client certificate, not
//   ERR_CERT_AUTHORITY_INVALID, which is what the last step checks.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { env, steps } from './steps.mjs';

const base = env('TRACKTRACE_URL').replace(/\/$/, '');
const ca = env('TRACKTRACE_CA');
const shots = env('TRACKTRACE_SCREENSHOTS');
const breached = env('TRACKTRACE_BREACHED');
const outOfSequence = env('TRACKTRACE_OUT_OF_SEQUENCE');
const delivered = env('TRACKTRACE_DELIVERED');
const overdue = env('TRACKTRACE_OVERDUE');
const onTime = env('TRACKTRACE_ON_TIME');
const late = env('TRACKTRACE_LATE');
const certificate = (role) => ({ origin: base, certPath: env(`TRACKTRACE_${role}_CERT`), keyPath: env(`TRACKTRACE_${role}_KEY`) });
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (process.env.NODE_EXTRA_CA_CERTS !== ca) {
  throw new Error('NODE_EXTRA_CA_CERTS must name TRACKTRACE_CA: Playwright\'s client-certificate proxy verifies the server with it');
}

// Whatever happens, end: a hung browser must not hang the test run.
setTimeout(() => { console.error('not ok - gave up after 150 s'); process.exit(1); }, 150_000).unref();

const TIMEOUT = 15_000;
const { step, check, summary } = steps('staff page');

/** Waits for the element (charts are drawn once their box has a width), failing with the message. */
async function shows(locator, message) {
  try {
    await locator.first().waitFor({ state: 'attached', timeout: TIMEOUT });
  } catch {
    throw new Error(message);
  }
}

/** A HOME whose NSS database trusts our CA and nothing else, for Chromium's own TLS. */
function homeTrustingOurCa() {
  const home = mkdtempSync(join(tmpdir(), 'tracktrace-browser-home-'));
  const nss = join(home, '.pki', 'nssdb');
  mkdirSync(nss, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
  execFileSync('certutil', ['-A', '-d', `sql:${nss}`, '-n', 'tracktrace-test-ca', '-t', 'C,,', '-i', ca]);
  return home;
}

/** Page errors and console errors (a CSP violation is one) fail the run. */
function watch(page, problems) {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console error: ${message.text()}`); });
}

/** Every control has a name, every drawing a title: a cheap guard against regressions. */
async function accessibilityAudit(page) {
  const findings = await page.evaluate(() => {
    const out = [];
    for (const control of document.querySelectorAll('input, select, textarea, button')) {
      const named = control.labels?.length || control.getAttribute('aria-label') || control.getAttribute('aria-labelledby') || control.textContent.trim();
      if (!named) out.push(`unnamed ${control.tagName.toLowerCase()} ${control.outerHTML.slice(0, 80)}`);
    }
    for (const svg of document.querySelectorAll('main svg')) {
      if (svg.getAttribute('aria-hidden') === 'true' || svg.closest('[aria-hidden="true"]')) continue;
      if (svg.getAttribute('role') !== 'img' || !svg.getAttribute('aria-labelledby')) out.push(`svg without role=img and a label: ${svg.getAttribute('class')}`);
    }
    for (const landmark of ['header', 'nav', 'main']) if (!document.querySelector(landmark)) out.push(`no <${landmark}> landmark`);
    return out;
  });
  check(findings.length === 0, findings.join('\n'));
}

const home = homeTrustingOurCa();
mkdirSync(shots, { recursive: true });
// launch() gives the browser a fresh temporary profile (user-data-dir) of its own, removed on close.
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  env: { ...process.env, HOME: home },
});

const problems = [];
try {
  const staff = await browser.newContext({ clientCertificates: [certificate('STAFF')], viewport: { width: 1366, height: 900 } });
  const page = await staff.newPage();
  page.setDefaultTimeout(TIMEOUT);
  watch(page, problems);

  await step('the list opens for a staff certificate and flags the breached shipment', async () => {
    const response = await page.goto(`${base}/`);
    check(response?.status() === 200, `GET / answered ${response?.status()}: ${(await response?.text())?.slice(0, 300)}`);
    const row = page.locator('tbody tr', { hasText: breached });
    await row.waitFor();
    const text = await row.innerText();
    check(text.includes('Cold-chain breach'), `the breached shipment's row does not say so: ${text}`);
    check(text.includes('Refused'), `the breached shipment's row does not show it refused: ${text}`);
    const detour = await page.locator('tbody tr', { hasText: outOfSequence }).innerText();
    check(/1 anomaly/.test(detour), `the out-of-sequence shipment's row does not flag the anomaly: ${detour}`);
    const first = await page.locator('tbody tr').first().innerText();
    check(first.includes(overdue), `the overdue shipment is not listed first: ${first}`);
    check(/Overdue/.test(first) && /overdue since/.test(first), `the overdue shipment's row does not say it is overdue and since when: ${first}`);
    const waiting = await page.locator('tbody tr', { hasText: onTime }).innerText();
    check(/next: truck, due /.test(waiting) && !/Overdue/.test(waiting), `the shipment on time does not show its due time: ${waiting}`);
    await page.locator('#live-state[data-state="live"]').waitFor();
    await accessibilityAudit(page);
    await page.screenshot({ path: join(shots, '1-shipments.png'), fullPage: true });
  });

  await step('the filters narrow the list to breached shipments and the address keeps them', async () => {
    await page.getByLabel('Cold chain').selectOption('true');
    await page.waitForFunction((id) => ![...document.querySelectorAll('tbody tr')].some((r) => r.textContent.includes(id)), delivered);
    check(await page.locator('tbody tr', { hasText: breached }).count() === 1, 'the breached shipment left the breached filter');
    check(page.url().includes('breached=true'), `the address does not keep the filter: ${page.url()}`);
    await page.getByLabel('Search').fill('no-such-shipment');
    await page.getByText('No shipments match these filters.').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.locator('tbody tr', { hasText: delivered }).waitFor();
  });

  await step('the overdue filter lists only overdue shipments and the address keeps it', async () => {
    await page.getByLabel('Only overdue').check();
    await page.waitForFunction((id) => ![...document.querySelectorAll('tbody tr')].some((r) => r.textContent.includes(id)), delivered);
    check(await page.locator('tbody tr').count() === 1, `the overdue filter lists ${await page.locator('tbody tr').count()} shipments`);
    check(await page.locator('tbody tr', { hasText: overdue }).count() === 1, 'the overdue shipment left the overdue filter');
    check(page.url().includes('overdue=true'), `the address does not keep the filter: ${page.url()}`);
    await page.screenshot({ path: join(shots, '1-shipments-overdue.png'), fullPage: true });
    await page.getByLabel('Only overdue').uncheck();
    await page.locator('tbody tr', { hasText: delivered }).waitFor();
  });

  await step('the overdue shipment shows the overdue leg on its progress line and the overdue fact on its timeline', async () => {
    await page.getByRole('link', { name: overdue }).click();
    await page.getByRole('heading', { level: 1, name: overdue }).waitFor();
    const fact = page.locator('.timeline li[data-fact="check-in-overdue"]');
    await shows(fact, 'no check-in-overdue on the timeline');
    check(/Overdue/.test(await fact.innerText()), 'the overdue fact is not marked on the timeline');
    const progress = page.getByRole('img', { name: `Progress of ${overdue} on Road, domestic` });
    await shows(progress.locator('.progress__leg--overdue'), 'the progress line does not mark the overdue leg');
    check(/overdue since/.test(await progress.locator('.progress__leg--overdue .progress__note').textContent()), 'the overdue leg does not say since when');
    const facts = await page.locator('.facts').innerText();
    check(/Expected next\s+Road transport \(truck\), overdue since/i.test(facts), `the facts do not say the next leg is overdue: ${facts}`);
    check(/Expected delivery/i.test(facts), `no ETA: ${facts}`);
    await accessibilityAudit(page);
    await page.screenshot({ path: join(shots, '6-shipment-overdue.png'), fullPage: true });
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.screenshot({ path: join(shots, '6-shipment-overdue-tablet.png'), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 900 });

    await page.goto(`${base}/#/shipments/${onTime}`);
    await page.getByRole('heading', { level: 1, name: onTime }).waitFor();
    const line = page.getByRole('img', { name: `Progress of ${onTime} on Road, domestic` });
    await shows(line.locator('.progress__leg--next'), 'the progress line of the shipment on time shows no next leg');
    check(/^due/.test(await line.locator('.progress__leg--next .progress__note').textContent()), 'the next leg does not show its due time');
    check(await line.locator('.progress__leg--overdue').count() === 0, 'a leg on time is drawn overdue');
    await page.screenshot({ path: join(shots, '7-shipment-due.png'), fullPage: true });

    await page.goto(`${base}/#/shipments/${late}`);
    await page.getByRole('heading', { level: 1, name: late }).waitFor();
    const lateCheckIn = page.locator('.timeline li[data-fact="station-checked-in"]', { hasText: 'leg 2' });
    await shows(lateCheckIn, 'no truck check-in on the timeline of the late shipment');
    check(/Late by (29|30) min/.test(await lateCheckIn.innerText()), `the late check-in is not marked late: ${await lateCheckIn.innerText()}`);
    check(await page.locator('.timeline .tag', { hasText: /^Late by/ }).count() === 1, 'only the truck check-in was late');
    await page.screenshot({ path: join(shots, '8-shipment-late.png'), fullPage: true });
    await page.goto(`${base}/#/shipments`);
    await page.locator('tbody tr', { hasText: breached }).waitFor();
  });

  await step('the breached shipment shows its timeline, the breach and the refusal', async () => {
    await page.getByRole('link', { name: breached }).click();
    await page.waitForURL(`**/#/shipments/${breached}`);
    await page.getByRole('heading', { level: 1, name: breached }).waitFor();
    const breach = page.locator('.timeline li[data-fact="cold-chain-breached"]');
    await shows(breach, 'no cold-chain breach on the timeline');
    check((await breach.innerText()).includes('Breach'), 'the breach is not highlighted on the timeline');
    const refusal = page.locator('.timeline li[data-fact="delivery-refused"]');
    check(/Delivery refused/.test(await refusal.innerText()), 'the refusal is not on the timeline');
    check(await page.locator('.timeline li.fact--danger').count() >= 2, 'breach and refusal are not marked as trouble');
    const callout = await page.locator('.callout--danger').innerText();
    check(/Cold chain broken/.test(callout) && /Delivery refused at/.test(callout), `the cold-chain section does not explain the breach and refusal: ${callout}`);
    const chart = page.getByRole('img', { name: `Temperature of ${breached}` });
    await chart.waitFor();
    await shows(chart.locator('.chart__band'), 'no allowed band on the chart');
    await shows(chart.locator('.chart__hard'), 'no hard limit on the chart');
    await shows(chart.locator('.chart__excursion'), 'no excursion shaded on the chart');
    await shows(chart.locator('.chart__breach'), 'the breach moment is not marked on the chart');
    const stats = await page.locator('.stats').innerText();
    check(/Mean kinetic temperature\s+[\d.]+ °C/i.test(stats), `MKT missing: ${stats}`);
    check(/Minutes outside the range\s+\d+ min of 30 min/i.test(stats), `minutes outside missing: ${stats}`);
    const progress = page.getByRole('img', { name: `Progress of ${breached} on Ocean reefer (cold chain)` });
    await shows(progress.locator('.progress__breach'), 'the progress line does not mark the breach');
    await shows(progress.locator('.progress__leg--refused'), 'the progress line does not show the refused delivery');
    await accessibilityAudit(page);
    await page.screenshot({ path: join(shots, '2-shipment-breached.png'), fullPage: true });
  });

  await step('a deep link opens the out-of-sequence shipment with the anomaly where it happened', async () => {
    await page.goto(`${base}/#/shipments/${outOfSequence}`);
    await page.getByRole('heading', { level: 1, name: outOfSequence }).waitFor();
    const anomaly = page.locator('.timeline li[data-fact="out-of-sequence-scan-recorded"]');
    check((await anomaly.innerText()).includes('Anomaly'), 'the out-of-sequence scan is not highlighted');
    const progress = page.getByRole('img', { name: `Progress of ${outOfSequence} on Ocean reefer (cold chain)` });
    await shows(progress.locator('.progress__anomaly'), 'the progress line does not mark the anomaly');
    await shows(progress.locator('.progress__leg--delivered'), 'the progress line does not show the delivery');
    check(await progress.locator('.progress__anomaly').count() === 1, 'one out-of-sequence scan should make one marker');
    await page.screenshot({ path: join(shots, '3-shipment-out-of-sequence.png'), fullPage: true });
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.screenshot({ path: join(shots, '3-shipment-out-of-sequence-tablet.png'), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  await step('the routes are drawn from their workflow definitions', async () => {
    await page.getByRole('link', { name: 'Routes' }).click();
    const crossdock = page.getByRole('img', { name: 'Route Road via cross-dock' });
    await crossdock.waitFor();
    await shows(crossdock.locator('.diagram__leg--optional'), 'the optional cross-dock leg is not drawn as optional');
    check(await crossdock.locator('.diagram__skip').count() === 1, 'no skip arc over the optional leg');
    check(await page.getByRole('img', { name: 'Route Ocean reefer (cold chain)' }).locator('.diagram__leg').count() === 7, 'ocean-reefer should have 7 legs');
    await accessibilityAudit(page);
    await page.screenshot({ path: join(shots, '4-routes.png'), fullPage: true });
  });

  let rejectedAlertTitle;
  await step('a new alert arrives in the open feed over server-sent events', async () => {
    await page.getByRole('link', { name: /^Alerts/ }).click();
    await page.getByRole('log', { name: 'Alerts, newest first' }).waitFor();
    const before = await page.locator('.feed > li').count();
    // A certificate from our CA that was never enrolled: 403, and the service raises a device-rejected alert.
    const stranger = await browser.newContext({ clientCertificates: [certificate('STRANGER')] });
    const strangerPage = await stranger.newPage();
    const refused = await strangerPage.goto(`${base}/`);
    check(refused?.status() === 403, `an unenrolled certificate got ${refused?.status()}`);
    check((await refused.text()).includes('device-rejected'), 'the refusal is not a device-rejected problem');
    await stranger.close();
    const fresh = page.locator('.feed > li.alert--fresh', { hasText: 'Device rejected' });
    await fresh.waitFor({ timeout: 20_000 });
    check(await page.locator('.feed > li').count() === before + 1, 'the live alert did not add exactly one item');
    rejectedAlertTitle = await fresh.locator('.alert__title').innerText();
  });

  await step('the alert is acknowledged from the keyboard and the service keeps who did it', async () => {
    const item = page.locator('.feed > li', { hasText: rejectedAlertTitle });
    const id = await item.getAttribute('data-alert-id');
    // The header's count follows the service: wait until it shows what the service counts now.
    const unacknowledged = async () => Number.parseInt(await page.locator('#alert-count').innerText(), 10);
    const before = await page.evaluate(async () => (await (await fetch('/api/alerts?acknowledged=false&pageSize=1')).json()).total);
    await page.waitForFunction((n) => document.getElementById('alert-count').textContent.startsWith(`${n} `), before)
      .catch(async () => { throw new Error(`the header counts ${await unacknowledged()} unacknowledged alerts, the service ${before}`); });
    await item.getByRole('button', { name: 'Acknowledge' }).focus();
    await page.keyboard.press('Enter');
    await page.locator(`.feed > li[data-alert-id="${id}"] .alert__acked`).waitFor();
    const stored = await page.evaluate(async (alertId) => (await fetch(`/api/alerts/${alertId}`)).json(), id);
    check(stored.acknowledged === true && stored.acknowledgedBy, `the service did not record the acknowledgement: ${JSON.stringify(stored)}`);
    check(await page.evaluate(() => document.activeElement?.classList.contains('alert__acked')), 'focus was lost after acknowledging');
    await page.waitForFunction((n) => document.getElementById('alert-count').textContent.startsWith(`${n} `), before - 1)
      .catch(async () => { throw new Error(`the header still counts ${await unacknowledged()} unacknowledged alerts, expected ${before - 1}`); });
    await accessibilityAudit(page);
    await page.screenshot({ path: join(shots, '5-alerts.png'), fullPage: true });
    await page.getByLabel('Unacknowledged only').check();
    await page.getByText(/ not yet acknowledged$/).waitFor();
    check(await page.locator(`.feed > li[data-alert-id="${id}"]`).count() === 0, 'an acknowledged alert is listed as unacknowledged');
    check(await page.locator('.feed > li.alert--acknowledged').count() === 0, 'the unacknowledged view lists acknowledged alerts');
  });

  await step('an enrolled device of another role gets 403', async () => {
    const scanner = await browser.newContext({ clientCertificates: [certificate('SCANNER')] });
    const response = await (await scanner.newPage()).goto(`${base}/`);
    check(response?.status() === 403, `a scanner got ${response?.status()} for the page`);
    check((await response.text()).includes('role-not-allowed'), 'the refusal is not role-not-allowed');
    await scanner.close();
  });

  await step('a browser without a client certificate is refused in the TLS handshake', async () => {
    const anonymous = await browser.newContext();
    const bare = await anonymous.newPage();
    let error;
    try {
      await bare.goto(`${base}/`, { timeout: TIMEOUT });
    } catch (e) {
      error = e;
    }
    await anonymous.close();
    check(error, 'the page opened without a client certificate');
    // The server is trusted (our CA is in the NSS database), so this is the missing client certificate.
    check(!/ERR_CERT_/.test(error.message), `the browser did not trust the server, so this proves nothing: ${error.message}`);
    check(/net::ERR_(CONNECTION_CLOSED|CONNECTION_RESET|BAD_SSL_CLIENT_AUTH_CERT|SSL_PROTOCOL_ERROR|SOCKET_NOT_CONNECTED)/.test(error.message),
      `unexpected failure: ${error.message}`);
  });

  await step('no script errors and no content-security-policy violations', async () => {
    check(problems.length === 0, problems.join('\n'));
  });
} catch {
  // The failed step was reported; close the browser and exit 1 below.
} finally {
  await browser.close();
  rmSync(home, { recursive: true, force: true });
}

const passed = summary();
console.log(`screenshots: ${shots}${existsSync(shots) ? '' : ' (none written)'}`);
process.exit(passed ? 0 : 1);
