// The web page's load time and cost in a real browser against a running pmd
// (a benchmark: it prints figures, it asserts nothing about them).
//
// usage: node page_bench.mjs [PORT TOKEN]   (or PM_HTTP_PORT, PM_HTTP_TOKEN)
//        PM_CHROMIUM overrides /usr/bin/chromium; PM_PAGE_BENCH_SECONDS the
//        steady-state window (default 10).
//
// Opens http://127.0.0.1:PORT/#token=TOKEN in Debian's chromium (playwright-core)
// three times, each in a fresh browser context, and times from navigation start
//   - to the first process row in the DOM (the table is virtualised: only the
//     rows in view are there), and
//   - to the page knowing all N processes: the summary in the header says
//     "processes N", N being what GET api/v1/processes lists;
// prints the median and the three, and where the time went (the session POST,
// the stream's open, the hello, the first frame drawn after it). Then on the
// last page, with the live `stats` frames arriving, it reads CDP Performance.getMetrics twice over the
// window and prints the main thread's busy time per second (TaskDuration, and
// of it script, layout and style), the JS heap used and the DOM size; then
// filters once, sorts once, and measures a second window sorted by cpu (the
// page re-sorts a live sort every 3 s). Exits non-zero only when it cannot
// measure (no browser, pmd not answering, the page never fills).
import fs from 'node:fs';

const PORT = process.argv[2] || process.env.PM_HTTP_PORT;
const TOKEN = process.argv[3] || process.env.PM_HTTP_TOKEN;
if (!PORT || !TOKEN) {
  console.error('usage: node page_bench.mjs PORT TOKEN (or PM_HTTP_PORT and PM_HTTP_TOKEN)');
  process.exit(2);
}
const CHROMIUM = process.env.PM_CHROMIUM || '/usr/bin/chromium';
const WINDOW_S = Number(process.env.PM_PAGE_BENCH_SECONDS || 10);
const LOADS = 3;
const WAIT_MS = 30000;
const base = `http://127.0.0.1:${PORT}/`;

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.error('page bench: playwright-core is not installed: run `npm ci` in tests/browser');
  process.exit(1);
}
if (!fs.existsSync(CHROMIUM)) {
  console.error(`page bench: no chromium at ${CHROMIUM} (scripts/bootstrap installs Debian's chromium)`);
  process.exit(1);
}

