// The operator console: queues, the conversation, the customer's context.
// Authenticated by the HttpOnly session cookie; every write carries the
// session's X-CSRF-Token (see docs/web.md).

import {
  t, el, api, errorText, attachFile, download, formatTime, formatDate, formatWait, formatSize,
  newMessageId, statusText, subjectText, MessageList, ReadMarks, unreadBadge,
} from './common.js';
import { Live } from './live.js';
import { showReports } from './reports.js';
import { showClaims } from './claims.js';
import { showCallbacks } from './callbacks.js';
import { showCannedReplies } from './canned.js';
import { showTeam } from './team.js';
import { showSla } from './sla.js';
import { showArticles } from './articles.js';
import { showTopics } from './topics.js';

const $ = (id) => document.getElementById(id);
const maxBytes = Number(document.body.dataset.maxBytes || 20971520);
const baseTitle = document.title;

const state = {
  csrf: null,
  me: null,
  departments: [],
  conversations: new Map(),
  canned: [],
  callbackDepartments: [],
  liveStats: null,
  tab: 'waiting',
  department: '',
  currentId: null,
  messages: new MessageList(),
  outbox: [],
  attachments: [],
  unseen: new Set(),
  live: null,
  typingTimer: null,
  reads: null,
};

const auth = async () => (state.csrf ? { 'x-csrf-token': state.csrf } : {});
const call = (path, options) => api(auth, path, options);

// ---- session ------------------------------------------------------------------

async function boot() {
  try {
    const session = await api(async () => ({}), '/console/session');
    state.csrf = session.csrf_token;
    state.me = session.operator;
    state.departments = session.departments;
    state.canned = session.canned_replies || [];
    state.callbackDepartments = session.callback_departments || [];
  } catch {
    return showLogin();
  }
  showApp();
}

function showLogin() {
  $('app').hidden = true;
  if (location.hash.startsWith('#invite=')) return showInvite(location.hash.slice('#invite='.length));
  $('login').hidden = false;
  $('email').focus();
}

/** An invited operator sets their password, then logs in. */
function showInvite(token) {
  $('invite').hidden = false;
  $('invite-password').focus();
  $('invite-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('invite-error').textContent = '';
    try {
      await api(async () => ({}), '/api/v1/auth/invite', {
        method: 'POST', body: { token, password: $('invite-password').value },
      });
    } catch (error) {
      $('invite-error').textContent = errorText(error);
      return;
    }
    // The token is used up: out of the address bar and the history.
    history.replaceState(null, '', location.pathname);
    $('invite').hidden = true;
    $('login-error').textContent = t('invite_done');
    $('login').hidden = false;
    $('email').focus();
  });
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('login-error').textContent = '';
  try {
    await api(async () => ({}), '/api/v1/auth/login', {
      method: 'POST', body: { email: $('email').value, password: $('password').value },
    });
  } catch {
    $('login-error').textContent = t('login_failed');
    return;
  }
  $('password').value = '';
  if ('Notification' in window && Notification.permission === 'default') Notification.requestPermission();
  boot();
});

$('logout').addEventListener('click', async () => {
  try { await call('/api/v1/auth/logout', { method: 'POST' }); } catch { /* gone already */ }
  state.live?.stop();
  location.reload();
});

async function showApp() {
  $('login').hidden = true;
  $('app').hidden = false;
  $('me').textContent = state.me.name;
  $('reports-button').hidden = !supervises();
  $('claims-button').hidden = !supervises();
  // Any operator of a department that calls back works the queue.
  $('callbacks-button').hidden = !state.me.departments.some((d) => state.callbackDepartments.includes(d));
  $('canned-button').hidden = !supervises();
  $('team-button').hidden = state.me.role !== 'admin';
  $('sla-button').hidden = !supervises();
  $('articles-button').hidden = !supervises();
  $('topics-button').hidden = !supervises();
  $('settings-menu').hidden = !supervises();
  const filter = $('department-filter');
  filter.replaceChildren(filter.firstElementChild, ...state.departments
    .filter((d) => state.me.departments.includes(d.id))
    .map((d) => el('option', { value: d.id }, d.name)));
  state.live = new Live({
    auth,
    cursorKey: 'hotline-console-cursor:' + state.me.id,
    onEvent,
    onResync: () => reload(),
    onState: (name) => {
      $('connection').textContent = name === 'online' ? '' : t('reconnecting');
      if (name === 'online') { reload(); flush(); }
      if (name === 'unauthorized') location.reload();
    },
  });
  await state.live.start();
  await reload();
  showPresence();
  loadLiveStats();
  setInterval(loadLiveStats, 15000);
}

