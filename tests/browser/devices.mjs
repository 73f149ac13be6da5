// Browser test of the Devices area (admins): Debian's Chromium driven by playwright-core against a
// running TrackTrace service. Run by tests/TrackTrace.IntegrationTests/Browser/DevicePagesBrowserTests.cs;
// exits 0 when every step passed, 1 otherwise. How the browser trusts the server is explained in
// staff-page.mjs: Playwright's client-certificate proxy verifies it with Node's TLS (NODE_EXTRA_CA_CERTS).
//
// Environment:
//   TRACKTRACE_URL, TRACKTRACE_CA, NODE_EXTRA_CA_CERTS   as for staff-page.mjs
//   TRACKTRACE_ADMIN_CERT/_KEY     PEM of an admin device (the browser signs in with it)
//   TRACKTRACE_STAFF_CERT/_KEY     PEM of a staff device (sees no Devices area, 403 from its calls)
//   TRACKTRACE_SCANNER, _CERT/_KEY a scanner that scanned TRACKTRACE_SHIPMENTS' first shipment
//   TRACKTRACE_STATION             its station
//   TRACKTRACE_PENDING             a scanner registered at that station without a certificate
//   TRACKTRACE_SHIPMENTS           comma-separated road-domestic shipments (the first scanned once)
//   TRACKTRACE_SCREENSHOTS         folder for the PNGs
//   CHROMIUM                       optional, default /usr/bin/chromium

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { env, steps } from './steps.mjs';

const base = env('TRACKTRACE_URL').replace(/\/$/, '');
const ca = env('TRACKTRACE_CA');
const shots = env('TRACKTRACE_SCREENSHOTS');
const scannerId = env('TRACKTRACE_SCANNER');
const station = env('TRACKTRACE_STATION');
const pendingId = env('TRACKTRACE_PENDING');
const shipments = env('TRACKTRACE_SHIPMENTS').split(',');
const files = (role) => ({ cert: env(`TRACKTRACE_${role}_CERT`), key: env(`TRACKTRACE_${role}_KEY`) });
const certificate = (role) => ({ origin: base, certPath: files(role).cert, keyPath: files(role).key });
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (process.env.NODE_EXTRA_CA_CERTS !== ca) throw new Error('NODE_EXTRA_CA_CERTS must name TRACKTRACE_CA');

setTimeout(() => { console.error('not ok - gave up after 170 s'); process.exit(1); }, 170_000).unref();

const TIMEOUT = 15_000;
const LAPTOP = { width: 1366, height: 768 };
const TABLET = { width: 768, height: 1024 };
const { step, check, summary } = steps('devices');