// Runs in the page before its own script: records when the first process row
// and the full count reach the DOM (a MutationObserver fires right after the
// mutation, so the time is not rounded to a frame), when the session POST is
// answered, the stream opens and the hello arrives, the first frame drawn after
// it, and counts the `stats` frames the page's EventSource receives and the
// time its handler takes. It wraps fetch, EventSource and requestAnimationFrame
// and changes nothing they do.
function probe(n) {
  const t = { firstRow: null, allKnown: null, helloAt: null, helloMs: 0, helloBytes: 0,
              statsFrames: 0, statsBytes: 0, statsMs: 0,
              sessionDone: null, streamOpen: null, flushAt: null, flushMs: 0 };
  window.__pmBench = t;
  const fetch0 = window.fetch;
  window.fetch = function (url, opts) {
    const p = fetch0.call(this, url, opts);
    if (t.sessionDone === null && String(url).includes('api/v1/session')) {
      p.then(() => { if (t.sessionDone === null) t.sessionDone = performance.now(); }, () => {});
    }
    return p;
  };
  const ES = window.EventSource;
  window.EventSource = class extends ES {
    constructor(...a) {
      super(...a);
      ES.prototype.addEventListener.call(this, 'open', () => { if (t.streamOpen === null) t.streamOpen = performance.now(); });
    }
  };
  // The page draws in one requestAnimationFrame callback (flush): time the first one after the hello.
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (cb) => raf((ts) => {
    const s = performance.now();
    try { return cb(ts); } finally {
      if (t.helloAt !== null && t.flushAt === null) { t.flushAt = s; t.flushMs = performance.now() - s; }
    }
  });
  const add = ES.prototype.addEventListener;
  ES.prototype.addEventListener = function (type, fn, opts) {
    const inner = fn;
    if (type === 'stats') {
      fn = function (ev) {
        const t0 = performance.now();
        try { return inner.call(this, ev); } finally {
          t.statsFrames++; t.statsBytes += ev.data.length; t.statsMs += performance.now() - t0;
        }
      };
    } else if (type === 'hello') {
      fn = function (ev) {
        const t0 = performance.now();
        try { return inner.call(this, ev); } finally {
          if (t.helloAt === null) { t.helloAt = t0; t.helloBytes = ev.data.length; t.helloMs = performance.now() - t0; }
        }
      };
    }
    return add.call(this, type, fn, opts);
  };
  const check = () => {
    if (t.firstRow === null && document.querySelector('#rows tr[data-id]')) t.firstRow = performance.now();
    if (t.allKnown === null) {
      const b = document.querySelector('#sum span b');  // the first figure: "processes N"
      if (b && b.textContent === String(n)) t.allKnown = performance.now();
    }
    if (t.firstRow !== null && t.allKnown !== null) mo.disconnect();
  };
  const mo = new MutationObserver(check);
  mo.observe(document, { childList: true, subtree: true, characterData: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const ms = (x) => `${Math.round(x)} ms`;
const mb = (x) => `${(x / 1048576).toFixed(1)} MB`;
const kb = (x) => `${Math.round(x / 1024)} KB`;

async function processCount() {
  const r = await fetch(`${base}api/v1/processes`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  if (!r.ok) throw new Error(`GET api/v1/processes: ${r.status}`);
  return (await r.json()).processes.length;
}

async function metrics(cdp) {
  const m = {};
  for (const { name, value } of (await cdp.send('Performance.getMetrics')).metrics) m[name] = value;
  return m;
}

// Main-thread time over WINDOW_S seconds of whatever the page does by itself.
async function window_(page, cdp) {
  const f0 = await page.evaluate(() => ({ ...window.__pmBench }));
  const m0 = await metrics(cdp);
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  const m1 = await metrics(cdp);
  const f1 = await page.evaluate(() => ({ ...window.__pmBench }));
  const s = m1.Timestamp - m0.Timestamp;
  const per = (k) => (m1[k] - m0[k]) * 1000 / s;  // ms per second
  const frames = f1.statsFrames - f0.statsFrames;
  return {
    s, frames, frameBytes: frames ? (f1.statsBytes - f0.statsBytes) / frames : 0,
    frameMs: frames ? (f1.statsMs - f0.statsMs) / frames : 0,
    task: per('TaskDuration'), script: per('ScriptDuration'), layout: per('LayoutDuration'),
    style: per('RecalcStyleDuration'), layouts: (m1.LayoutCount - m0.LayoutCount) / s,
  };
}
function busyLine(w) {
  return `main thread busy ${ms(w.task)}/s (${(w.task / 10).toFixed(1)}%): script ${ms(w.script)}/s, ` +
         `layout ${ms(w.layout)}/s (${w.layouts.toFixed(1)} layouts/s), style ${ms(w.style)}/s; ` +
         `${w.frames} stats frames in ${w.s.toFixed(1)} s, ${kb(w.frameBytes)} each, ` +
         `${w.frameMs.toFixed(1)} ms each in the page's handler (JSON.parse and the table's update)`;
}

// One step of the page's own work after an input: from the event to the frame
// after the page's next animation-frame flush (its render included).
async function timeInput(page, fn) {
  return page.evaluate(async (src) => {
    const t0 = performance.now();
    (0, eval)(src)();
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t0;
  }, `(${fn})`);
}

let browser = null;
let rc = 0;
try {
  const n = await processCount();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const loads = [];
  let page = null, context = null;
  for (let i = 0; i < LOADS; i++) {
    if (context) await context.close();
    context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.addInitScript(probe, n);
    await page.goto(`${base}#token=${TOKEN}`);
    try {
      await page.waitForFunction(() => window.__pmBench.firstRow !== null && window.__pmBench.allKnown !== null, null, { polling: 100 });
    } catch (e) {
      const sum = await page.locator('#sum').textContent().catch(() => '?');
      throw new Error(`the page did not show its ${n} processes within ${WAIT_MS} ms; its summary says "${sum}"`);
    }
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return { ...window.__pmBench, dcl: nav.domContentLoadedEventEnd };
    });
    loads.push(t);
  }
  const rows = await page.locator('#rows tr[data-id]').count();
  console.log(`page: ${n} processes, ${browser.version()}, viewport 1400x860 (${rows} rows in the DOM), median of ${LOADS} loads:`);
  const line = (what, k) => console.log(`page:   ${what}: ${ms(median(loads.map((t) => t[k])))} (${loads.map((t) => Math.round(t[k])).join(', ')})`);
  line('DOMContentLoaded', 'dcl');
  line('first process row in the DOM', 'firstRow');
  line('hello event received (the process list)', 'helloAt');
  console.log(`page:   hello: ${kb(loads[0].helloBytes)}, ${ms(median(loads.map((t) => t.helloMs)))} in the page's handler (JSON.parse and the table's update)`);
  const med = (k) => Math.round(median(loads.map((t) => t[k])));
  console.log(`page:   where the time goes (medians, ms after navigation start): DOMContentLoaded ${med('dcl')}, ` +
              `POST api/v1/session answered ${med('sessionDone')}, event stream open ${med('streamOpen')}, ` +
              `hello ${med('helloAt')} (+${med('helloMs')} in its handler), first frame after it ${med('flushAt')} ` +
              `taking ${med('flushMs')} (the table's rows, their forced layouts and the summary)`);
  line(`all ${n} processes known (the summary says "processes ${n}")`, 'allKnown');

  // Steady state: the last page, with the stats frames arriving. A second first,
  // so the history fetches of the rows in view are done.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
  await new Promise((r) => setTimeout(r, 1000));
  const w = await window_(page, cdp);
  console.log(`page: steady state, sorted by id: ${busyLine(w)}`);
  const m = await metrics(cdp);
  await cdp.send('HeapProfiler.collectGarbage');
  const g = await metrics(cdp);
  const elements = await page.evaluate(() => document.getElementsByTagName('*').length);
  console.log(`page: JS heap used ${mb(m.JSHeapUsedSize)} (${mb(g.JSHeapUsedSize)} after a GC, of ${mb(g.JSHeapTotalSize)}); ` +
              `DOM ${elements} elements (${g.Nodes} nodes incl. text), ${g.JSEventListeners} listeners`);

  // Filter to one id and back, then sort by cpu (a live sort) and measure again.
  const tFilter = await timeInput(page, () => { const f = document.getElementById('pfilter'); f.value = '500'; f.dispatchEvent(new Event('input')); });
  const one = await page.locator('#rows tr[data-id]').count();
  const tUnfilter = await timeInput(page, () => { const f = document.getElementById('pfilter'); f.value = ''; f.dispatchEvent(new Event('input')); });
  const tSort = await timeInput(page, () => document.querySelector('thead th[data-sort="cpu"]').click());
  console.log(`page: filter "500" to ${one} row: ${ms(tFilter)}, filter cleared: ${ms(tUnfilter)}, sort by cpu: ${ms(tSort)} (input to the frame after it)`);
  const ws = await window_(page, cdp);
  console.log(`page: steady state, sorted by cpu (re-sorted every 3 s): ${busyLine(ws)}`);
  await context.close();
} catch (e) {
  rc = 1;
  console.error(`page bench: FAILED: ${e.message}`);
} finally {
  if (browser) await browser.close().catch(() => {});
}
process.exit(rc);