const supervises = () => ['supervisor', 'admin'].includes(state.me.role);

/** Supervisors' views (claims, reports) take the conversation's place. */
function showInPane(draw) {
  $('settings-menu').open = false;
  state.currentId = null;
  state.reads = null;
  drawList();
  draw($('conversation'));
}

$('claims-button').addEventListener('click', () => showInPane((pane) => showClaims(pane, async (id) => {
  const known = state.conversations.get(id) || await call('/api/v1/conversations/' + encodeURIComponent(id)).catch(() => null);
  if (known) select(id, known);
})));

$('callbacks-button').addEventListener('click', () => showInPane((pane) => showCallbacks(pane, call, async (id) => {
  const known = state.conversations.get(id) || await call('/api/v1/conversations/' + encodeURIComponent(id)).catch(() => null);
  if (known) select(id, known);
})));

$('canned-button').addEventListener('click', () => showInPane((pane) => showCannedReplies(pane, call,
  state.departments.filter((d) => state.me.role === 'admin' || state.me.departments.includes(d.id)),
  (replies) => { state.canned = replies; })));

/** The canned replies as they are now: a supervisor may have just added one. */
async function refreshCanned() {
  try { state.canned = (await call('/api/v1/canned-replies')).canned_replies; } catch { /* keep what we have */ }
}

$('topics-button').addEventListener('click', () => showInPane((pane) => showTopics(pane, call, state.me.role === 'admin')));

$('articles-button').addEventListener('click', () => showInPane((pane) =>
  showArticles(pane, call, state.departments, state.me.role === 'admin')));

$('sla-button').addEventListener('click', () => showInPane((pane) => showSla(pane, call, state.me.role === 'admin')));

$('team-button').addEventListener('click', () => showInPane((pane) => showTeam(pane, call, state.departments, state.me)));

$('reports-button').addEventListener('click', () => showInPane((pane) =>
  showReports(pane, state.departments.filter((d) => state.me.departments.includes(d.id)))));

/** Supervisors: live numbers per department, when the server has them. */
async function loadLiveStats() {
  if (!supervises()) return;
  try { state.liveStats = await call('/api/v1/stats/live'); } catch { return; }
  $('stats').hidden = false;
  $('stats-list').replaceChildren(...state.liveStats.departments.map((d) => el('li', {},
    el('strong', {}, departmentName(d.department)), ': ',
    t('stats_line', {
      queue: d.queue_length, wait: Math.round((d.longest_wait_seconds || 0) / 60),
      online: d.operators_online, breaches: d.sla_breaches_today ?? 0,
    }))));
  const current = state.conversations.get(state.currentId);
  if (current && !$('assign')) drawHeader(current);
}

/** Presence, when the server has queues with automatic assignment. */
async function showPresence() {
  let status;
  try { status = await call('/api/v1/operators/me/presence'); } catch { return; }
  $('presence').value = status.presence;
  $('presence-box').hidden = false;
}

$('presence').addEventListener('change', async (e) => {
  try {
    const status = await call('/api/v1/operators/me/presence', { method: 'PUT', body: { presence: e.target.value } });
    e.target.value = status.presence;
  } catch (error) {
    $('connection').textContent = errorText(error);
  }
});

// ---- queues -------------------------------------------------------------------

