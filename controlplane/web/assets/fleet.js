// The fleet page (controlplane/web/assets): polls the sidecar's JSON API and renders it.
// Every value from the API is put into the page with textContent or as an SVG/DOM attribute,
// never parsed as HTML: worker names, comments, queues and logs are user-controlled.
// Rate: one round of /api/summary + /api/workers + /api/jobs every 2 s while the tab is
// visible, every 15 s while hidden; the open log every 1 s while its job runs. The sidecar
// answers all viewers from one cached database read per second.
'use strict';

const POLL_VISIBLE_MS = 2000;
const POLL_HIDDEN_MS = 15000;
const LOG_POLL_MS = 1000;
const FINAL_JOB_STATES = new Set(['success', 'failed', 'removed', 'skipped', 'upstream_failed']);
const SVG = 'http://www.w3.org/2000/svg';

function $(id) { return document.getElementById(id); }

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function stateBadge(state) {
  const cls = 'state state-' + String(state).replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  return el('span', state, cls);
}

function age(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 1) return '<1 s';
  if (seconds < 120) return Math.round(seconds) + ' s';
  if (seconds < 7200) return Math.round(seconds / 60) + ' min';
  if (seconds < 172800) return Math.round(seconds / 3600) + ' h';
  return Math.round(seconds / 86400) + ' d';
}

function ms(value) {
  if (value === null || value === undefined) return '—';
  return value < 10 ? value.toFixed(1) + ' ms' : Math.round(value) + ' ms';
}

function orDash(value) {
  return value === null || value === undefined || value === '' ? '—' : value;
}

async function getJson(url) {
  const res = await fetch(url, { cache: 'no-store', credentials: 'same-origin' });
  const body = await res.json().catch(() => ({ error: res.statusText }));
  if (!res.ok) throw new Error(url.split('?')[0] + ': ' + (body.error || res.status));
  return body;
}

function replaceRows(table, rows) {
  const tbody = table.tBodies[0];
  const fresh = document.createElement('tbody');
  for (const row of rows) fresh.appendChild(row);
  table.replaceChild(fresh, tbody);
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    if (cell instanceof Node) td.appendChild(cell);
    else if (cell && typeof cell === 'object') {
      td.textContent = String(cell.text);
      if (cell.className) td.className = cell.className;
      if (cell.title) td.title = cell.title;
    } else td.textContent = String(orDash(cell));
    tr.appendChild(td);
  }
  return tr;
}

// ---- charts -------------------------------------------------------------------------------

function barChart(container, counts) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const rowHeight = 20;
  const width = 300;
  const label = 120;
  const height = Math.max(1, entries.length) * rowHeight + 4;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img' });
  const max = Math.max(1, ...entries.map(e => e[1]));
  entries.forEach(([name, count], i) => {
    const y = i * rowHeight + 2;
    root.appendChild(svg('text', { x: 0, y: y + 13 }, name));
    const w = Math.max(1, (width - label - 40) * count / max);
    root.appendChild(svg('rect', { class: 'bar', x: label, y: y + 2, width: w, height: rowHeight - 6 }));
    root.appendChild(svg('text', { x: label + w + 4, y: y + 13 }, count));
  });
  if (entries.length === 0) root.appendChild(svg('text', { x: 0, y: 14 }, 'none'));
  container.replaceChildren(root);
}

