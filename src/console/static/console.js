// The operator console: plain DOM, no framework. Every value from the API is put on the page
// with textContent (never innerHTML), so a customer name cannot inject markup.

const TOKEN_KEY = 'workato-onboarding.api-token';
const REPLAYABLE = ['FAILED', 'COMPENSATION_FAILED'];
const $ = (selector) => document.querySelector(selector);

const state = {
  role: null,
  filter: {},
  rows: [],
  nextCursor: null,
  detailId: null,
  stream: null,
  bulkPreview: null,
};

/** `el('td', { className: 'x' }, 'text', child)`: an element with properties and children. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith('data-') || key.startsWith('aria-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children.flat())
    if (child !== null && child !== undefined && child !== false)
      node.append(child instanceof Node ? child : String(child));
  return node;
}

const token = () => sessionStorage.getItem(TOKEN_KEY);

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The REST API with the bearer token; a 401 signs out (the token is gone or was revoked). */
async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${token()}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401) signOut('Your token was not accepted; sign in again.');
  if (!res.ok) throw new ApiError(res.status, data.message || `HTTP ${res.status}`);
  return data;
}

// --- sign-in ----------------------------------------------------------------------------------

async function signIn(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
  try {
    const session = await api('GET', '/v1/console/session');
    state.role = session.role;
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    $('#sign-in-error').textContent = error.message;
    return;
  }
  $('#sign-in').hidden = true;
  $('#app').hidden = false;
  $('#who').hidden = false;
  $('#sign-out').hidden = false;
  $('#who').textContent = `signed in as ${state.role}`;
  document.body.dataset.role = state.role;
  $('#bulk').hidden = state.role !== 'operator';
  await Promise.all([loadOverview(), route()]);
  if ($('#live').checked) openStream();
}

function signOut(message = '') {
  sessionStorage.removeItem(TOKEN_KEY);
  closeStream();
  state.role = null;
  delete document.body.dataset.role;
  $('#app').hidden = true;
  $('#who').hidden = true;
  $('#sign-out').hidden = true;
  $('#sign-in').hidden = false;
  $('#sign-in-error').textContent = message;
}

// --- list ------------------------------------------------------------------------------------

function readFilter() {
  const form = new FormData($('#filters'));
  const filter = {};
  for (const [key, raw] of form.entries()) {
    const value = String(raw).trim();
    if (!value) continue;
    filter[key] = key === 'from' || key === 'to' ? new Date(value).toISOString() : value;
  }
  return filter;
}

function query(filter, extra = {}) {
  return new URLSearchParams({ ...filter, ...extra }).toString();
}

async function loadList(append = false) {
  $('#list-error').textContent = '';
  try {
    const extra = append && state.nextCursor ? { cursor: state.nextCursor } : {};
    const page = await api('GET', `/v1/console/onboardings?${query(state.filter, extra)}`);
    state.rows = append ? [...state.rows, ...page.data] : page.data;
    state.nextCursor = page.nextCursor;
    renderRows();
  } catch (error) {
    $('#list-error').textContent = error.message;
  }
}