async function reload() {
  const lists = await Promise.all(['bot', 'queued', 'assigned'].map((status) =>
    call(`/api/v1/conversations?status=${status}&limit=200`).then((r) => r.conversations).catch(() => [])));
  const open = new Set();
  for (const c of lists.flat()) {
    state.conversations.set(c.id, c);
    open.add(c.id);
  }
  for (const [id, c] of state.conversations) {
    if (!open.has(id) && c.status !== 'resolved') {
      // Closed while we were away: fetch it as it is now.
      call('/api/v1/conversations/' + encodeURIComponent(id)).then((fresh) => { forgetIfGone(fresh); }).catch(() => {});
    }
  }
  drawList();
  if (state.currentId) {
    const current = state.conversations.get(state.currentId);
    if (current) drawHeader(current);
    loadMessages();
    const reads = state.reads;
    call(`/api/v1/conversations/${encodeURIComponent(state.currentId)}/read`)
      .then((marks) => { reads?.apply(marks); drawMessages(); }).catch(() => {});
  }
}

function inTab(c, tab) {
  if (tab === 'waiting') return c.status === 'queued';
  if (tab === 'mine') return c.status === 'assigned' && c.assignee?.id === state.me.id;
  return c.status !== 'resolved';
}

function visible() {
  return [...state.conversations.values()]
    .filter((c) => !state.department || c.department === state.department);
}

function drawList() {
  const all = visible();
  for (const tab of ['waiting', 'mine', 'open']) {
    $('count-' + tab).textContent = all.filter((c) => inTab(c, tab)).length;
    $('tab-' + tab).setAttribute('aria-selected', String(state.tab === tab));
  }
  const list = $('conversation-list');
  if (state.search) {
    const found = state.search.results;
    list.replaceChildren(...(found.length
      ? found.map((c) => el('li', {}, conversationItem(c, c.matched_message)))
      : [el('li', { class: 'muted' }, t('search_nothing'))]));
    return;
  }
  const shown = all.filter((c) => inTab(c, state.tab))
    .sort((a, b) => (state.tab === 'waiting' ? a.updated_at.localeCompare(b.updated_at) : b.updated_at.localeCompare(a.updated_at)));
  if (!shown.length) {
    list.replaceChildren(el('li', { class: 'muted' }, t('empty_queue')));
    return;
  }
  list.replaceChildren(...shown.map((c) => el('li', {}, conversationItem(c, c.last_message))));
}

/** One conversation in a list, with `message` (its last, or the one a search found) under it. */
function conversationItem(c, message) {
  return el('button', {
    type: 'button',
    class: 'conversation-item' + (c.id === state.currentId ? ' current' : '') + (state.unseen.has(c.id) && !c.unread ? ' unseen' : ''),
    'aria-current': c.id === state.currentId ? 'true' : null,
    'data-id': c.id,
    onclick: () => select(c.id, c),
  },
  el('strong', {}, c.customer.name), guestMark(c), unreadBadge(c),
  el('span', { class: 'item-meta' }, departmentName(c.department), ' · ', subjectText(c.subject, state.departments)),
  messageLine(message),
  el('span', { class: 'item-meta' }, statusText(c.status),
    c.status === 'queued' ? [' · ', el('span', { class: 'wait', 'data-since': c.updated_at }, t('waiting_for', { time: formatWait(c.updated_at) }))] : null));
}

/** Searches as the operator types; an empty box brings the queues back. */
let searchTimer;
$('search').addEventListener('input', (e) => {
  clearTimeout(searchTimer);
  const query = e.target.value.trim();
  if (!query) { state.search = null; drawList(); return; }
  searchTimer = setTimeout(async () => {
    let found;
    try {
      found = await call('/api/v1/search/conversations?q=' + encodeURIComponent(query));
    } catch (error) {
      if (error?.code !== 'invalid_query') $('connection').textContent = errorText(error);
      return;
    }
    if ($('search').value.trim() !== query) return; // typed on meanwhile
    state.search = { query, results: found.conversations };
    drawList();
  }, 250);
});


/** A message, as stored (secrets masked), on one line. */
function messageLine(m) {
  if (!m) return null;
  const who = m.author.kind === 'customer' ? '' : t(m.internal ? 'preview_note' : 'preview_by', { name: m.author.name });
  const text = m.text || (m.attachments ? t('preview_attachment') : '');
  return el('span', { class: 'item-preview' + (m.internal ? ' internal' : '') }, who, text + (m.truncated ? '…' : ''));
}