function dispatchChart(container, minutes, now) {
  const width = 600;
  const height = 120;
  const left = 40;
  const bottom = 16;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img' });
  const maxMs = Math.max(1, ...minutes.map(m => m.p99_ms));
  const plotH = height - bottom - 4;
  const slot = (width - left) / 60;
  root.appendChild(svg('line', { class: 'axis', x1: left, y1: plotH + 4, x2: width, y2: plotH + 4 }));
  root.appendChild(svg('text', { x: 0, y: 12 }, ms(maxMs)));
  root.appendChild(svg('text', { x: 0, y: plotH + 4 }, '0'));
  root.appendChild(svg('text', { x: left, y: height - 2 }, '−60 min'));
  root.appendChild(svg('text', { x: width - 30, y: height - 2 }, 'now'));
  const nowMinute = Math.floor(now / 60000);
  for (const m of minutes) {
    const index = 59 - (nowMinute - Math.floor(Date.parse(m.minute) / 60000));
    if (index < 0 || index > 59) continue;
    const x = left + index * slot;
    const h50 = plotH * m.p50_ms / maxMs;
    const y99 = 4 + plotH - plotH * m.p99_ms / maxMs;
    const bar = svg('rect', { class: 'bar', x: x + 1, y: 4 + plotH - h50, width: Math.max(1, slot - 2), height: Math.max(1, h50) });
    bar.appendChild(svg('title', {}, `${m.minute}: ${m.count} dispatches, p50 ${ms(m.p50_ms)}, p99 ${ms(m.p99_ms)}, max ${ms(m.max_ms)}`));
    root.appendChild(bar);
    root.appendChild(svg('line', { class: 'p99', x1: x + 1, x2: x + slot - 1, y1: y99, y2: y99 }));
  }
  if (minutes.length === 0) root.appendChild(svg('text', { x: left + 10, y: 50 }, 'no dispatches through this sidecar in the last hour'));
  container.replaceChildren(root);
}

// ---- sections -----------------------------------------------------------------------------

function renderSummary(s) {
  barChart($('chart-workers'), s.workers.by_state);
  barChart($('chart-jobs'), s.jobs.by_state);
  const d = s.dispatch;
  const figures = $('dispatch-figures');
  figures.replaceChildren();
  const none = d.last_hour.count === 0;  // no percentiles of nothing
  for (const [name, value] of [['p50', none ? '—' : ms(d.last_hour.p50_ms)],
                               ['p99', none ? '—' : ms(d.last_hour.p99_ms)],
                               ['max', none ? '—' : ms(d.last_hour.max_ms)],
                               ['dispatches', d.last_hour.count],
                               ['requeued (since start)', d.requeued_total]]) {
    const span = el('span', name + ' ');
    span.appendChild(el('b', value));
    figures.appendChild(span);
  }
  dispatchChart($('chart-dispatch'), d.minutes, Date.parse(s.generated_at));
  replaceRows($('backlog-table'), s.jobs.queued_by_queue.map(q => row([
    q.queue, { text: q.jobs, className: 'num' }, { text: age(q.oldest_age_seconds), className: 'num' }])));
}

function renderWorkers(w) {
  $('workers-count').textContent = `(${w.workers.length}; ${w.connected_here} with a live link to this sidecar)`;
  replaceRows($('workers-table'), w.workers.map(worker => {
    const link = worker.link;
    const live = el('span', link ? 'live · ' + link.auth_method : 'no', link ? 'live-yes' : 'live-no');
    if (link && link.stalled) live.textContent += ' · stalled';
    const tr = row([
      worker.worker_name,
      stateBadge(worker.state),
      worker.queues === null ? 'all queues' : worker.queues.join(', '),
      { text: `${worker.jobs_active} / ${orDash(worker.concurrency)}`, className: 'num' },
      { text: age(worker.heartbeat_age_seconds), className: 'num', title: orDash(worker.last_heartbeat) },
      `${orDash(worker.airflow_version)} / ${orDash(worker.edge_provider_version)} / ${orDash(worker.edgectl_version)}`,
      worker.maintenance_comment,
      live,
      link ? link.peer : '—',
      link ? { text: link.connected_since, title: age(link.connected_seconds) + ' ago' } : '—',
    ]);
    tr.dataset.worker = worker.worker_name;
    return tr;
  }));
}

function logHash(job) {
  const params = new URLSearchParams({
    dag_id: job.dag_id, task_id: job.task_id, run_id: job.run_id,
    map_index: job.map_index, try_number: job.try_number });
  return '#log?' + params.toString();
}