/** Whether a row pushed by the live stream belongs in the list under the current filter. */
function matches(row, f) {
  const has = (text, part) => text.toLowerCase().includes(part.toLowerCase());
  if (f.status && row.status !== f.status) return false;
  if (f.workatoAccount && row.workatoAccount !== f.workatoAccount) return false;
  if (
    f.customer &&
    row.customer.managedUserId !== f.customer &&
    !has(row.customer.name, f.customer)
  )
    return false;
  if (f.q && !has(row.customer.name, f.q) && !has(row.eventId, f.q)) return false;
  if (f.from && row.createdAt < f.from) return false;
  if (f.to && row.createdAt >= f.to) return false;
  return true;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');

function renderRows() {
  const body = $('#rows tbody');
  body.replaceChildren(
    ...state.rows.map((row) =>
      el(
        'tr',
        {
          'data-id': row.id,
          'data-status': row.status,
          onclick: () => (location.hash = `#/${row.kind}s/${row.id}`),
        },
        el(
          'td',
          {},
          el('div', {}, row.customer.name || row.customer.managedUserId),
          el('code', { className: 'muted' }, row.customer.managedUserId),
          // A customer operation (key rotation, offboarding, ...) rather than an onboarding.
          row.type && row.type !== 'ONBOARDING'
            ? el('div', { className: 'muted' }, row.type.toLowerCase().replace('_', ' '))
            : null,
        ),
        el('td', {}, el('span', { className: `status ${row.status}` }, row.status)),
        el('td', {}, `${row.steps.done}/${row.steps.total}`),
        el('td', {}, row.attempt),
        el('td', {}, row.workatoAccount),
        el('td', {}, el('code', {}, row.eventId)),
        el('td', {}, when(row.createdAt)),
        el(
          'td',
          { className: 'error' },
          row.error ? `${row.error.code}: ${row.error.message}` : '',
        ),
      ),
    ),
  );
  if (state.rows.length === 0)
    body.append(
      el('tr', {}, el('td', { colSpan: 8, className: 'muted' }, 'No onboardings match.')),
    );
  $('#more').hidden = !state.nextCursor;
}

function renderCounts(counts) {
  $('#counts').replaceChildren(
    // The API sends every status (0 when none), in the lifecycle's order.
    ...Object.keys(counts).map((status) =>
      el(
        'button',
        {
          type: 'button',
          'data-status': status,
          'aria-pressed': String(state.filter.status === status),
          onclick: () => {
            $('#filters').elements.status.value = state.filter.status === status ? '' : status;
            applyFilter();
          },
        },
        el('span', { className: `status ${status}` }, status),
        ` ${counts[status] ?? 0}`,
      ),
    ),
  );
}

function renderHealth(health) {
  const accounts = health.accounts.map((a) =>
    el(
      'div',
      { className: 'card', 'data-account': a.name },
      el('h3', {}, `Workato account ${a.name}`, a.state === 'ok' ? '' : ` · ${a.state}`),
      el(
        'div',
        { className: 'big', title: 'Calls made by the instance this console is connected to' },
        `${a.callsPerSecond} / ${a.limitPerSecond} calls/s`,
      ),
      el('div', {}, `backlog ${a.backlog} (${a.pendingSteps} steps)`),
      el('div', { className: 'muted' }, `drains in ≥ ${a.drainSeconds} s at the limit`),
      a.reason ? el('div', { className: 'error' }, a.reason) : null,
    ),
  );
  const dlq = el(
    'div',
    { className: 'card', id: 'dead-letters' },
    el('h3', {}, `Recent dead letters (${health.deadLetters.length})`),
    el(
      'ul',
      {},
      health.deadLetters.map((d) =>
        el(
          'li',
          { title: d.redactedValue ?? `${d.valueBytes} bytes, not JSON: not kept` },
          `${when(d.rejectedAt)} ${d.topic}[${d.partition}]@${d.offset}: ${d.reason}`,
        ),
      ),
    ),
  );
  $('#health').replaceChildren(
    ...accounts,
    el(
      'div',
      { className: 'card' },
      el('h3', {}, 'Outbox backlog'),
      el('div', { className: 'big', id: 'outbox-backlog' }, health.outboxBacklog),
    ),
    dlq,
  );
}

async function loadOverview() {
  try {
    const overview = await api('GET', '/v1/console/overview');
    renderCounts(overview.counts);
    renderHealth(overview.health);
  } catch (error) {
    $('#list-error').textContent = error.message;
  }
}

function applyFilter() {
  state.filter = readFilter();
  state.bulkPreview = null;
  $('#bulk-result').textContent = '';
  $('#bulk-confirm').hidden = true;
  for (const b of document.querySelectorAll('#counts button'))
    b.setAttribute('aria-pressed', String(b.dataset.status === state.filter.status));
  return loadList();
}

// --- bulk replay (operators) -----------------------------------------------------------------

function bulkFilter() {
  const { status, ...rest } = state.filter;
  return REPLAYABLE.includes(status) ? { ...rest, status } : rest;
}

async function previewBulk() {
  $('#bulk-confirm').hidden = true;
  if (state.filter.status && !REPLAYABLE.includes(state.filter.status)) {
    $('#bulk-result').textContent = `Only ${REPLAYABLE.join(' and ')} onboardings can be replayed.`;
    return;
  }
  try {
    const preview = await api('POST', '/v1/onboardings/replay', {
      filter: bulkFilter(),
      dryRun: true,
    });
    state.bulkPreview = preview;
    const capped =
      preview.matched > preview.limit ? ` (the first ${preview.limit} of them in this run)` : '';
    $('#bulk-result').textContent =
      `${preview.matched} failed onboarding(s) would be replayed${capped}.`;
    $('#bulk-confirm').hidden = preview.matched === 0;
  } catch (error) {
    $('#bulk-result').textContent = error.message;
  }
}

async function confirmBulk() {
  $('#bulk-confirm').hidden = true;
  try {
    const result = await api('POST', '/v1/onboardings/replay', {
      filter: bulkFilter(),
      dryRun: false,
      expectedCount: state.bulkPreview.matched,
    });
    const skipped = result.notReplayed.length
      ? `, ${result.notReplayed.length} not (${result.notReplayed[0].reason})`
      : '';
    $('#bulk-result').textContent = `Replayed ${result.replayed.length}${skipped}.`;
  } catch (error) {
    $('#bulk-result').textContent = error.message;
  }
}

// --- detail ----------------------------------------------------------------------------------

function duration(step) {
  if (!step.startedAt || !step.finishedAt) return '';
  const ms = new Date(step.finishedAt) - new Date(step.startedAt);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A recorded error: Workato's own status and message first when Workato answered. */
function errorText(e) {
  if (!e) return '';
  if (!e.httpStatus) return `${e.code}: ${e.message}`;
  const call = e.method && e.path ? ` on ${e.method} ${e.path}` : '';
  const said = e.workatoMessage ? `: ${e.workatoMessage}` : '';
  return `Workato ${e.httpStatus}${said}${call} (${e.code})`;
}

function origin(step) {
  if (!step.workatoId) return '';
  if (step.status === 'RETAINED' || step.status === 'COMPENSATED') return step.status.toLowerCase();
  return step.adopted ? 'adopted' : 'created';
}

async function loadDetail(id) {
  const box = $('#detail');
  try {
    const detail = await api('GET', `/v1/console/onboardings/${encodeURIComponent(id)}`);
    if (state.detailId === id) renderDetail(detail);
  } catch (error) {
    box.replaceChildren(el('p', { className: 'error' }, error.message));
  }
}

function renderDetail({ onboarding: o, event }) {
  const canReplay = state.role === 'operator' && REPLAYABLE.includes(o.status);
  const actions = el('div', { className: 'actions' });
  if (canReplay)
    actions.append(
      el('button', { id: 'replay', type: 'button', onclick: () => replayOne(o.id) }, 'Replay'),
      el('span', { id: 'replay-result' }),
    );
  $('#detail').replaceChildren(
    el(
      'h2',
      {},
      o.customer.name,
      ' ',
      el('span', { id: 'detail-status', className: `status ${o.status}` }, o.status),
    ),
    el(
      'dl',
      {},
      ...[
        ['Onboarding', o.id],
        ['Managed user', o.customer.managedUserId],
        ['Event', o.eventId],
        ['Workato account', o.workatoAccount],
        ['Attempt', o.attempt],
        ['Source', o.source],
        ['Received', when(o.createdAt)],
        ['Finished', when(o.finishedAt)],
        ['Deadline', when(o.deadlineAt)],
        [
          'Credentials',
          o.credentials.retrievedAt
            ? `retrieved ${when(o.credentials.retrievedAt)}`
            : o.credentials.retrievable
              ? 'retrievable once (REST API)'
              : 'not yet',
        ],
      ].flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v ?? ''))]),
    ),
    o.error ? el('p', { className: 'error', id: 'detail-error' }, errorText(o.error)) : null,
    actions,
    el('h3', {}, 'Steps'),
    el(
      'table',
      { id: 'steps' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...[
            'Step',
            'Status',
            'Attempts',
            'Undo attempts',
            'Workato id',
            'Origin',
            'Started',
            'Took',
            'Last error',
          ].map((h) => el('th', {}, h)),
        ),
      ),
      el(
        'tbody',
        {},
        o.steps.map((s) =>
          el(
            'tr',
            { 'data-step': s.name },
            el('td', {}, s.name),
            el('td', {}, el('span', { className: `status ${s.status}` }, s.status)),
            el('td', {}, s.attempts),
            el('td', {}, s.compensationAttempts),
            el('td', {}, el('code', {}, s.workatoId ?? '')),
            el('td', {}, origin(s)),
            el('td', {}, when(s.startedAt)),
            el('td', {}, duration(s)),
            el('td', { className: 'error' }, errorText(s.lastError)),
          ),
        ),
      ),
    ),
    el('h3', {}, 'Audit trail'),
    o.audit.length
      ? el(
          'ul',
          { id: 'audit' },
          o.audit.map((a) =>
            el(
              'li',
              {},
              `${when(a.at)} ${a.action} by ${a.actorRole} (token ${a.actorFingerprint})`,
            ),
          ),
        )
      : el('p', { className: 'muted', id: 'audit' }, 'No operator actions yet.'),
    el('h3', {}, 'Event as received (secrets redacted)'),
    el('pre', { id: 'event' }, JSON.stringify(event, null, 2)),
  );
}