/** A message event as the list's last message. */
function asLastMessage(data) {
  return { seq: data.seq, author: data.author, text: data.text, truncated: false,
    attachments: (data.attachments || []).length, internal: !!data.internal, created_at: data.created_at };
}

/** A guest of a social network (`telegram:<chat>`, `vk:<peer>`): its channel, not verified. */
function guestChannel(c) {
  const prefix = c.customer.id.split(':')[0];
  return c.customer.id.includes(':') && (prefix === 'telegram' || prefix === 'vk') ? prefix : null;
}

function guestMark(c) {
  const channel = guestChannel(c);
  return channel ? el('span', { class: 'channel-mark', 'data-channel': channel },
    t('channel_' + channel), ' · ', t('channel_unverified')) : null;
}

function departmentName(id) {
  return state.departments.find((d) => d.id === id)?.name || id;
}

// Waiting times move on their own.
setInterval(() => {
  for (const node of document.querySelectorAll('.wait[data-since]')) {
    node.textContent = t('waiting_for', { time: formatWait(node.dataset.since) });
  }
}, 15000);

for (const tab of document.querySelectorAll('[data-tab]')) {
  tab.addEventListener('click', () => { state.tab = tab.dataset.tab; drawList(); });
}
$('department-filter').addEventListener('change', (e) => { state.department = e.target.value; drawList(); });

// ---- one conversation ---------------------------------------------------------

async function select(id, known) {
  const previous = state.conversations.get(state.currentId);
  if (previous?.status === 'resolved' && previous.id !== id) state.conversations.delete(previous.id);
  if (!state.conversations.has(id) && known) state.conversations.set(id, known);
  state.currentId = id;
  state.messages = new MessageList();
  const readPath = `/api/v1/conversations/${encodeURIComponent(id)}/read`;
  const reads = new ReadMarks(false, 'li.msg.customer[data-seq]', async (seq) => {
    const marks = await call(readPath, { method: 'POST', body: { seq } });
    readUpTo(id, marks.my_read_seq);
    return marks;
  });
  state.reads = reads;
  call(readPath).then((marks) => { reads.apply(marks); if (state.reads === reads) drawMessages(); }).catch(() => {});
  state.attachments = [];
  state.unseen.delete(id);
  updateBadge();
  const c = state.conversations.get(id);
  drawList();
  await refreshCanned();
  if (state.currentId !== id) return;
  drawConversation(c);
  drawContext(c);
  await loadMessages();
}

/** This operator has read `id` up to `seq`: its unread count goes when nothing is left after. */
function readUpTo(id, seq) {
  const c = state.conversations.get(id);
  if (c && c.unread && seq >= c.last_seq) { c.unread = 0; drawList(); }
}

async function loadMessages() {
  const id = state.currentId;
  for (;;) {
    const after = state.messages.contiguousSeq;
    let page;
    try {
      page = await call(`/api/v1/conversations/${encodeURIComponent(id)}/messages?after_seq=${after}&limit=500`);
    } catch { return; }
    if (state.currentId !== id) return;
    page.messages.forEach((m) => state.messages.add(m));
    if (page.messages.length < 500 || state.messages.contiguousSeq === after) break;
  }
  drawMessages();
}

