// SPDX-License-Identifier: MIT
// The dashboard in a real browser (Debian's chromium, headless, driven by playwright-core):
// a scripted run seen live, pause, retry a failed task and see it succeed, cancel a
// running one, the XSS-named task shown as text, 403 without the token and from a
// foreign Origin; `flow serve` controlling a run in another process, and seeing it killed;
// then the first render of a 2,000-task graph, timed. Screenshots go to the artifacts folder.
//   node browser_test.mjs <flow> <agent.sh> <artifacts-dir>
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const [flow, agent, artifacts] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');
const failures = [];
function check(cond, what) {
  console.log((cond ? 'ok   ' : 'FAIL ') + what);
  if (!cond) failures.push(what);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function start(args, cwd) {
  const proc = spawn(flow, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    proc.stderr.on('data', (d) => {
      err += d;
      const m = err.match(/dashboard at (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]+))/);
      if (m) resolve({ proc, url: m[1], port: +m[2], token: m[3] });
    });
    proc.on('exit', (code) => reject(new Error('flow exited ' + code + ': ' + err)));
  });
}
function status(port, pathname, headers, method = 'GET', body = undefined) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers }, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', reject);
    req.end(body);
  });
}
const exited = (proc) => new Promise((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.on('exit', r)));

const TASKS = `# Tasks: browser test

## Phase 1: Setup

- [ ] T001 [P] Create \`T001.txt\`
- [ ] T002 [P] Create \`T002.txt\`
- [ ] T003 [P] Create \`T003.txt\` named <img src=x onerror=window.__xss=1>

## Phase 2: Core

- [ ] T004 [P] Create \`T004.txt\`
- [ ] T005 [P] Create \`T005.txt\`
`;

