// Express 5 + cors 2.8 (npm, exact versions in package.json): every Express
// configuration of the real-server suite (tests/servers/), one per process.
//
//   node express_app.cjs --variant NAME --port N --origin ORIGIN [--snippet FILE]
//
// `--variant fixed:CASE --snippet FILE` runs the app of CASE (its routes,
// authentication and body parser) with whycors' Express snippet in place of
// the app's own cors() use, placed where the snippet says: app-wide, first.
'use strict';
const fs = require('node:fs');
const express = require('express');
const cors = require('cors');

const arg = (f) => {
  const i = process.argv.indexOf(f);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const variant = arg('--variant');
const port = Number(arg('--port'));
const O = arg('--origin');
const fixed = variant.startsWith('fixed:');
const name = fixed ? variant.slice('fixed:'.length) : variant;

const app = express();
const auth = (req, res, next) => (req.headers.authorization ? next() : res.status(401).send('unauthorized'));
const items = (req, res) => res.set('X-Total-Count', '0').json({ items: [] });

if (fixed) {
  const snippet = fs.readFileSync(arg('--snippet'), 'utf8');
  // The snippet declares its own `cors`: it runs in a scope of its own.
  new Function('app', 'require', snippet)(app, require);
}

switch (name) {
  case 'happy':
    if (!fixed) app.use(cors({ origin: [O], credentials: true }));
    break;
  case 'route-level':
    // cors() on the route only: the preflight (OPTIONS) never reaches it.
    break;
  case 'auth-before-cors':
    app.use(auth);
    if (!fixed) app.use(cors({ origin: [O], credentials: true }));
    break;
  case 'json-before-cors':
    // The body parser rejects a malformed body (400) before cors() runs.
    app.use(express.json());
    if (!fixed) app.use(cors({ origin: [O] }));
    break;
  case 'trailing-slash-origin':
    if (!fixed) app.use(cors({ origin: `${O}/` }));
    break;
  case 'expose-missing':
    // The page reads X-Total-Count; cors() without exposedHeaders.
    if (!fixed) app.use(cors({ origin: [O] }));
    break;
  case 'reflect-credentials':
    if (!fixed) app.use(cors({ origin: true, credentials: true }));
    break;
  default:
    console.error(`unknown variant ${variant}`);
    process.exit(2);
}

if (name === 'route-level' && !fixed) {
  app.get('/api/items', cors({ origin: O }), items);
  app.put('/api/items', cors({ origin: O }), items);
} else {
  app.get('/api/items', items);
  app.put('/api/items', items);
  app.post('/api/items', items);
}
app.get('/api/fail', () => {
  throw new Error('boom');
});

app.listen(port, '127.0.0.1');