function drawConversation(c) {
  const reply = el('textarea', { id: 'reply', rows: 3, maxlength: 10000 });
  reply.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send(); }
  });
  reply.addEventListener('input', () => state.live?.typing(c.id));
  const note = el('input', { type: 'checkbox', id: 'note' });
  note.addEventListener('change', () => $('reply-form').classList.toggle('note', note.checked));
  const fileInput = el('input', { type: 'file', id: 'file', class: 'visually-hidden', 'aria-label': t('attach'), multiple: true });
  fileInput.addEventListener('change', () => { [...fileInput.files].forEach(attach); fileInput.value = ''; });
  const canned = state.canned.filter((r) => r.department === c.department);
  const cannedSelect = canned.length ? el('select', { id: 'canned', 'aria-label': t('canned') },
    el('option', { value: '' }, t('canned_pick')),
    canned.map((r, i) => el('option', { value: String(i) }, r.title))) : null;
  cannedSelect?.addEventListener('change', () => {
    const chosen = canned[Number(cannedSelect.value)];
    cannedSelect.value = '';
    if (!chosen) return;
    reply.value = fillPlaceholders(chosen.text, state.conversations.get(c.id) || c);
    reply.focus();
  });
  $('conversation').replaceChildren(
    el('header', { class: 'conversation-header', id: 'conversation-header' }),
    el('ol', { id: 'log', class: 'log', 'aria-live': 'polite', 'aria-label': t('conversation'), onscroll: markRead }),
    el('p', { id: 'typing', class: 'typing', 'aria-live': 'polite' }),
    el('form', { id: 'reply-form', class: 'reply', onsubmit: (e) => { e.preventDefault(); send(); } },
      el('div', { class: 'reply-top' }, el('label', { for: 'reply' }, t('reply')), cannedSelect),
      reply,
      el('div', { id: 'uploads', class: 'uploads' }),
      el('div', { class: 'reply-actions' },
        el('label', { class: 'note-toggle' }, note, ' ', t('internal_note')),
        el('label', { class: 'clip', for: 'file' }, el('span', { class: 'clip-icon' }), ' ', t('attach')),
        fileInput,
        el('button', { type: 'submit', class: 'primary' }, t('send')))));
  drawHeader(c);
}

/** A canned reply with the conversation's facts in its placeholders. */
function fillPlaceholders(text, c) {
  const values = {
    'customer.name': c.customer.name,
    'order.id': c.subject.kind === 'order' ? c.subject.order_id : '',
    'operator.name': state.me.name,
  };
  return text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, name) => values[name] ?? whole);
}

function drawHeader(c) {
  const header = $('conversation-header');
  if (!header || !c) return;
  const mine = c.status === 'assigned' && c.assignee?.id === state.me.id;
  header.replaceChildren(
    el('div', {},
      el('h2', {}, c.customer.name, guestMark(c)),
      el('p', { class: 'muted' }, departmentName(c.department), ' · ', subjectText(c.subject, state.departments), ' · ',
        statusText(c.status), ' · ', t('assignee', { name: c.assignee?.name || t('nobody') })),
      c.rating ? el('p', { id: 'customer-rating', class: 'customer-rating' },
        t('customer_rating', { score: c.rating.score }), c.rating.comment ? ` — «${c.rating.comment}»` : '') : null),
    el('div', { class: 'actions' },
      c.status !== 'resolved' && !mine ? el('button', { type: 'button', id: 'take', class: 'primary', onclick: take }, t('take')) : null,
      c.status !== 'resolved' ? el('button', { type: 'button', id: 'resolve', class: 'secondary', onclick: resolve }, t('resolve')) : null,
      c.status === 'resolved' ? el('button', { type: 'button', class: 'secondary', onclick: reopen }, t('reopen')) : null,
      c.status !== 'resolved' ? transferSelect(c) : null,
      c.status !== 'resolved' ? assignSelect(c) : null));
}

/** Supervisors give the conversation to an operator of its department. */
function assignSelect(c) {
  if (!supervises() || !state.liveStats) return null;
  const operators = state.liveStats.departments.find((d) => d.department === c.department)?.operators || [];
  const others = operators.filter((o) => o.operator_id !== c.assignee?.id);
  if (!others.length) return null;
  const select = el('select', { id: 'assign', 'aria-label': t('assign_to') },
    el('option', { value: '' }, t('assign_pick')),
    others.map((o) => el('option', { value: o.operator_id }, `${o.name} (${t('presence_' + o.presence)})`)));
  select.addEventListener('change', async () => {
    if (!select.value) return;
    try {
      const assigned = await call(`/api/v1/conversations/${encodeURIComponent(c.id)}/assign`, { method: 'POST', body: { operator_id: select.value } });
      forgetIfGone(assigned);
    } catch (error) {
      select.value = '';
      $('typing').textContent = errorText(error);
    }
  });
  return select;
}

