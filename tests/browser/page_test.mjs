// The web page in a real browser against the real pmd.
//
// usage: node page_test.mjs PM PMD PM_DIE_WITH_PARENT OUTDIR
//
// Starts pmd with --http on a free loopback port in a temporary PM_HOME,
// opens the page with the token in Debian's chromium (playwright-core), and
// checks what a user sees: a process started with `pm start` appears, its new
// log lines arrive (stdout, stderr, ANSI colours), restart (confirmed in the
// dialog) changes the pid, and the page says so when pmd goes away. Saves
// OUTDIR/browser-page.png. Exits non-zero with the failed step on any failure.
// Waits are for conditions (locators, waitForFunction), never fixed sleeps.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const [PM, PMD, DIE_WITH_PARENT, OUTDIR] = process.argv.slice(2);
if (!PM || !PMD || !DIE_WITH_PARENT || !OUTDIR) {
  console.error('usage: node page_test.mjs PM PMD PM_DIE_WITH_PARENT OUTDIR');
  process.exit(2);
}
const CHROMIUM = process.env.PM_CHROMIUM || '/usr/bin/chromium';
const WAIT_MS = 20000;

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.error('browser: page: FAIL: playwright-core is not installed: run `npm ci` in tests/browser (scripts/test does it)');
  process.exit(1);
}
if (!fs.existsSync(CHROMIUM)) {
  console.error(`browser: page: FAIL: no chromium at ${CHROMIUM} (scripts/bootstrap installs Debian's chromium)`);
  process.exit(1);
}

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-browser-'));
const env = { ...process.env, PM_HOME: home };
let pmd = null;
let browser = null;
let page = null;
let step = 'setup';
let stepAt = Date.now();
const timings = [];
function go(name) {
  timings.push(`${step} ${Date.now() - stepAt} ms`);
  step = name;
  stepAt = Date.now();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function pm(...args) {
  return new Promise((resolve, reject) => {
    execFile(PM, ['--no-autostart', ...args], { env, timeout: 30000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`pm ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

// Polls a condition outside the browser (files, ports), bounded in time.
async function until(what, fn, ms = WAIT_MS) {
  const end = Date.now() + ms;
  for (;;) {
    if (pmd && (pmd.exitCode !== null || pmd.signalCode !== null)) throw new Error(`pmd exited while waiting for ${what}`);
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function connects(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

async function stopPmd() {
  if (!pmd || pmd.exitCode !== null || pmd.signalCode !== null) return;
  try { await pm('--timeout', '20s', 'kill'); } catch (e) { /* killed below */ }
  const exited = new Promise((r) => pmd.once('exit', r));
  const timer = setTimeout(() => { if (pmd.exitCode === null) pmd.kill('SIGKILL'); }, 10000);
  if (pmd.exitCode === null && pmd.signalCode === null) await exited;
  clearTimeout(timer);
}

async function main() {
  fs.mkdirSync(OUTDIR, { recursive: true });
  const port = await freePort();

  go('start pmd with --http');
  pmd = spawn(DIE_WITH_PARENT, [String(process.pid), PMD, '--foreground', '--home', home, '--http', `127.0.0.1:${port}`],
              { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let pmdErr = '';
  pmd.stderr.on('data', (d) => { pmdErr = (pmdErr + d).slice(-4000); });
  pmd.once('exit', (code, sig) => { if (!step.startsWith('pmd goes away')) console.error(`pmd exited (${code ?? sig}) during "${step}": ${pmdErr}`); });
  const tokenFile = path.join(home, 'http.token');
  const token = (await until('http.token', () => fs.existsSync(tokenFile) && fs.readFileSync(tokenFile, 'utf8').trim())).trim();
  if (!/^[0-9a-f]{64}$/.test(token)) throw new Error(`http.token holds ${JSON.stringify(token)}, not 64 hex digits`);
  await until(`pmd listening on 127.0.0.1:${port}`, () => connects(port));

  go('launch chromium');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.setDefaultTimeout(WAIT_MS);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => d.accept());  // the page uses its own dialog; accept any native one too

  go('open the page with #token=');
  await page.goto(`http://127.0.0.1:${port}/#token=${token}`);
  await page.locator('#conn.live').waitFor();
  if (page.url().includes(token)) throw new Error(`the token is still in the address bar: ${page.url()}`);
  await page.locator('#empty').waitFor();  // no process yet: the empty state says how to start one

  go('pm start: the row appears');
  const script = 'i=0; while :; do i=$((i+1)); printf "tick %d \\033[32mgreen\\033[0m\\n" $i; echo "warn $i" >&2; sleep 0.2; done';
  await pm('start', '--name', 'ticker', '--shell', script);
  const row = page.locator('#rows tr[data-name="ticker"]');
  await row.locator('.st.online').waitFor();
  const pid1 = (await row.locator('td.pid').textContent()).trim();
  if (!/^\d+$/.test(pid1)) throw new Error(`the row shows pid ${JSON.stringify(pid1)}`);
  const listed = JSON.parse(await pm('list', '--json')).processes.find((p) => p.name === 'ticker');
  if (String(listed.pid) !== pid1) throw new Error(`the row shows pid ${pid1}, pm list says ${listed.pid}`);

  go('a new log line arrives in the log pane');
  const lastTick = () => page.evaluate(() => {
    let max = 0;
    for (const l of document.querySelectorAll('#logview .l.out')) {
      const m = /ticker \| tick (\d+)/.exec(l.textContent);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return max;
  });
  await page.waitForFunction(() => /ticker \| tick \d+/.test(document.getElementById('logview').textContent));
  const seen = await lastTick();
  await page.waitForFunction((n) => {
    for (const l of document.querySelectorAll('#logview .l.out')) {
      const m = /ticker \| tick (\d+)/.exec(l.textContent);
      if (m && Number(m[1]) > n) return true;
    }
    return false;
  }, seen);
  // ANSI colour rendered as a coloured span, not shown as escape codes; stderr marked as such.
  await page.locator('#logview .l.out span.f2', { hasText: 'green' }).first().waitFor();
  if ((await page.locator('#logview').textContent()).includes('\x1b')) throw new Error('raw escape codes shown in the log pane');
  await page.locator('#logview .l.err', { hasText: 'warn' }).first().waitFor();

  go('restart, confirmed in the dialog: the pid changes');
  await row.locator('button[data-act="restart"]').click();
  await page.locator('#confirm[open]').waitFor();
  await page.locator('#cyes').click();
  await page.waitForFunction((old) => {
    const r = document.querySelector('#rows tr[data-name="ticker"]');
    if (!r) return false;
    const pid = r.querySelector('td.pid').textContent.trim();
    return /^\d+$/.test(pid) && pid !== old && r.querySelector('.st').textContent === 'online';
  }, pid1);
  const restarts = JSON.parse(await pm('list', '--json')).processes.find((p) => p.name === 'ticker');
  if (String(restarts.pid) === pid1) throw new Error('pm list still shows the old pid after the restart');

  go('the detail panel and chart of the selected process');
  await row.locator('td.name').click();
  await page.locator('#det:not([hidden])').waitFor();
  await page.locator('#dname', { hasText: 'ticker' }).waitFor();

  go('screenshot');
  const shot = path.join(OUTDIR, 'browser-page.png');
  await page.screenshot({ path: shot });

  go('pmd goes away: the page says it is retrying');
  await stopPmd();
  await page.locator('#banner.show', { hasText: 'retrying' }).waitFor();

  if (pageErrors.length) throw new Error(`uncaught errors in the page: ${pageErrors.join('; ')}`);
  go('done');
  console.log(`browser: page: step times: ${timings.join(', ')}`);
  console.log(`browser: page: every step passed; screenshot ${shot}`);
}

let rc = 0;
try {
  await main();
} catch (e) {
  rc = 1;
  console.error(`browser: page: FAIL at "${step}": ${e.message}`);
  if (page) {
    try {
      const shot = path.join(OUTDIR, 'browser-page-failure.png');
      await page.screenshot({ path: shot });
      console.error(`browser: page: screenshot of the failure: ${shot}`);
    } catch (e2) { /* the browser is gone */ }
  }
  const log = path.join(home, 'pmd.log');
  if (fs.existsSync(log)) console.error('---- tail of pmd.log\n' + fs.readFileSync(log, 'utf8').split('\n').slice(-20).join('\n'));
} finally {
  if (browser) await browser.close().catch(() => {});
  await stopPmd().catch(() => {});
  fs.rmSync(home, { recursive: true, force: true });
}
process.exit(rc);
