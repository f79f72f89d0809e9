// The image's HEALTHCHECK: GET /ready on the app this container runs (exit 0 when 200). /ready rather
// than /health, so that compose's `depends_on: service_healthy` waits until the backing services answer.
// The app is read from PID 1's command line (entrypoint.sh execs node on dist/apps/<app>/main.js); the
// port and scheme follow the same settings the app reads, or WARDEN_HEALTH_URL overrides them.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const DEFAULT_PORTS = { 'auth-gateway': [8080, 8443], apiserver: [8008, 8008], fileserver: [8081, 8081] };

function env(name) {
  const key = Object.keys(process.env).find((k) => k.toUpperCase() === name);
  return key ? process.env[key] : undefined;
}

function healthUrl() {
  if (process.env.WARDEN_HEALTH_URL) return new URL(process.env.WARDEN_HEALTH_URL);
  const cmdline = readFileSync('/proc/1/cmdline', 'utf8');
  const app = Object.keys(DEFAULT_PORTS).find((name) => cmdline.includes(`/dist/apps/${name}/main.js`));
  if (!app) throw new Error('no Warden app found in PID 1; set WARDEN_HEALTH_URL');
  const section = app.replace('-', '_').toUpperCase();
  const tls = Boolean(env(`CLEARML__${section}__TLS__CERT`));
  const port = env(`CLEARML__${section}__LISTEN_PORT`) ?? DEFAULT_PORTS[app][tls ? 1 : 0];
  return new URL(`${tls ? 'https' : 'http'}://127.0.0.1:${port}/ready`);
}

const url = healthUrl();
// Loopback to this container's own process, sending nothing secret: the certificate is for the public
// name, not 127.0.0.1, so it is not verified here (the app itself checked it at start-up).
const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
const req = send(url, { method: 'GET', timeout: 4000, rejectUnauthorized: false }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (err) => {
  console.error(`healthcheck ${url.href}: ${err.message}`);
  process.exit(1);
});
req.end();
