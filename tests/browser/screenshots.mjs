// The README's pictures of the web view, taken in Debian's chromium against a
// real pmd running a small, plausible set of programs. Not a test: run by
// scripts/screenshots, which writes docs/images/.
//
// usage: node screenshots.mjs PM PMD OUTDIR
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [PM, PMD, OUTDIR] = process.argv.slice(2);
if (!PM || !PMD || !OUTDIR) {
  console.error('usage: node screenshots.mjs PM PMD OUTDIR');
  process.exit(2);
}
const CHROMIUM = process.env.PM_CHROMIUM || '/usr/bin/chromium';
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-shots-'));
const env = { ...process.env, PM_HOME: home };

function pm(...args) {
  return new Promise((resolve, reject) => {
    execFile(PM, ['--no-autostart', ...args], { env, timeout: 30000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`pm ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// An HTTP API that logs each request it serves and burns a little CPU on
// each; the traffic comes from itself, so the picture needs no client.
const api = `
const http = require('http');
const paths = ['/users', '/orders/42', '/health', '/search?q=pm', '/cart'];
const srv = http.createServer((q, s) => {
  const t0 = process.hrtime.bigint();
  let x = 0; for (let i = 0; i < 2e5 * (1 + (q.url.length % 4)); i++) x += i % 7;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const code = q.url === '/cart' && x % 3 === 0 ? 500 : 200;
  s.statusCode = code; s.end('ok');
  const c = code === 200 ? '\\x1b[32m' : '\\x1b[31m';
  (code === 200 ? console.log : console.error)(\`\${q.method} \${q.url} \${c}\${code}\\x1b[0m \${ms.toFixed(1)} ms\`);
}).listen(0, () => {
  setInterval(() => http.get({ port: srv.address().port, path: paths[Math.floor(Math.random() * paths.length)] }, (r) => r.resume()), 350);
});`;
const worker = 'n=0; while :; do n=$((n+1)); echo "job $n: resized 12 images in $(( (n * 37) % 90 + 10 )) ms"; ' +
  '[ $((n % 7)) -eq 0 ] && echo "job $n: retrying upload (timeout)" >&2; sleep 0.9; done';
const flaky = 'echo "connecting to queue..."; sleep 4; echo "queue closed the connection" >&2; exit 1';

async function main() {
  fs.mkdirSync(OUTDIR, { recursive: true });
  const port = await freePort();
  const pmd = spawn(PMD, ['--foreground', '--home', home, '--http', `127.0.0.1:${port}`], { env, stdio: 'ignore' });
  try {
    const tokenFile = path.join(home, 'http.token');
    const token = (await until('the token', () => fs.existsSync(tokenFile) && fs.readFileSync(tokenFile, 'utf8').trim())).trim();
    await until('pmd', () => pm('ping').then(() => true, () => false));
    await pm('start', '--name', 'api', '-i', '2', '--', 'node', '-e', api);
    await pm('start', '--name', 'worker', '-i', '3', '--shell', worker);
    await pm('start', '--name', 'queue-bridge', '--restart-delay', '2s', '--shell', flaky);
    await pm('start', '--name', 'nightly-report', '--shell', 'echo "report written"; sleep 3600');
    await pm('stop', 'nightly-report');
    // Enough samples for the sparklines and the chart.
    await new Promise((r) => setTimeout(r, 30000));

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(`http://127.0.0.1:${port}/#token=${token}`);
    await page.locator('#conn.live').waitFor();
    await page.locator('#rows tr[data-name="api"] td.name').first().click();
    await page.locator('#det:not([hidden])').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#logview .l').length > 20);
    await page.screenshot({ path: path.join(OUTDIR, 'web-view.png') });
    await browser.close();
  } finally {
    await pm('--timeout', '20s', 'kill').catch(() => pmd.kill('SIGKILL'));
    fs.rmSync(home, { recursive: true, force: true });
  }
  console.log(`screenshots: ${path.join(OUTDIR, 'web-view.png')}`);
}

await main();