async function replayOne(id) {
  try {
    await api('POST', `/v1/onboardings/${encodeURIComponent(id)}/replay`);
    await loadDetail(id);
  } catch (error) {
    const out = $('#replay-result');
    if (out) out.textContent = error.message;
  }
}

// --- routing -----------------------------------------------------------------------------------

async function route() {
  const match = /^#\/onboardings\/([0-9a-f-]{36})$/.exec(location.hash);
  state.detailId = match ? match[1] : null;
  $('#list-view').hidden = Boolean(match);
  $('#detail-view').hidden = !match;
  if (match) {
    $('#detail').replaceChildren(el('p', { className: 'muted' }, 'Loading…'));
    await loadDetail(match[1]);
  } else {
    await loadList();
  }
}

// --- live updates ------------------------------------------------------------------------------

/**
 * Server-Sent Events read with fetch(), so the token goes in the Authorization header as for
 * every other call (EventSource cannot send headers, and a token in the URL would end up in
 * logs and history). Reconnects after a drop while live is on.
 */
async function openStream() {
  closeStream();
  const controller = new AbortController();
  state.stream = controller;
  setLive('connecting');
  try {
    const res = await fetch('/v1/console/events', {
      headers: { authorization: `Bearer ${token()}`, accept: 'text/event-stream' },
      signal: controller.signal,
      cache: 'no-store',
    });
    if (res.status === 401) return signOut('Your token was not accepted; sign in again.');
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    setLive('on');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  } catch {
    // dropped or aborted: see below
  }
  if (state.stream === controller && !controller.signal.aborted) {
    setLive('reconnecting');
    setTimeout(() => state.stream === controller && openStream(), 2000);
  }
}