/** Moves the conversation to another department, history and all. */
function transferSelect(c) {
  const others = state.departments.filter((d) => d.id !== c.department);
  if (!others.length) return null;
  const select = el('select', { id: 'transfer', 'aria-label': t('transfer') },
    el('option', { value: '' }, t('transfer_pick')),
    others.map((d) => el('option', { value: d.id }, d.name)));
  select.addEventListener('change', async () => {
    const department = select.value;
    if (!department) return;
    try {
      const moved = await call(`/api/v1/conversations/${encodeURIComponent(c.id)}/transfer`, { method: 'POST', body: { department } });
      forgetIfGone(moved);
    } catch (error) {
      select.value = '';
      $('typing').textContent = errorText(error);
    }
  });
  return select;
}

/**
 * Keeps a conversation only while it is in one of our departments and, in a
 * console open all shift, only while it is open or on screen: resolved ones
 * are fetched again when opened from the customer's history.
 */
function forgetIfGone(c) {
  const ours = state.me.departments.includes(c.department);
  if (ours && (c.status !== 'resolved' || c.id === state.currentId)) {
    state.conversations.set(c.id, c);
    if (c.id === state.currentId) drawHeader(c);
  } else {
    state.conversations.delete(c.id);
    state.unseen.delete(c.id);
    updateBadge();
    if (!ours && c.id === state.currentId) {
      state.currentId = null;
      state.reads = null;
      $('conversation').replaceChildren(el('p', { class: 'muted placeholder' }, t('pick_conversation')));
      $('context').replaceChildren();
    }
  }
  drawList();
}

/** Marks as read what the operator has on screen. */
function markRead() {
  if (state.currentId && state.reads) state.reads.update($('log'), state.messages.contiguousSeq);
}

/** Whether the customer has read this reply. */
function deliveryOf(m) {
  if (m.pending) return m.failed ? 'failed' : 'sending';
  if (m.internal || m.author.kind === 'customer') return null;
  return m.seq <= (state.reads?.theirs || 0) ? 'read' : 'sent';
}

function drawMessages() {
  const log = $('log');
  if (!log) return;
  const pending = state.outbox.filter((e) => e.conversation_id === state.currentId);
  pending.forEach((e) => state.messages.addPending(e));
  log.replaceChildren(...state.messages.all().map((m) => {
    const kind = m.pending ? 'operator' : m.author.kind;
    const delivery = deliveryOf(m);
    return el('li', { class: `msg ${kind}${m.internal ? ' internal' : ''}`, 'data-seq': m.seq },
      el('div', { class: 'meta' },
        el('span', { class: 'author' }, m.pending ? state.me.name : m.author.name), ' ',
        el('time', { datetime: m.created_at || '' }, m.created_at ? formatTime(m.created_at) : ''),
        m.internal ? el('span', { class: 'badge' }, t('note_badge')) : null,
        delivery ? el('span', { class: 'delivery', 'data-state': delivery }, t('state_' + delivery)) : null),
      el('p', { class: 'text' }, m.text),
      m.redactions?.length ? el('p', { class: 'muted' }, t('redacted')) : null,
      (m.attachments || []).length ? el('ul', { class: 'files' }, m.attachments.map((a) => el('li', {},
        el('button', { type: 'button', class: 'link', onclick: () => download({}, a) }, el('span', { class: 'clip-icon' }), ' ', a.name, ' (', formatSize(a.size), ')')))) : null);
  }));
  log.scrollTop = log.scrollHeight;
  markRead();
}