async function live(browser) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-browser-'));
  fs.writeFileSync(path.join(dir, 'tasks.md'), TASKS);
  fs.writeFileSync(path.join(dir, 'rc-T002-1'), '1');   // T002 fails its first attempt
  const run = await start(['run', 'tasks.md', '--agent-cmd', agent, '--workers', '2', '--retries', '0',
    '--isolation', 'none', '--progress', 'plain', '--dashboard'], dir);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const node = (id) => page.locator(`#graph .node[data-id="${id}"]`);
  const stateOf = async (id) => (await node(id).getAttribute('class')).match(/s-(\w+)/)[1];
  const waitState = async (id, s, ms = 20000) => {
    try { await page.waitForSelector(`#graph .node[data-id="${id}"].s-${s}`, { timeout: ms }); return true; }
    catch { return false; }
  };
  try {
    await page.goto(run.url);
    await page.waitForSelector('#graph .node');
    check(await page.locator('#graph .node').count() === 5, 'the graph has a node per task');
    check(await page.locator('#graph .lane').count() === 2, 'phases are lanes');
    check(await waitState('T001', 'running') && await waitState('T002', 'running'), 'T001 and T002 turn running live');
    const before = await node('T001').elementHandle();
    await page.click('#pause');
    await page.waitForFunction(() => document.getElementById('pause').textContent === 'Resume');
    check(true, 'pause: the button turns to Resume');
    fs.writeFileSync(path.join(dir, 'go-T001-1'), '');
    fs.writeFileSync(path.join(dir, 'go-T002-1'), '');
    check(await waitState('T001', 'succeeded'), 'T001 turns succeeded live');
    check(await before.evaluate((e) => e.isConnected), 'the node was updated in place, not re-rendered');
    // --retries 0: its ladder ran out at once, so it needs a person (not a plain failure).
    check(await waitState('T002', 'needs-attention'), 'T002 turns needs-attention live');
    await sleep(800);
    check(await stateOf('T003') === 'pending', 'paused: T003 does not start');
    await page.screenshot({ path: path.join(artifacts, 'dashboard-failed.png') });

    // The XSS-named task is text.
    await node('T003').click();
    const desc = await page.locator('#panel .desc').textContent();
    check(desc.includes('<img src=x onerror=window.__xss=1>'), 'the XSS task shows its characters');
    check(await page.locator('#panel img, #graph img').count() === 0 && !(await page.evaluate(() => window.__xss)),
      'and no element or script came of it');

    // Retry the failed task from its panel, resume, and see it succeed.
    fs.writeFileSync(path.join(dir, 'go-T002-2'), '');
    fs.writeFileSync(path.join(dir, 'go-T003-1'), '');
    fs.writeFileSync(path.join(dir, 'go-T005-1'), '');
    await node('T002').click();
    await page.click('#panel button[data-action="retry"]');
    await page.waitForFunction(() => /retry sent/.test(document.getElementById('status').textContent));
    await page.click('#pause');
    check(await waitState('T002', 'succeeded'), 'retry: T002 runs again and succeeds');
    check(await waitState('T003', 'succeeded'), 'resume: T003 runs');
    // Cancel the running T004 (its agent waits for ever).
    check(await waitState('T004', 'running'), 'T004 runs');
    await node('T004').click();
    await page.screenshot({ path: path.join(artifacts, 'dashboard-running.png') });
    await page.click('#panel button[data-action="cancel"]');
    check(await waitState('T004', 'failed'), 'cancel: T004 is stopped and failed');
    check(await waitState('T005', 'succeeded'), 'T005 succeeds');
    const panel = await page.locator('#panel').textContent();
    check(panel.includes('canceled'), 'the panel names the failure class canceled');
    // The numbers and the timeline are redrawn every 500 ms, the nodes at once: the last
    // attempt's bar may come a refresh after its node.
    check(await page.waitForFunction(() => document.querySelectorAll('#timeline rect').length >= 6, null, { timeout: 5000 })
      .then(() => true, () => false), 'the workers timeline shows the attempts');
    check(/tasks left|nothing left|finishing/.test(await page.locator('#eta').textContent()), 'the ETA is shown');
    await page.screenshot({ path: path.join(artifacts, 'dashboard-finished.png') });
    const code = await exited(run.proc);
    check(code === 1, 'the run ends with the canceled task failed (exit ' + code + ')');
  } finally {
    await page.close();
    if (run.proc.exitCode === null) run.proc.kill('SIGINT');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function security(browser) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-browser-'));
  fs.writeFileSync(path.join(dir, 'tasks.md'), TASKS);
  const run = await start(['run', 'tasks.md', '--agent-cmd', agent, '--isolation', 'none', '--progress', 'plain', '--dashboard'], dir);
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${run.port}/`);
    const s = await page.evaluate(async () => (await fetch('/api/control', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: '{"action":"pause"}' })).status);
    check(s === 403, 'a control without the token gets 403 in the browser');
    check(await page.locator('#status .err').count() === 1, 'the page without its token says so');
    check(await status(run.port, '/api/control', { 'Content-Type': 'application/json', 'X-Flow-Token': run.token,
      Origin: 'http://evil.example' }, 'POST', '{"action":"pause"}') === 403, 'a foreign Origin gets 403');
    fs.writeFileSync(path.join(dir, 'go-all'), '');
    await exited(run.proc);
  } finally {
    await page.close();
    if (run.proc.exitCode === null) run.proc.kill('SIGINT');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// `flow serve tasks.md` in one process and `flow run tasks.md` (the scripted agent) in
// another, in a new folder; and a page.
async function serveAndRun(browser) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-browser-'));
  fs.writeFileSync(path.join(dir, 'tasks.md'), TASKS);
  const srv = await start(['serve', 'tasks.md'], dir);
  const run = spawn(flow, ['run', 'tasks.md', '--agent-cmd', agent, '--workers', '2', '--isolation', 'none',
    '--progress', 'plain'], { cwd: dir, stdio: 'ignore' });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  return { dir, srv, run, page };
}
// `orphans`: the tasks whose agents a killed run left waiting for their go files.
async function stopAll(dir, srv, run, page, orphans = []) {
  await page.close();
  fs.writeFileSync(path.join(dir, 'go-all'), '');  // agents wait for it, a killed run's too
  if (run.exitCode === null && run.signalCode === null) run.kill('SIGINT');
  srv.proc.kill('SIGTERM');
  await exited(srv.proc);
  // A killed run's agents, let go just now, write their task's file and end: not while
  // the folder is being removed.
  for (const t of orphans) {
    for (let i = 0; i < 100 && !fs.existsSync(path.join(dir, t + '.txt')); i++) await sleep(50);
  }
  if (orphans.length) await sleep(200);
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

// `flow serve` in one process, `flow run` in another: the page offers the controls, says
// which process they reach, and its Pause reaches the run through the run's inbox.
async function across(browser) {
  const { dir, srv, run, page } = await serveAndRun(browser);
  const journal = () => fs.readFileSync(path.join(dir, '.flow', 'implementation.log'), 'utf8');
  try {
    await page.goto(srv.url);
    await page.waitForSelector('#graph .node[data-id="T001"].s-running', { timeout: 20000 });
    await page.waitForFunction((pid) => document.getElementById('run').textContent.includes('controlled in process ' + pid),
      run.pid, { timeout: 10000 });
    check(true, 'across processes: the header names the run\'s process');
    await page.click('#pause');
    await page.waitForFunction(() => document.getElementById('pause').textContent === 'Resume', null, { timeout: 10000 });
    check(/"action":"pause","by":"dashboard \(flow serve/.test(journal()), 'across processes: Pause reaches the run, journaled');
    await page.click('#pause');
    await page.waitForFunction(() => document.getElementById('pause').textContent === 'Pause', null, { timeout: 10000 });
    fs.writeFileSync(path.join(dir, 'go-all'), '');
    const code = await exited(run);
    check(code === 0, 'across processes: the run ends well (exit ' + code + ')');
    await page.waitForFunction(() => document.getElementById('pause').hidden, null, { timeout: 10000 });
    const s = await page.evaluate(async (token) => (await fetch('/api/control', { method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Flow-Token': token }, body: '{"action":"pause"}' })).status, srv.token);
    check(s === 409, 'across processes: the run over, a control gets 409 and the controls are gone');
  } finally {
    await stopAll(dir, srv, run, page);
  }
}

// `flow serve` watching a run that is killed with SIGKILL: without a click, the page says
// the run ended without finishing and takes its controls away (the header's Pause and the
// open task's Cancel).
async function dead(browser) {
  const { dir, srv, run, page } = await serveAndRun(browser);
  try {
    await page.goto(srv.url);
    await page.waitForSelector('#graph .node[data-id="T001"].s-running', { timeout: 20000 });
    await page.waitForFunction(() => !document.getElementById('pause').hidden, null, { timeout: 10000 });
    await page.click('#graph .node[data-id="T001"]');
    await page.waitForSelector('#panel button[data-action="cancel"]', { timeout: 10000 });
    run.kill('SIGKILL');
    await exited(run);
    const killed = Date.now();
    await page.waitForFunction(() => document.getElementById('run').textContent.includes('ended without finishing'),
      null, { timeout: 5000 });
    check(Date.now() - killed < 3000, 'killed run: the header says it ended without finishing, without a click (' +
      (Date.now() - killed) + ' ms)');
    await page.waitForFunction(() => document.getElementById('pause').hidden, null, { timeout: 2000 });
    check(await page.$('#panel button[data-action="cancel"]') === null, 'killed run: Pause and the task\'s Cancel are gone');
    await page.screenshot({ path: path.join(artifacts, 'dashboard-killed.png') });
  } finally {
    await stopAll(dir, srv, run, page, ['T001', 'T002']);
  }
}

async function big(browser) {
  // 2,000 tasks: 10 phases of 200, each in runs of [P] tasks with explicit references;
  // each phase in two sections, the tasks of phases 3 and after in two stories.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-browser-'));
  let md = '# Tasks: big\n';
  let n = 0;
  for (let p = 1; p <= 10; p++) {
    md += `\n## Phase ${p}: Part ${p}\n\n`;
    for (let i = 0; i < 200; i++) {
      if (i % 100 === 0) md += `\n### ${i ? 'Services' : 'Models'} of part ${p}\n\n`;
      n++;
      const id = 'T' + String(n).padStart(4, '0');
      const dep = i >= 20 && i % 3 === 0 ? ` (depends on T${String(n - 17).padStart(4, '0')})` : '';
      const story = p >= 3 ? `[US${p * 2 - 5 + (i % 2)}] ` : '';
      md += `- [ ] ${id} ${i % 4 ? '[P] ' : ''}${story}Build part ${n} in \`src/m${p}/f${n}.py\`${dep}\n`;
    }
  }
  fs.writeFileSync(path.join(dir, 'tasks.md'), md);
  const srv = await start(['serve', 'tasks.md'], dir);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    // The first render: from navigation until the frame with the graph (what the
    // window shows of it, with the header, cards and timeline) has been painted; the
    // nodes out of sight follow in slices, timed too ("complete").
    const times = [], complete = [];
    const runs = 5;
    for (let k = 0; k < runs; k++) {
      await page.goto(srv.url);
      await page.waitForFunction(() => window.__flowComplete !== undefined, null, { timeout: 30000 });
      times.push(await page.evaluate(() => window.__flowFirstRender));
      complete.push(await page.evaluate(() => window.__flowComplete));
      const t = await page.evaluate(() => window.__flowTimings);
      console.log('  structure loaded at ' + t.structure.toFixed(0) + ' ms, snapshot at ' + t.snapshot.toFixed(0) +
        ' ms; layout ' + t.layout.toFixed(0) + ' ms, DOM ' + t.build.toFixed(0) + ' ms (' + t.visible + ' nodes in view); shown at ' +
        t.shown.toFixed(0) + ' ms, painted at ' + times[k].toFixed(0) + ' ms; all nodes at ' + complete[k].toFixed(0) + ' ms');
    }
    check(await page.locator('#graph .node').count() === 2000, 'the 2,000-task graph has 2,000 nodes');
    // Sections and stories are grouped, each group under a visible label.
    const bands = await page.locator('#graph .band-title').allTextContents();
    check(bands.includes('Models of part 1') && bands.includes('Services of part 10 · US16'),
      `sections and stories are labelled in the graph (${bands.length} labels: ${bands.slice(0, 3).join(' / ')} …)`);
    const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
    const line = `first render of 2,000 tasks: ${times.map((t) => t.toFixed(0)).join(', ')} ms (median ${med(times).toFixed(0)} ms); ` +
      `all 2,000 nodes in the page: median ${med(complete).toFixed(0)} ms; load ${os.loadavg()[0].toFixed(1)}`;
    console.log(line);
    fs.writeFileSync(path.join(artifacts, 'first-render.txt'), line + '\n');
    // The goal is under 1 s; on a shared, loaded machine that cannot be asserted
    // robustly, so it is reported, and only a bound that means broken is asserted.
    console.log(`goal: first render under 1 s: ${med(times) < 1000 ? 'met' : 'NOT met on this machine'}`);
    check(med(times) < 10000, `the first render takes under 10 s (median of ${runs})`);
    await page.screenshot({ path: path.join(artifacts, 'dashboard-2000.png') });
  } finally {
    await page.close();
    srv.proc.kill('SIGTERM');
    await exited(srv.proc);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

fs.mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  // FLOW_BROWSER_ONLY=big times the 2,000-task render alone (benchmarking the page).
  const only = process.env.FLOW_BROWSER_ONLY;
  if (!only || only === 'live') await live(browser);
  if (!only || only === 'security') await security(browser);
  if (!only || only === 'across') await across(browser);
  if (!only || only === 'dead') await dead(browser);
  if (!only || only === 'big') await big(browser);
} catch (e) {
  check(false, 'no exception: ' + (e && e.stack || e));
} finally {
  await browser.close();
}
if (failures.length) {
  console.log(`dashboard browser: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('dashboard browser: all checks pass');
