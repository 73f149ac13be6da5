// The staff page: a hash router over its views and the live alert feed. Deep links such as
// #/shipments/SHIP-1 work because the server only ever serves / and the views are chosen here.

import { renderAlerts, startAlertFeed } from './alerts.js';
import { api } from './api.js';
import { renderDevice } from './device.js';
import { renderDevices } from './devices.js';
import { fill, h } from './dom.js';
import { renderList } from './list.js';
import { renderRoutes } from './routes.js';
import { renderShipment } from './shipment.js';

const main = document.getElementById('main');
let leave; // the current view's clean-up (stops its share of the live feed)
let rendering = 0;

function parse(hash) {
  const [path, search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, params: new URLSearchParams(search) };
}

const views = [
  { match: ([a, b]) => a === 'shipments' && b, nav: 'shipments', render: ([, id]) => renderShipment(main, id) },
  { match: ([a]) => a === 'shipments' || a === undefined, nav: 'shipments', title: 'Shipments', render: (_, params) => renderList(main, params) },
  { match: ([a]) => a === 'alerts', nav: 'alerts', title: 'Alerts', render: () => renderAlerts(main) },
  { match: ([a]) => a === 'routes', nav: 'routes', title: 'Routes', render: ([, id]) => renderRoutes(main, id) },
  { match: ([a, b]) => a === 'devices' && b, nav: 'devices', render: ([, id]) => renderDevice(main, id) },
  { match: ([a]) => a === 'devices', nav: 'devices', title: 'Devices', render: (_, params) => renderDevices(main, params) },
];

// Only admins manage devices: the page shows them the Devices area. The service refuses everyone
// else's device calls with 403 whatever the page shows.
api.me().then((me) => {
  if (me.role === 'admin') {
    for (const item of document.querySelectorAll('[data-admin-only]')) item.hidden = false;
    document.querySelector('.brand__sub').textContent = 'admin';
  }
}).catch(() => { /* without knowing the role, the page stays the staff page */ });

async function route({ navigated = false } = {}) {
  const mine = ++rendering;
  const { parts, params } = parse(location.hash);
  const view = views.find((v) => v.match(parts));
  leave?.();
  leave = undefined;
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === view?.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (!view) {
    document.title = 'Not found · TrackTrace';
    fill(main, h('h1', { tabindex: '-1' }, 'Not found'), h('p', {}, 'This page does not exist. ', h('a', { href: '#/shipments' }, 'Go to the shipments.')));
    main.querySelector('h1').focus();
    return;
  }
  if (view.title) document.title = `${view.title} · TrackTrace`;
  const cleanUp = await view.render(parts, params);
  if (mine !== rendering) { cleanUp?.(); return; }
  leave = cleanUp;
  // After a navigation, keyboard and screen-reader users start at the new page's heading.
  if (navigated && (document.activeElement === document.body || !main.contains(document.activeElement))) {
    main.querySelector('h1')?.focus({ preventScroll: false });
  }
}

// Only #/... addresses are views; the skip link moves focus without leaving the view.
window.addEventListener('hashchange', () => {
  if (!location.hash.startsWith('#/') && location.hash !== '') return;
  window.scrollTo(0, 0);
  route({ navigated: true });
});
document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
startAlertFeed();
route();