async function drawContext(c) {
  const context = $('context');
  const facts = el('dl', { id: 'customer-facts', class: 'facts' },
    el('dt', {}, t('customer')), el('dd', {}, c.customer.name, ' (', c.customer.id, ')'));
  const orders = el('div', { id: 'customer-orders' });
  const earlier = el('div', { id: 'customer-earlier' });
  context.replaceChildren(
    el('h2', {}, t('customer')), facts,
    el('h3', {}, t('customer_orders')), orders,
    el('h3', {}, t('customer_earlier')), earlier);
  let known = null;
  try { known = await call(`/api/v1/conversations/${encodeURIComponent(c.id)}/customer`); } catch { /* keep the basics */ }
  if (state.currentId !== c.id) return;
  for (const chat of known?.channels || []) {
    facts.append(el('dt', {}, t('channel')), el('dd', { class: 'channel-fact', 'data-channel': chat.channel },
      t('channel_' + chat.channel), ' · ', t(chat.verified ? 'channel_verified' : 'channel_unverified')));
  }
  const subjectOrder = c.subject.kind === 'order' ? c.subject.order_id : null;
  const list = [...(known?.context?.orders || [])];
  // An order the customer's data does not list: say so, do not pass it off as theirs.
  if (subjectOrder && !list.some((o) => o.id === subjectOrder)) {
    list.unshift({ id: subjectOrder, problem: known?.context ? t('order_unknown') : t('order_no_details') });
  }
  orders.replaceChildren(list.length ? el('ul', { class: 'orders' }, list.map((o) => el('li', {
    class: [o.id === subjectOrder ? 'current' : '', o.problem ? 'unknown' : ''].join(' ').trim() || null },
  el('strong', {}, t('order_no', { id: o.id })), o.title ? [' ', o.title] : null,
  o.date ? el('span', { class: 'item-meta' }, o.date, ' · ', o.status) : null,
  o.problem ? el('span', { class: 'order-problem', role: 'note' }, o.problem) : null))) : el('p', { class: 'muted' }, '—'));
  const stated = known?.context;
  if (stated?.phone) facts.append(el('dt', {}, t('phone_verified')), el('dd', {}, stated.phone));
  if (stated?.email) facts.append(el('dt', {}, t('email')), el('dd', {}, stated.email));
  if (stated?.strong_auth) facts.append(el('dt', {}, t('strong_auth')), el('dd', {}, (stated.amr || []).join(', ')));
  const others = known?.earlier || [...state.conversations.values()].filter((x) => x.customer.id === c.customer.id && x.id !== c.id);
  earlier.replaceChildren(others.length ? el('ul', { class: 'earlier' }, others.map((x) => el('li', {},
    el('button', { type: 'button', class: 'link', onclick: () => select(x.id, x) },
      departmentName(x.department), ' · ', subjectText(x.subject, state.departments), ' · ', statusText(x.status), ' · ', formatDate(x.created_at)))))
    : el('p', { class: 'muted' }, t('no_earlier')));
}