function closeStream() {
  if (state.stream) state.stream.abort();
  state.stream = null;
  setLive('paused');
}

function setLive(status) {
  document.body.dataset.live = status;
  $('#live-state').textContent = status === 'on' ? '● live' : status;
}

function dispatch(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (data.length === 0) return;
  const payload = JSON.parse(data.join('\n'));
  if (event === 'counts') renderCounts(payload);
  else if (event === 'health') renderHealth(payload);
  else if (event === 'onboarding') onRowChanged(payload);
}

function onRowChanged(row) {
  const index = state.rows.findIndex((r) => r.id === row.id);
  if (index >= 0) {
    if (matches(row, state.filter)) state.rows[index] = row;
    else state.rows.splice(index, 1);
  } else if (matches(row, state.filter)) {
    state.rows.unshift(row);
  }
  renderRows();
  if (state.detailId === row.id) void loadDetail(row.id);
}

// --- wiring ----------------------------------------------------------------------------------

$('#sign-in-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const value = $('#token').value.trim();
  $('#token').value = '';
  void signIn(value);
});
$('#sign-out').addEventListener('click', () => signOut());
$('#filters').addEventListener('submit', (e) => {
  e.preventDefault();
  void applyFilter();
});
$('#live').addEventListener('change', (e) => (e.target.checked ? openStream() : closeStream()));
$('#more').addEventListener('click', () => loadList(true));
$('#bulk-preview').addEventListener('click', () => previewBulk());
$('#bulk-confirm').addEventListener('click', () => confirmBulk());
window.addEventListener('hashchange', () => state.role && route());

if (token()) void signIn(token());