function renderJobs(j) {
  $('jobs-count').textContent = j.truncated ? `(newest ${j.jobs.length} shown)` : `(${j.jobs.length})`;
  replaceRows($('jobs-table'), j.jobs.map(job => {
    const open = el('a', 'log');
    open.href = logHash(job);
    return row([
      job.dag_id, job.task_id, job.run_id, { text: job.map_index, className: 'num' },
      { text: job.try_number, className: 'num' }, stateBadge(job.state), job.queue, job.edge_worker,
      { text: age(job.queued_age_seconds) + ' ago', className: 'num', title: orDash(job.queued_dttm) },
      { text: ms(job.dispatch_latency_ms), className: 'num' }, open]);
  }));
}

function jobsUrl() {
  const params = new URLSearchParams();
  for (const name of ['state', 'queue', 'worker', 'dag']) {
    const value = $('filter-' + name).value.trim();
    if (value) params.set(name, value);
  }
  return '/api/jobs?' + params.toString();
}

// ---- polling ------------------------------------------------------------------------------

let pollTimer = null;

async function refresh() {
  clearTimeout(pollTimer);
  try {
    const [summary, workers, jobs] = await Promise.all(
      [getJson('/api/summary'), getJson('/api/workers'), getJson(jobsUrl())]);
    renderSummary(summary);
    renderWorkers(workers);
    renderJobs(jobs);
    $('status').textContent = 'updated ' + new Date(summary.generated_at).toLocaleTimeString();
    $('error').hidden = true;
  } catch (err) {
    $('error').textContent = 'Could not refresh: ' + err.message;
    $('error').hidden = false;
  }
  pollTimer = setTimeout(refresh, document.hidden ? POLL_HIDDEN_MS : POLL_VISIBLE_MS);
}

// ---- job log ------------------------------------------------------------------------------

let logJob = null;     // the job whose log is shown (URLSearchParams)
let logOffset = 0;
let logTimer = null;
let logGeneration = 0; // drops answers for a log that is no longer shown

async function pollLog(generation) {
  if (generation !== logGeneration || logJob === null) return;
  let again = LOG_POLL_MS;
  try {
    const params = new URLSearchParams(logJob);
    params.set('offset', logOffset);
    const slice = await getJson('/api/log?' + params.toString());
    if (generation !== logGeneration) return;
    if (slice.text) $('log-text').appendChild(document.createTextNode(slice.text));
    logOffset = slice.next_offset;
    $('log-state').replaceChildren(slice.job_state ? stateBadge(slice.job_state) : el('span', 'no such job'));
    const finished = slice.job_state === null || FINAL_JOB_STATES.has(slice.job_state);
    if (slice.more) again = 0;
    else if (finished && !slice.text) {
      $('log-follow').textContent = 'complete';
      return;
    }
    $('log-follow').textContent = 'following…';
  } catch (err) {
    $('log-follow').textContent = 'error: ' + err.message;
  }
  logTimer = setTimeout(() => pollLog(generation), again);
}

function showLogFromHash() {
  clearTimeout(logTimer);
  logGeneration += 1;
  const hash = location.hash;
  if (!hash.startsWith('#log?')) {
    logJob = null;
    $('log-panel').hidden = true;
    return;
  }
  logJob = new URLSearchParams(hash.slice(5));
  logOffset = 0;
  $('log-text').replaceChildren();
  $('log-title').textContent = ['dag_id', 'task_id', 'run_id', 'map_index', 'try_number']
    .map(k => logJob.get(k)).join(' / ');
  $('log-state').replaceChildren();
  $('log-follow').textContent = '';
  $('log-panel').hidden = false;
  pollLog(logGeneration);
}

document.addEventListener('DOMContentLoaded', () => {
  let typing = null;  // one refresh after typing pauses, not one per keystroke
  $('job-filters').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(refresh, 300);
  });
  $('job-filters').addEventListener('submit', e => { e.preventDefault(); refresh(); });
  $('log-close').addEventListener('click', e => { e.preventDefault(); location.hash = ''; });
  window.addEventListener('hashchange', showLogFromHash);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
  showLogFromHash();
  refresh();
});