async function lifecycle(action) {
  const id = state.currentId;
  try {
    const c = await call(`/api/v1/conversations/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
    state.conversations.set(c.id, c);
    drawList();
    drawHeader(c);
  } catch (error) {
    $('typing').textContent = errorText(error);
  }
}
const take = async () => {
  await lifecycle('assign');
  state.tab = 'mine';
  drawList();
};
const resolve = () => lifecycle('resolve');
const reopen = () => lifecycle('reopen');

function attach(file) {
  attachFile({ file, box: $('uploads'), headers: { 'x-csrf-token': state.csrf }, maxBytes, pending: state.attachments });
}

function send() {
  const reply = $('reply');
  const ready = state.attachments.filter((a) => a.id);
  let text = reply.value.trim();
  if (!text && !ready.length) return;
  if (!text) text = ready.map((a) => a.file.name).join('\n');
  const internal = $('note').checked;
  state.outbox.push({
    conversation_id: state.currentId, client_msg_id: newMessageId(), text, internal,
    attachment_ids: ready.map((a) => a.id), pending: true,
    attachments: ready.map((a) => ({ id: a.id, name: a.file.name, size: a.file.size })),
  });
  reply.value = '';
  // Files still uploading stay for the next message.
  for (const a of ready) state.attachments.splice(state.attachments.indexOf(a), 1);
  $('uploads').querySelectorAll('.ready, .error').forEach((n) => n.remove());
  drawMessages();
  flush();
}

let flushing = false;
async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    while (state.outbox.length) {
      const entry = state.outbox[0];
      try {
        const message = await call(`/api/v1/conversations/${encodeURIComponent(entry.conversation_id)}/messages`, { method: 'POST', body: {
          text: entry.text, client_msg_id: entry.client_msg_id, internal: entry.internal, attachment_ids: entry.attachment_ids,
        } });
        state.outbox.shift();
        if (entry.conversation_id === state.currentId) state.messages.add(message);
      } catch (error) {
        if (error.status === 0 || error.status >= 500) { entry.failed = true; break; }
        state.outbox.shift();
        state.messages.pending.delete(entry.client_msg_id);
        $('typing').textContent = errorText(error);
      }
    }
  } finally {
    flushing = false;
    drawMessages();
  }
}

// ---- live ----------------------------------------------------------------------

function onEvent(frame) {
  const data = frame.data || {};
  // The call-back queue on screen follows orders and calls as they happen.
  if (frame.type.startsWith('callback.')) {
    document.getElementById('callbacks-table')?.dispatchEvent(new Event('refresh'));
    return;
  }
  if (frame.type === 'typing') {
    if (data.conversation_id === state.currentId && data.author?.kind === 'customer') {
      $('typing').textContent = t('typing', { name: data.author.name });
      clearTimeout(state.typingTimer);
      state.typingTimer = setTimeout(() => { $('typing').textContent = ''; }, 4000);
    }
    return;
  }
  if (frame.type === 'message.created') {
    const c = state.conversations.get(data.conversation_id);
    if (c) {
      c.updated_at = data.created_at;
      c.last_seq = Math.max(c.last_seq, data.seq);
      if (!c.last_message || data.seq > c.last_message.seq) c.last_message = asLastMessage(data);
      if (data.author?.kind === 'customer' && data.conversation_id !== state.currentId) c.unread = (c.unread || 0) + 1;
    }
    if (data.conversation_id === state.currentId) {
      const gap = data.seq > state.messages.lastSeq + 1;
      if (state.messages.add(data)) drawMessages();
      if (gap) loadMessages();
      drawList();
    } else if (data.author?.kind === 'customer') {
      // Also for a resolved one we no longer keep: the customer reopens it.
      state.unseen.add(data.conversation_id);
      updateBadge();
      drawList();
    }
    return;
  }
  if (frame.type === 'messages.read') {
    if (data.conversation_id === state.currentId && state.reads?.heard(data)) drawMessages();
    return;
  }
  if (frame.type === 'conversation.created' || frame.type === 'conversation.updated') {
    const isNew = !state.conversations.has(data.id);
    forgetIfGone(data);
    if (frame.type === 'conversation.created' && isNew) announce(data);
  }
}

function announce(c) {
  state.unseen.add(c.id);
  updateBadge();
  if ('Notification' in window && Notification.permission === 'granted' && document.hidden) {
    const notice = new Notification(t('new_conversation_notice', { name: c.customer.name }), { tag: c.id });
    notice.onclick = () => { window.focus(); select(c.id); };
  }
}

function updateBadge() {
  const count = state.unseen.size;
  document.title = count ? `(${count}) ${baseTitle}` : baseTitle;
}

// ---- keyboard ------------------------------------------------------------------

document.addEventListener('keydown', (e) => {
  if (!e.altKey || $('app').hidden) return;
  const key = e.key.toLowerCase();
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    const items = [...document.querySelectorAll('.conversation-item')];
    const index = items.findIndex((b) => b.dataset.id === state.currentId);
    const next = items[e.key === 'ArrowDown' ? index + 1 : Math.max(0, index - 1)] || items[0];
    if (next) { e.preventDefault(); select(next.dataset.id); next.focus(); }
  } else if (key === 't' && $('take')) { e.preventDefault(); take(); }
  else if (key === 'r' && $('resolve')) { e.preventDefault(); resolve(); }
  else if (key === 'n' && $('note')) { e.preventDefault(); $('note').click(); $('reply').focus(); }
});

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && state.currentId) { state.unseen.delete(state.currentId); updateBadge(); }
  markRead();
});

boot();