/** A request over mutual TLS as a device, verifying the server against our CA (never switched off). */
function call(role, method, path, body, pem = files(role)) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${base}${path}`, {
      method, ca: readFileSync(ca), cert: readFileSync(pem.cert), key: readFileSync(pem.key),
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      let text = '';
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const scan = (shipmentId, pem) => call('SCANNER', 'POST', '/api/scans',
  { scanId: randomUUID(), shipmentId, scannedAt: new Date().toISOString() }, pem);

/** Both widths the page is made for; the laptop one stays set afterwards. */
async function screenshots(page, name) {
  await page.setViewportSize(LAPTOP);
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  await page.setViewportSize(TABLET);
  await page.screenshot({ path: join(shots, `${name}-tablet.png`), fullPage: true });
  await page.setViewportSize(LAPTOP);
}

function homeTrustingOurCa() {
  const home = mkdtempSync(join(tmpdir(), 'tracktrace-browser-home-'));
  const nss = join(home, '.pki', 'nssdb');
  mkdirSync(nss, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
  execFileSync('certutil', ['-A', '-d', `sql:${nss}`, '-n', 'tracktrace-test-ca', '-t', 'C,,', '-i', ca]);
  return home;
}

/** Every control named, every heading level in order under the page's h1: cheap guards. */
async function accessibilityAudit(page) {
  const findings = await page.evaluate(() => {
    const out = [];
    for (const control of document.querySelectorAll('input, select, textarea, button')) {
      if (control.closest('[hidden]')) continue;
      const named = control.labels?.length || control.getAttribute('aria-label') || control.getAttribute('aria-labelledby') || control.textContent.trim();
      if (!named) out.push(`unnamed ${control.tagName.toLowerCase()} ${control.outerHTML.slice(0, 80)}`);
    }
    if (document.querySelectorAll('main h1').length !== 1) out.push('not exactly one h1');
    return out;
  });
  check(findings.length === 0, findings.join('\n'));
}

const home = homeTrustingOurCa();
const work = mkdtempSync(join(tmpdir(), 'tracktrace-enroll-'));
copyFileSync(ca, join(work, 'ca.crt'));
mkdirSync(shots, { recursive: true });
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  env: { ...process.env, HOME: home },
});

const problems = [];
try {
  const admin = await browser.newContext({ clientCertificates: [certificate('ADMIN')], viewport: LAPTOP });
  await admin.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await admin.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console error: ${message.text()}`); });

  await step('an admin sees the Devices area and the fleet, filtered and paged', async () => {
    await page.goto(`${base}/`);
    const nav = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' });
    await nav.waitFor();
    await nav.click();
    await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
    const row = page.locator(`tbody tr[data-device="${scannerId}"]`);
    await row.waitFor();
    const text = await row.innerText();
    check(text.includes(`Scanner at ${station}`) && text.includes('Active'), `the scanner's row: ${text}`);
    check(/from \S+/.test(text), `the row does not say where the scanner was last seen from: ${text}`);
    check(text.includes('zone') && text.includes('dock-4'), `the row does not show the attributes: ${text}`);
    check(await page.locator('tbody tr').count() === 50, `the first page lists ${await page.locator('tbody tr').count()} devices`);
    await page.getByRole('button', { name: 'Next ›' }).click();
    await page.getByText('Page 2').waitFor();
    check(await page.locator('tbody tr').count() > 0, 'the second page is empty');
    check(page.url().includes('after='), `the address does not keep the page: ${page.url()}`);
    await page.getByRole('button', { name: '‹ Previous' }).click();
    await page.getByText('Page 1').waitFor();
    await page.getByLabel('Role').selectOption('scanner');
    await page.waitForFunction(() => [...document.querySelectorAll('tbody tr th .cell-sub')].every((c) => c.textContent.startsWith('Scanner')));
    await page.getByLabel('Search').fill('dock');
    await page.waitForFunction((id) => document.querySelectorAll('tbody tr').length === 1 && document.querySelector(`tbody tr[data-device="${id}"]`), scannerId);
    await accessibilityAudit(page);
    await screenshots(page, 'devices-1-list');
    await page.getByLabel(/Certificate expires within 7 days/).check();
    await page.getByText('No devices match these filters.').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.locator(`tbody tr[data-device="${scannerId}"]`).waitFor();
  });

  await step('the device page shows certificates, the audit trail, its scans with links and where it was seen', async () => {
    await page.getByRole('link', { name: scannerId }).click();
    await page.getByRole('heading', { level: 1, name: scannerId }).waitFor();
    await page.locator('#live-state, .live-note[data-state="live"]').first().waitFor();
    check(await page.locator('.table--certificates tbody tr').count() === 1, 'the scanner should show one certificate');
    check(/Live/.test(await page.locator('.table--certificates tbody tr').innerText()), 'its certificate is not shown live');
    await page.locator('.timeline li[data-fact="enrolled"]').waitFor();
    const link = page.getByRole('region', { name: 'Recent scans' }).getByRole('link', { name: shipments[0] });
    check(await link.count() === 1, 'the scan does not link to its shipment');
    check(/Not seen yet/.test(await page.locator('#sightings-heading').locator('..').innerText()) === false,
      'the scanner scanned but the page says it was not seen');
    await page.locator('.live-note[data-state="live"]').waitFor();
    await accessibilityAudit(page);
    await screenshots(page, 'devices-2-device');
  });

  await step('suspended in the page, the scanner\u2019s next scan is refused; resumed, it is accepted', async () => {
    await page.getByRole('button', { name: 'Suspend device' }).click();
    const dialog = page.getByRole('dialog', { name: `Suspend ${scannerId}` });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Suspend' }).click();
    await dialog.getByText('Say why').waitFor();
    await dialog.getByLabel(/Reason/).fill('handheld reported stolen at dock 4');
    await screenshots(page, 'devices-3-suspend-dialog');
    await dialog.getByRole('button', { name: 'Suspend' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('.device-head .badge--suspended').waitFor();
    check(/suspended: handheld reported stolen/.test(await page.locator('.device-outcome').innerText()), 'the result is not shown');
    await page.locator('.timeline li[data-fact="suspended"]', { hasText: 'handheld reported stolen' }).waitFor();
    const refused = await scan(shipments[1]);
    check(refused.status === 403 && refused.text.includes('device-rejected'), `a suspended scanner's scan got ${refused.status}: ${refused.text}`);
    await screenshots(page, 'devices-4-suspended');

    await page.getByRole('button', { name: 'Resume device' }).click();
    const resume = page.getByRole('dialog', { name: `Resume ${scannerId}` });
    await resume.getByLabel(/Reason/).fill('found in the forklift');
    await resume.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.device-head .badge--active').waitFor();
    const accepted = await scan(shipments[1]);
    check(accepted.status === 201, `a resumed scanner's scan got ${accepted.status}: ${accepted.text}`);
  });

  await step('a suspension by another admin shows on the open page within seconds', async () => {
    const elsewhere = await call('ADMIN', 'POST', `/api/devices/${scannerId}/suspend`, { reason: 'night shift: seen on two docks' });
    check(elsewhere.status === 200, `suspend over the API answered ${elsewhere.status}: ${elsewhere.text}`);
    const started = Date.now();
    await page.locator('.device-head .badge--suspended').waitFor({ timeout: 10_000 });
    const took = Date.now() - started;
    await page.locator('.device-outcome', { hasText: /suspended by .*night shift/ }).waitFor()
      .catch(async () => { throw new Error(`the page does not say who suspended it and why: ${await page.locator('.device-outcome').innerText()}`); });
    await page.locator('.timeline li[data-fact="suspended"]', { hasText: 'night shift' }).waitFor();
    console.log(`  # the page showed the suspension ${took} ms after the API answered`);
    const back = await call('ADMIN', 'POST', `/api/devices/${scannerId}/resume`, { reason: 'checked: one dock only' });
    check(back.status === 200, `resume answered ${back.status}`);
    await page.locator('.device-head .badge--active').waitFor({ timeout: 10_000 });
  });

  await step('attributes are changed with a reason and shown', async () => {
    await page.getByRole('button', { name: 'Change attributes' }).click();
    const dialog = page.getByRole('dialog', { name: `Attributes of ${scannerId}` });
    await dialog.getByLabel('Attributes', { exact: true }).fill('zone=dock-7\nshift=night');
    await dialog.getByLabel(/Reason/).fill('moved to dock 7');
    await dialog.getByRole('button', { name: 'Save attributes' }).click();
    await page.locator('.device-head .chip', { hasText: 'dock-7' }).waitFor();
    const stored = JSON.parse((await call('ADMIN', 'GET', `/api/devices/${scannerId}`)).text);
    check(stored.attributes.zone === 'dock-7' && stored.attributes.shift === 'night', `the service holds ${JSON.stringify(stored.attributes)}`);
    await page.locator('.timeline li[data-fact="attributes-changed"]', { hasText: 'moved to dock 7' }).waitFor();
  });

  let enrolledPem;
  await step('a token issued in the page enrolls the device with the page\u2019s own openssl and curl lines', async () => {
    await page.goto(`${base}/#/devices/${pendingId}`);
    await page.getByRole('heading', { level: 1, name: pendingId }).waitFor();
    await page.getByText('No certificate yet').waitFor();
    await page.locator('.live-note[data-state="live"]').waitFor();
    await page.getByRole('button', { name: 'Issue enrollment token' }).click();
    const dialog = page.getByRole('dialog', { name: `Enrollment token for ${pendingId}` });
    await dialog.getByLabel(/Reason/).fill('gate scanner unpacked at the warehouse');
    await dialog.getByRole('button', { name: 'Issue token' }).click();
    const panel = page.locator('[data-token-panel]');
    await panel.waitFor();
    const token = await panel.locator('code.code--inline').innerText();
    check(/^[A-Za-z0-9_-]{43}$/.test(token), `not a token: ${token}`);
    await panel.getByRole('button', { name: 'Copy the enrollment token' }).click();
    await panel.locator('button', { hasText: 'Copied' }).waitFor();
    check(await page.evaluate(() => navigator.clipboard.readText()) === token, 'the copy button did not copy the token');
    const blocks = await panel.locator('pre code').allInnerTexts();
    check(blocks.length === 2, `expected the CLI and the openssl/curl blocks, got ${blocks.length}`);
    check(blocks[0].includes(`tracktrace device enroll --server "$ENROLL" --ca ca.crt --device "$DEVICE" --token-file token`), `CLI lines: ${blocks[0]}`);
    check(blocks[1].includes(`DEVICE=${pendingId} TOKEN=${token}`), `the commands do not carry the device and token: ${blocks[1]}`);
    await screenshots(page, 'devices-5-token');
    // Exactly what the page shows, run where a device would: a key made here, never sent anywhere.
    execFileSync('bash', ['-euo', 'pipefail', '-c', blocks[1]], { cwd: work, stdio: 'pipe' });
    enrolledPem = { cert: join(work, `${pendingId}.crt`), key: join(work, `${pendingId}.key`) };
    // The open page learns of the enrollment from its live stream.
    await page.locator('.table--certificates tbody tr').waitFor({ timeout: 10_000 });
    await page.locator('.timeline li[data-fact="enrolled-with-token"]').waitFor();
    check(await page.locator('.timeline li[data-fact="enrollment-token-issued"]', { hasText: 'gate scanner unpacked' }).count() === 1,
      'the token\u2019s reason is not in the audit trail');
    const first = await scan(shipments[2], enrolledPem);
    check(first.status === 201, `the freshly enrolled scanner's scan got ${first.status}: ${first.text}`);
  });

  await step('retiring the enrolled certificate in the page refuses its next request', async () => {
    await page.getByRole('button', { name: /^Retire certificate/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Retire one certificate' });
    await dialog.getByLabel(/Reason/).fill('key copied to a laptop');
    await dialog.getByRole('button', { name: 'Retire certificate' }).click();
    await page.locator('.table--certificates tbody tr', { hasText: 'Retired' }).waitFor();
    const refused = await scan(shipments[2], enrolledPem);
    check(refused.status === 403 && refused.text.includes('certificate-retired'), `a retired certificate's scan got ${refused.status}: ${refused.text}`);
    await page.locator('.timeline li[data-fact="certificate-retired"]', { hasText: 'key copied' }).waitFor();
    await accessibilityAudit(page);
    await screenshots(page, 'devices-6-enrolled-retired');
  });

  await step('no script errors and no content-security-policy violations for the admin', async () => {
    check(problems.length === 0, problems.join('\n'));
  });

  await step('a staff certificate sees no Devices area and gets 403 from its API', async () => {
    const staff = await browser.newContext({ clientCertificates: [certificate('STAFF')], viewport: LAPTOP });
    const staffPage = await staff.newPage();
    await staffPage.goto(`${base}/`);
    await staffPage.getByRole('heading', { level: 1, name: 'Shipments' }).waitFor();
    await staffPage.locator('#live-state[data-state="live"]').waitFor();
    check(await staffPage.getByRole('link', { name: 'Devices' }).count() === 0, 'staff see a Devices link');
    const statuses = await staffPage.evaluate(async (id) => Promise.all([
      fetch('/api/devices').then((r) => r.status),
      fetch(`/api/devices/${id}`).then((r) => r.status),
      fetch(`/api/devices/${id}/suspend`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"reason":"x"}' }).then((r) => r.status),
    ]), scannerId);
    check(statuses.every((s) => s === 403), `staff got ${statuses.join(', ')} from the device API`);
    await staffPage.goto(`${base}/#/devices/${scannerId}`);
    await staffPage.locator('.problem').waitFor();
    await screenshots(staffPage, 'devices-7-staff');
    await staff.close();
  });
} catch {
  // The failed step was reported.
} finally {
  await browser.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

const passed = summary();
process.exit(passed ? 0 : 1);
