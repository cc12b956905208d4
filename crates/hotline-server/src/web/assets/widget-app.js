// The chat inside the widget frame: service → order/topic → conversation,
// live over the event WebSocket, every message shown once (by seq), sends
// that survive going offline (retried with the same client_msg_id).

import {
  t, el, api, errorText, attachFile, safeUrl, download, saveAs, formatTime, formatDate, formatSize,
  newMessageId, statusText, subjectText, MessageList, ReadMarks, unreadBadge,
} from './common.js';
import { Live } from './live.js';

const body = document.body;
const view = document.getElementById('view');
const titleEl = document.getElementById('title');
const backButton = document.getElementById('back');
const connectionEl = document.getElementById('connection');
const maxBytes = Number(body.dataset.maxBytes || 20971520);
const allowedOrigins = new Set([location.origin, ...(body.dataset.allowedOrigins || '').split(' ').filter(Boolean)]);
const STRONG_METHODS = ['otp', 'pin', 'sms', 'mfa', 'hwk', 'swk', 'face', 'fpt'];
const STEP_UP_SECONDS = 15 * 60;

const state = {
  token: null,
  claims: null,
  parentOrigin: null,
  departments: [],
  conversations: [],
  current: null,
  messages: new MessageList(),
  draft: null,
  attachments: [],
  live: null,
  tokenWaiters: [],
  typingTimer: null,
  // Read marks of the open conversation; the frame is shown (not just loaded).
  reads: null,
  frameOpen: false,
};

// ---- the token, from the embedding page --------------------------------

window.addEventListener('message', (event) => {
  if (event.source !== window.parent || !allowedOrigins.has(event.origin)) return;
  const data = event.data || {};
  if (data.type === 'hotline:visible') {
    state.frameOpen = data.open === true;
    markRead();
    return;
  }
  if (data.type !== 'hotline:token') return;
  state.parentOrigin = event.origin;
  const token = typeof data.token === 'string' && data.token ? data.token : null;
  const customerChanged = decodeClaims(token)?.sub !== state.claims?.sub;
  state.token = token;
  state.claims = decodeClaims(token);
  state.tokenWaiters.splice(0).forEach((resolve) => resolve(token));
  // Operators see the customer's orders and login facts from each new token.
  if (token) api(auth, '/api/v1/customer/context', { method: 'POST' }).catch(() => {});
  if (customerChanged || !state.live) start();
  if (token && typeof data.link === 'string') linkChat(data.link);
});

/** Links the social chat that sent the customer here, once per code. */
async function linkChat(code) {
  if (state.linkedCodes?.has(code)) return;
  (state.linkedCodes ||= new Set()).add(code);
  let text = t('chat_linked');
  try {
    await api(auth, '/api/v1/channels/link', { method: 'POST', body: { code } });
  } catch {
    text = t('chat_link_failed');
  }
  connectionEl.hidden = false;
  connectionEl.textContent = text;
}

function askParent(type) {
  if (window.parent !== window) window.parent.postMessage({ type }, state.parentOrigin || '*');
}

document.getElementById('close').addEventListener('click', () => askParent('hotline:close'));
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') askParent('hotline:close');
});
backButton.addEventListener('click', () => showHome());

/** The token's claims, for display only: the server verifies the token. */
function decodeClaims(token) {
  if (!token) return null;
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0)));
    return JSON.parse(json);
  } catch {
    return null;
  }
}

function freshToken() {
  return new Promise((resolve) => {
    state.tokenWaiters.push(resolve);
    askParent('hotline:token-request');
    setTimeout(() => resolve(state.token), 5000);
  });
}

const auth = async () => (state.token ? { authorization: 'Bearer ' + state.token } : {});

/** The API with one retry after asking the page for a fresh token. */
async function call(path, options) {
  try {
    return await api(auth, path, options);
  } catch (error) {
    if (error.status === 401 && (await freshToken())) return api(auth, path, options);
    throw error;
  }
}

// ---- start ------------------------------------------------------------

async function start() {
  state.live?.stop();
  state.live = null;
  state.current = null;
  if (!state.token) return showNoToken();
  try {
    state.departments = (await call('/api/v1/departments')).departments;
  } catch {
    return showError();
  }
  state.live = new Live({
    auth,
    cursorKey: 'hotline-cursor:' + state.claims?.sub,
    onEvent,
    onResync: () => refresh(),
    onState: connectionState,
  });
  showHome();
  state.live.start();
}

function connectionState(stateName, error) {
  if (stateName === 'online') {
    connectionEl.hidden = true;
    flushOutbox();
    refresh();
  } else if (stateName === 'offline') {
    connectionEl.hidden = false;
    connectionEl.textContent = navigator.onLine ? t('reconnecting') : t('offline');
  } else if (stateName === 'unauthorized' && error) {
    freshToken();
  }
}

window.addEventListener('online', () => flushOutbox());

function setHeader(title, canGoBack) {
  titleEl.textContent = title;
  backButton.hidden = !canGoBack;
}

function render(...children) {
  view.replaceChildren(...children);
}

function showNoToken() {
  setHeader(t('widget_title'), false);
  render(el('section', { class: 'notice' },
    el('h2', {}, t('no_token_title')),
    el('p', {}, t('no_token_text')),
    el('p', {}, el('a', { href: '/help', target: '_blank', rel: 'noopener' }, t('help_center'))),
    el('p', { id: 'other-channels', class: 'muted', hidden: true })));
  showChannels();
}

/** The social networks a guest can write to, as links: only those enabled. */
async function showChannels() {
  let channels = [];
  try {
    channels = (await fetch('/api/v1/channels').then((r) => r.json())).channels || [];
  } catch {
    return;
  }
  const line = document.getElementById('other-channels');
  if (!line || !channels.length) return;
  const links = channels.flatMap((c, i) => [i ? ', ' : '',
    el('a', { href: safeUrl(c.url, '#'), target: '_blank', rel: 'noopener', class: 'channel-link', 'data-channel': c.channel }, c.name)]);
  line.replaceChildren(t('other_channels'), ' ', ...links, '.');
  line.hidden = false;
}

function showError() {
  render(el('p', { class: 'error', role: 'alert' }, t('error_generic')));
}

// ---- home: earlier conversations and a new one ------------------------------

function departmentName(id) {
  return state.departments.find((d) => d.id === id)?.name || id;
}

/** The takeover report's queue is not one of the services a customer picks. */
function isTakeover(conversation) {
  return conversation.subject?.kind === 'topic' && conversation.subject.topic === TAKEOVER_TOPIC;
}

function conversationDepartment(conversation) {
  return isTakeover(conversation) ? t('security_team') : departmentName(conversation.department);
}

function conversationSubject(conversation) {
  return isTakeover(conversation) ? t('takeover_subject') : subjectText(conversation.subject, state.departments);
}

async function loadConversations() {
  try {
    state.conversations = (await call('/api/v1/conversations?limit=50')).conversations;
  } catch { /* keep what we have */ }
}

async function showHome() {
  state.current = null;
  state.draft = null;
  setHeader(t('widget_title'), false);
  render(
    el('button', { type: 'button', class: 'primary wide', onclick: showServices }, t('new_conversation')),
    el('h2', {}, t('earlier')),
    el('div', { id: 'earlier' }),
    el('button', { type: 'button', id: 'takeover', class: 'danger wide', onclick: reportTakeover }, t('takeover_button')));
  await loadConversations();
  drawEarlier();
}

/** The earlier conversations on the home view, when it is shown. */
function drawEarlier() {
  const target = document.getElementById('earlier');
  if (!target) return;
  target.replaceChildren(state.conversations.length
    ? el('ul', { class: 'cards' }, state.conversations.map((c) => el('li', {},
      el('button', { type: 'button', class: 'card', 'data-conversation': c.id, onclick: () => openConversation(c.id) },
        el('strong', {}, conversationDepartment(c)), ' · ', conversationSubject(c), unreadBadge(c),
        c.last_message && !c.last_message.internal
          ? el('span', { class: 'card-preview' }, c.last_message.text + (c.last_message.truncated ? '…' : ''))
          : null,
        el('span', { class: 'card-meta' }, statusText(c.status), ' · ', formatDate(c.updated_at))))))
    : el('p', { class: 'muted' }, t('no_earlier')));
}

function showServices() {
  setHeader(t('pick_service'), true);
  render(el('ul', { class: 'choices' }, state.departments.map((d) => el('li', {},
    el('button', { type: 'button', class: 'choice', onclick: () => pickService(d) }, d.name)))));
}

function needsStepUp(department) {
  return department.step_up ?? department.id === 'bank';
}

function hasRecentStrongLogin() {
  const claims = state.claims || {};
  const strong = (claims.amr || []).some((m) => STRONG_METHODS.includes(m));
  const age = Date.now() / 1000 - (claims.auth_time || 0);
  return strong && age <= STEP_UP_SECONDS;
}

function showStepUp(department) {
  setHeader(department.name, true);
  render(el('section', { class: 'notice', role: 'alert' },
    el('h2', {}, t('step_up_title')),
    el('p', {}, t('step_up_text'))));
}

function pickService(department) {
  if (needsStepUp(department) && !hasRecentStrongLogin()) return showStepUp(department);
  setHeader(department.name, true);
  const orders = (state.claims?.orders || []).filter((o) => o.department === department.id);
  const sections = [];
  if (orders.length) {
    sections.push(el('h2', {}, t('orders')), el('ul', { class: 'choices' }, orders.map((o) => el('li', {},
      el('button', { type: 'button', class: 'choice order', onclick: () => compose(department, { order: o }) },
        el('strong', {}, t('order_no', { id: o.id })), ' ', o.title,
        el('span', { class: 'card-meta' }, formatDate(o.date), ' · ', o.status))))));
  }
  if (department.topics?.length) {
    sections.push(el('h2', {}, t('topics')), el('ul', { class: 'choices topics' }, department.topics.map((topic) => el('li', {},
      el('button', { type: 'button', class: 'choice', onclick: () => compose(department, { topic }) }, topic.name)))));
  }
  sections.push(el('button', { type: 'button', class: 'choice general', onclick: () => compose(department, {}) }, t('not_about_order')));
  render(el('h2', { class: 'visually-hidden' }, t('pick_subject')), ...sections);
}

// ---- the conversation --------------------------------------------------

/** A new conversation: nothing is created until the first message. */
function compose(department, { order, topic }) {
  state.current = null;
  state.reads = null;
  state.messages = new MessageList();
  state.draft = { department: department.id, order_id: order?.id, topic: topic?.id };
  const subject = order ? `${t('order_no', { id: order.id })} ${order.title}` : topic ? topic.name : t('not_about_order');
  setHeader(department.name, true);
  renderConversation(subject);
  view.querySelector('.log-empty').textContent = t('first_message_hint');
}

// ---- «Подать претензию» ---------------------------------------------------------

/** The types a customer of this department files; the law's table has them all. */
const CLAIM_TYPES = {
  bank: ['bank_complaint', 'disputed_transfer', 'personal_data'],
  default: ['refund', 'price_reduction', 'replacement', 'repair', 'service_defect', 'damages', 'personal_data'],
};

/** A formal claim in the open conversation: type, order, amount, demand, text. */
function showClaimForm() {
  const conversation = state.current;
  if (!conversation) return;
  setHeader(t('claim_title'), true);
  const types = CLAIM_TYPES[conversation.department] || CLAIM_TYPES.default;
  const orders = (state.claims?.orders || []).filter((o) => o.department === conversation.department);
  const preset = conversation.subject?.kind === 'order' ? conversation.subject.order_id : '';
  const field = (id, label, control) => el('div', { class: 'field' }, el('label', { for: id }, label), control);
  const type = el('select', { id: 'claim-type', required: true },
    types.map((k) => el('option', { value: k }, t('claim_type_' + k))));
  const order = el('select', { id: 'claim-order' },
    el('option', { value: '' }, t('claim_no_order')),
    orders.map((o) => el('option', { value: o.id, selected: o.id === preset }, `${t('order_no', { id: o.id })} ${o.title}`)));
  const amount = el('input', { id: 'claim-amount', inputmode: 'decimal', pattern: '[0-9]+([.,][0-9]{1,2})?', placeholder: '1299.00' });
  const demand = el('textarea', { id: 'claim-demand', rows: 2, required: true, maxlength: 2000 });
  const text = el('textarea', { id: 'claim-text', rows: 4, required: true, maxlength: 10000 });
  const error = el('p', { class: 'error', role: 'alert' });
  const clientMsgId = newMessageId();
  const submit = el('button', { type: 'submit', class: 'primary' }, t('claim_send'));
  render(el('form', { class: 'claim-form', onsubmit: async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    const value = amount.value.trim().replace(',', '.');
    try {
      const claim = await call(`/api/v1/conversations/${encodeURIComponent(conversation.id)}/claims`, {
        method: 'POST',
        body: {
          type: type.value, order_id: order.value || null, demand: demand.value.trim(), text: text.value.trim(),
          amount: value ? { value: Number(value).toFixed(2), currency: 'RUB' } : null, client_msg_id: clientMsgId,
        },
      });
      showClaimFiled(conversation.id, claim);
    } catch (err) {
      submit.disabled = false;
      error.textContent = errorText(err);
    }
  } },
  el('p', { class: 'muted' }, t('claim_intro')),
  field('claim-type', t('claim_type'), type),
  field('claim-order', t('claim_order'), order),
  field('claim-amount', t('claim_amount'), amount),
  field('claim-demand', t('claim_demand'), demand),
  field('claim-text', t('claim_text'), text),
  error, submit));
}

/** The claim's number and the last day of the answer, then back to the chat. */
function showClaimFiled(conversationId, claim) {
  const due = new Date(claim.due_date + 'T12:00:00').toLocaleDateString(document.documentElement.lang || 'ru');
  render(el('section', { class: 'notice claim-filed', role: 'status' },
    el('h2', {}, t('claim_filed', { number: claim.number })),
    el('p', {}, t('claim_due', { date: due })),
    el('p', { class: 'muted' }, claim.legal_basis),
    dossierButton(`/api/v1/claims/${encodeURIComponent(claim.id)}/dossier`),
    el('button', { type: 'button', class: 'link', onclick: () => showWhereNext(conversationId) }, t('where_next')),
    el('button', { type: 'button', class: 'primary wide', onclick: () => openConversation(conversationId) }, t('claim_back'))));
}

/** «Скачать для регулятора»: the ZIP of `path` (a claim's or a conversation's), saved under the server's name. */
function dossierButton(path, attrs = {}) {
  const button = el('button', { type: 'button', class: 'link dossier-button', ...attrs, onclick: async () => {
    button.disabled = true;
    const shown = button.nextElementSibling;
    if (shown?.classList.contains('dossier-error')) shown.remove();
    try {
      const get = async () => fetch(path, { headers: await auth(), credentials: 'same-origin' });
      let response = await get();
      if (response.status === 401 && (await freshToken())) response = await get();
      if (!response.ok) throw new Error(String(response.status));
      const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') || '')?.[1] || 'dossier.zip';
      saveAs(await response.blob(), name);
    } catch {
      button.after(el('p', { class: 'error dossier-error', role: 'alert' }, t('dossier_failed')));
    } finally {
      button.disabled = false;
    }
  } }, t('dossier_download'));
  return button;
}

/** Where a customer turns when the company does not answer: each regulator with its period and what it asks for. */
function showWhereNext(conversationId) {
  setHeader(t('where_next'), true);
  const place = (key) => el('section', { class: 'where-next', 'aria-labelledby': `where-${key}` },
    el('h3', { id: `where-${key}` }, t(`where_${key}_title`)),
    el('p', {}, t(`where_${key}_text`)));
  render(el('section', { class: 'notice where-next-page', 'aria-labelledby': 'where-next-title' },
    el('h2', { id: 'where-next-title' }, t('where_next')),
    el('p', {}, t('where_next_intro')),
    dossierButton(`/api/v1/conversations/${encodeURIComponent(conversationId)}/dossier`),
    place('rpn'), place('cbr'), place('ombudsman'),
    el('p', { class: 'muted' }, t('where_next_note')),
    el('button', { type: 'button', class: 'primary wide', onclick: () => openConversation(conversationId) }, t('claim_back'))));
}

/** Under a conversation that has claims: its dossier and where to go next. */
async function showClaimActions(conversation) {
  let listed;
  try {
    listed = await call(`/api/v1/conversations/${encodeURIComponent(conversation.id)}/claims`);
  } catch {
    return;
  }
  const place = document.getElementById('claim-actions');
  if (!place || state.current?.id !== conversation.id || !listed.claims.length) return;
  place.replaceChildren(
    dossierButton(`/api/v1/conversations/${encodeURIComponent(conversation.id)}/dossier`, { id: 'dossier-button' }),
    el('button', { type: 'button', class: 'link', onclick: () => showWhereNext(conversation.id) }, t('where_next')));
  place.hidden = false;
}

// ---- «Заказать звонок» --------------------------------------------------------

// Kept until the order is acknowledged, so a retry after a lost answer
// gives the same call-back.
const CALLBACK_KEY = (conversationId, bookingId) => `hotline-callback:${conversationId}:${bookingId}`;

function clockTime(at) {
  return new Date(at).toLocaleTimeString(document.documentElement.lang || 'ru', { hour: '2-digit', minute: '2-digit' });
}

/** A travel conversation: order a call-back about a booking, or read why not. */
async function showCallback(conversation) {
  let options;
  try {
    options = await call(`/api/v1/conversations/${encodeURIComponent(conversation.id)}/callback`);
  } catch {
    return;
  }
  const box = document.getElementById('callback');
  if (!box || state.current?.id !== conversation.id || !options.offered) return;
  const parts = [el('h2', { id: 'callback-title' }, t('callback_title'))];
  const waiting = options.callbacks.find((c) => c.status === 'waiting');
  if (waiting) {
    parts.push(el('p', { id: 'callback-status', class: 'callback-status', role: 'status' },
      t('callback_waiting', { booking: waiting.booking_id, phone: waiting.phone, time: clockTime(waiting.due_at) })));
  } else if (!options.bookings.length) {
    parts.push(el('p', { class: 'callback-explanation' }, options.explanation || ''));
  } else {
    for (const booking of options.bookings) {
      const why = `callback-why-${booking.booking_id}`;
      parts.push(el('div', { class: 'callback-booking' },
        el('p', { class: 'callback-route' }, el('strong', {}, booking.route), ` · ${booking.booking_id}`),
        booking.eligible
          ? el('button', { type: 'button', class: 'secondary wide callback-order', 'data-booking': booking.booking_id,
            'aria-describedby': why, onclick: (e) => orderCallback(conversation.id, booking.booking_id, e.currentTarget) },
          t('callback_order'))
          : null,
        el('p', { id: why, class: booking.eligible ? 'muted' : 'callback-explanation' },
          booking.eligible ? t('callback_phone', { phone: booking.masked_phone || '' }) : booking.explanation)));
    }
  }
  box.replaceChildren(...parts);
  box.hidden = false;
}

async function orderCallback(conversationId, bookingId, button) {
  button.disabled = true;
  const key = CALLBACK_KEY(conversationId, bookingId);
  let clientMsgId = sessionStorage.getItem(key);
  if (!clientMsgId) {
    clientMsgId = newMessageId();
    sessionStorage.setItem(key, clientMsgId);
  }
  try {
    await call(`/api/v1/conversations/${encodeURIComponent(conversationId)}/callbacks`, {
      method: 'POST', body: { booking_id: bookingId, client_msg_id: clientMsgId },
    });
    sessionStorage.removeItem(key);
  } catch (error) {
    button.disabled = false;
    button.after(el('p', { class: 'error', role: 'alert' }, errorText(error)));
    return;
  }
  if (state.current?.id === conversationId) {
    await showCallback(state.current);
    await loadMessages();
  }
}

// ---- «Мой аккаунт взломали» -----------------------------------------------

const TAKEOVER_TOPIC = 'account_takeover';
// Kept until the report is acknowledged, so a retry after a lost answer
// opens the same conversation instead of a second one.
const TAKEOVER_KEY = () => 'hotline-takeover:' + (state.claims?.sub || '');

/** One tap: an urgent conversation in the security queue, and what to do now. */
async function reportTakeover() {
  const button = document.getElementById('takeover');
  if (button) button.disabled = true;
  let clientMsgId = sessionStorage.getItem(TAKEOVER_KEY());
  if (!clientMsgId) {
    clientMsgId = newMessageId();
    sessionStorage.setItem(TAKEOVER_KEY(), clientMsgId);
  }
  try {
    const started = await call('/api/v1/security/account-takeover', { method: 'POST', body: { client_msg_id: clientMsgId } });
    sessionStorage.removeItem(TAKEOVER_KEY());
    await openConversation(started.id);
  } catch (error) {
    if (button) button.disabled = false;
    view.append(el('p', { class: 'error', role: 'alert' }, errorText(error)));
  }
}

/** What a customer whose account was taken over should do at once. */
function takeoverAdvice() {
  return el('section', { class: 'advice', role: 'alert', 'aria-labelledby': 'advice-title' },
    el('h2', { id: 'advice-title' }, t('takeover_title')),
    el('ol', {},
      el('li', {}, t('takeover_step_password')),
      el('li', {}, t('takeover_step_cards')),
      el('li', {}, t('takeover_step_codes'))),
    el('p', {}, t('takeover_next')));
}

async function openConversation(id) {
  state.draft = null;
  state.messages = new MessageList();
  try {
    state.current = await call('/api/v1/conversations/' + encodeURIComponent(id));
  } catch {
    return showError();
  }
  trackReads();
  setHeader(conversationDepartment(state.current), true);
  renderConversation(conversationSubject(state.current));
  if (isTakeover(state.current)) {
    view.querySelector('.subject').after(takeoverAdvice());
  }
  await loadMessages();
  restorePending();
  showClaimActions(state.current);
  showCallback(state.current);
}

/** Read marks for the open conversation, starting from the server's. */
function trackReads() {
  const path = `/api/v1/conversations/${encodeURIComponent(state.current.id)}/read`;
  const reads = new ReadMarks(true, 'li.msg.theirs[data-seq]', (seq) => call(path, { method: 'POST', body: { seq } }));
  state.reads = reads;
  call(path).then((marks) => {
    reads.apply(marks);
    if (state.reads === reads) drawMessages();
  }).catch(() => {});
}

/** Marks as read what the customer has on screen in the open chat. */
function markRead() {
  if (!state.frameOpen || !state.current || !state.reads) return;
  state.reads.update(document.getElementById('log'), state.messages.contiguousSeq);
}

document.addEventListener('visibilitychange', markRead);

async function loadMessages() {
  const conversation = state.current;
  if (!conversation) return;
  for (;;) {
    const after = state.messages.contiguousSeq;
    let page;
    try {
      page = await call(`/api/v1/conversations/${encodeURIComponent(conversation.id)}/messages?after_seq=${after}&limit=500`);
    } catch {
      return;
    }
    if (state.current?.id !== conversation.id) return;
    page.messages.forEach((m) => state.messages.add(m));
    if (page.messages.length < 500 || state.messages.contiguousSeq === after) break;
  }
  drawMessages();
}

async function refresh() {
  if (state.current) {
    try {
      state.current = await call('/api/v1/conversations/' + encodeURIComponent(state.current.id));
      drawStatus();
      const reads = state.reads;
      call(`/api/v1/conversations/${encodeURIComponent(state.current.id)}/read`)
        .then((marks) => { reads?.apply(marks); drawMessages(); }).catch(() => {});
    } catch { /* keep */ }
    await loadMessages();
  } else if (document.getElementById('earlier')) {
    await loadConversations();
    drawEarlier();
  }
}

function renderConversation(subject) {
  const input = el('textarea', { id: 'message', rows: 2, 'aria-label': t('message'), placeholder: t('message'), maxlength: 10000 });
  input.addEventListener('input', () => state.current && state.live?.typing(state.current.id));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); send(); }
  });
  const fileInput = el('input', { type: 'file', id: 'file', class: 'visually-hidden', 'aria-label': t('attach'),
    accept: '.pdf,.jpg,.jpeg,.png,.heic,.heif,.txt,application/pdf,image/jpeg,image/png,image/heic,text/plain', multiple: true });
  fileInput.addEventListener('change', () => { [...fileInput.files].forEach(attach); fileInput.value = ''; });
  render(
    el('p', { class: 'subject' }, subject),
    el('p', { id: 'conversation-status', class: 'conversation-status', role: 'status', 'aria-live': 'polite' }),
    el('section', { id: 'rating', class: 'rating', hidden: true, 'aria-labelledby': 'rating-title' }),
    // A list with aria-live rather than role=log, which would strip its items' list semantics.
    el('ol', { id: 'log', class: 'log', 'aria-live': 'polite', 'aria-label': t('widget_title'), onscroll: markRead },
      el('li', { class: 'log-empty muted' })),
    el('p', { id: 'typing', class: 'typing', 'aria-live': 'polite' }),
    el('div', { id: 'uploads', class: 'uploads' }),
    el('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); send(); } },
      el('label', { class: 'clip', for: 'file', title: t('attach') }, el('span', { class: 'clip-icon' })),
      fileInput,
      input,
      el('button', { type: 'submit', class: 'primary' }, t('send'))),
    el('button', { type: 'button', id: 'handoff', class: 'secondary wide', onclick: handoff }, t('call_operator')),
    // Shown once the conversation exists (a new one: after its first message).
    el('button', { type: 'button', id: 'claim-button', class: 'link', hidden: !state.current, onclick: showClaimForm }, t('claim_file')),
    el('div', { id: 'claim-actions', class: 'claim-actions', hidden: true }),
    el('section', { id: 'callback', class: 'callback', hidden: true, 'aria-labelledby': 'callback-title' }));
  state.attachments = [];
  drawStatus();
  drawMessages();
}

function drawStatus() {
  const target = document.getElementById('conversation-status');
  if (!target) return;
  const c = state.current;
  const claimButton = document.getElementById('claim-button');
  if (claimButton) claimButton.hidden = !c;
  if (!c) { target.textContent = ''; return; }
  let text = statusText(c.status);
  if (c.status === 'queued') {
    text = c.queue?.position
      ? t('queue_position', { position: c.queue.position, minutes: Math.max(1, Math.round((c.queue.estimated_wait_seconds || 0) / 60)) })
      : t('queued');
  } else if (c.status === 'assigned' && c.assignee) {
    text = t('assigned', { name: c.assignee.name });
  } else if (c.status === 'resolved') {
    text = t('resolved');
  }
  target.textContent = text;
  drawRating();
}

// ---- «Оцените, пожалуйста, помощь» --------------------------------------------

/** After the conversation is resolved: 1–5 and an optional comment, once. */
function drawRating() {
  const box = document.getElementById('rating');
  if (!box) return;
  const c = state.current;
  if (!c || c.status !== 'resolved') { box.hidden = true; return; }
  box.hidden = false;
  if (c.rating) {
    box.replaceChildren(el('h2', { id: 'rating-title' }, t('rating_thanks')),
      el('p', { class: 'muted' }, t('rating_given', { score: c.rating.score })));
    return;
  }
  if (box.querySelector('form')) return;
  let score = 0;
  const stars = [1, 2, 3, 4, 5].map((n) => el('button', {
    type: 'button', class: 'star', 'aria-pressed': 'false', 'aria-label': t('rating_score', { score: n }),
    onclick: () => {
      score = n;
      stars.forEach((b, i) => b.setAttribute('aria-pressed', String(i < n)));
      send.disabled = false;
    },
  }, String(n)));
  const comment = el('textarea', { id: 'rating-comment', rows: 2, maxlength: 2000, placeholder: t('rating_comment') });
  const error = el('p', { class: 'error', role: 'alert' });
  const send = el('button', { type: 'submit', class: 'primary', disabled: true }, t('rating_send'));
  box.replaceChildren(
    el('h2', { id: 'rating-title' }, t('rating_title')),
    el('form', {
      onsubmit: async (e) => {
        e.preventDefault();
        if (!score || !state.current) return;
        send.disabled = true;
        try {
          state.current = await call(`/api/v1/conversations/${encodeURIComponent(state.current.id)}/rating`, {
            method: 'POST', body: { score, comment: comment.value.trim() || null },
          });
          drawRating();
        } catch (err) {
          send.disabled = false;
          error.textContent = errorText(err);
        }
      },
    },
    el('div', { class: 'stars', role: 'group', 'aria-label': t('rating_title') }, stars),
    el('label', { for: 'rating-comment', class: 'visually-hidden' }, t('rating_comment')),
    comment, error, send));
}

function drawMessages() {
  const log = document.getElementById('log');
  if (!log) return;
  const items = state.messages.all();
  if (!items.length) return;
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  log.replaceChildren(...items.map(messageItem));
  if (nearBottom || items.at(-1).pending) log.scrollTop = log.scrollHeight;
  markRead();
}

function messageItem(m) {
  const mine = m.pending || m.author?.kind === 'customer';
  const kind = m.pending ? 'customer' : m.author.kind;
  const delivery = m.pending ? (m.failed ? 'failed' : 'sending')
    : !mine ? null : m.seq <= (state.reads?.theirs || 0) ? 'read' : 'sent';
  return el('li', { class: `msg ${mine ? 'mine' : 'theirs'} ${kind}`, 'data-seq': m.seq, 'data-client-msg-id': m.client_msg_id },
    el('div', { class: 'meta' },
      el('span', { class: 'author' }, mine ? t('you') : m.author.name),
      verifiedMark(kind),
      ' ',
      el('time', { datetime: m.created_at || '' }, m.created_at ? formatTime(m.created_at) : '')),
    el('p', { class: 'text' }, m.text),
    m.redactions?.length ? el('p', { class: 'redacted muted' }, t('redacted')) : null,
    (m.attachments || []).length ? el('ul', { class: 'files' }, m.attachments.map((a) => el('li', {},
      el('button', { type: 'button', class: 'link', onclick: () => download(authHeadersNow(), a) },
        el('span', { class: 'clip-icon' }), ' ', a.name, ' (', formatSize(a.size), ')')))) : null,
    Array.isArray(m.suggestions) && m.suggestions.length ? el('div', { class: 'suggestions' },
      el('p', { class: 'muted' }, t('suggested')),
      m.suggestions.map((s) => el('a', { class: 'suggestion', href: safeUrl(s.url || '/help', '/help'), target: '_blank', rel: 'noopener' },
        el('strong', {}, s.title || ''), s.snippet ? el('span', {}, s.snippet) : null)),
      state.current?.status === 'bot' ? el('div', { class: 'verdict' },
        el('button', { type: 'button', class: 'secondary', onclick: () => botVerdict(true) }, t('helped')),
        el('button', { type: 'button', class: 'secondary', onclick: () => botVerdict(false) }, t('not_helped'))) : null) : null,
    delivery ? el('span', { class: 'delivery', 'data-state': delivery }, t('state_' + delivery)) : null);
}

/**
 * The mark of the company's own people and bot: drawn from the author the
 * server reports, outside the text, so no message can carry it. A tap (or
 * hover) says what it means.
 */
function verifiedMark(kind) {
  if (kind !== 'operator' && kind !== 'bot') return null;
  return el('button', {
    type: 'button', class: 'verified', 'aria-label': t('verified_label'), title: t('verified_hint'),
    'aria-expanded': 'false',
    onclick: (e) => {
      const mark = e.currentTarget;
      const item = mark.closest('li.msg');
      const shown = item.querySelector('.verified-hint');
      mark.setAttribute('aria-expanded', String(!shown));
      if (shown) shown.remove();
      else item.querySelector('.meta').after(el('p', { class: 'verified-hint' }, t('verified_hint')));
    },
  });
}

function authHeadersNow() {
  return state.token ? { authorization: 'Bearer ' + state.token } : {};
}

// ---- attachments ------------------------------------------------------------

function attach(file) {
  attachFile({ file, box: document.getElementById('uploads'), headers: authHeadersNow(), maxBytes, pending: state.attachments });
}

// ---- sending, with an outbox that survives going offline ---------------------

function outboxKey() {
  return 'hotline-outbox:' + (state.claims?.sub || '');
}

function readOutbox() {
  try { return JSON.parse(localStorage.getItem(outboxKey()) || '[]'); } catch { return []; }
}

function writeOutbox(entries) {
  localStorage.setItem(outboxKey(), JSON.stringify(entries));
}

function send() {
  const input = document.getElementById('message');
  const ready = state.attachments.filter((a) => a.id);
  let text = input.value.trim();
  if (!text && !ready.length) return;
  if (!text) text = ready.map((a) => a.file.name).join('\n');
  const entry = {
    client_msg_id: newMessageId(),
    text,
    attachment_ids: ready.map((a) => a.id),
    conversation_id: state.current?.id || null,
    start: state.current ? null : state.draft,
    pending: true,
    attachments: ready.map((a) => ({ id: a.id, name: a.file.name, size: a.file.size })),
  };
  input.value = '';
  // Files still uploading stay for the next message.
  for (const a of ready) state.attachments.splice(state.attachments.indexOf(a), 1);
  document.getElementById('uploads').querySelectorAll('.ready, .error').forEach((n) => n.remove());
  writeOutbox([...readOutbox(), entry]);
  state.messages.addPending(entry);
  drawMessages();
  flushOutbox();
}

/** Pending sends of the open conversation, shown after a reload. */
function restorePending() {
  for (const entry of readOutbox()) {
    if (entry.conversation_id === state.current?.id) state.messages.addPending(entry);
  }
  drawMessages();
}

let flushing = false;

async function flushOutbox() {
  if (flushing || !state.token) return;
  flushing = true;
  try {
    // Re-read each time: delivering a start rewrites the entries after it.
    for (let entry = readOutbox()[0]; entry; entry = readOutbox()[0]) {
      if (!(await deliver(entry))) break;
      writeOutbox(readOutbox().filter((e) => e.client_msg_id !== entry.client_msg_id));
    }
  } finally {
    flushing = false;
  }
}

function sameDraft(a, b) {
  return a && b && a.department === b.department && a.order_id === b.order_id && a.topic === b.topic;
}

/** Sends one entry; false when it must wait for the network. */
async function deliver(entry) {
  try {
    if (entry.start) {
      const started = await call('/api/v1/conversations', { method: 'POST', body: {
        ...entry.start, text: entry.text, client_msg_id: entry.client_msg_id, attachment_ids: entry.attachment_ids,
      } });
      const { message, redactions, flagged_links, joined_existing, ...conversation } = started;
      if (!state.current && sameDraft(state.draft, entry.start)) {
        state.current = conversation;
        state.draft = null;
        trackReads();
        state.messages.add({ ...message, redactions });
        drawStatus();
        drawMessages();
        // The bot's answer (or, when this joined an open conversation, its
        // earlier messages) may have been announced before this answer came
        // back, while no conversation was open to take it.
        loadMessages();
        showCallback(state.current);
      }
      // Messages typed before the start was acknowledged belong to it.
      writeOutbox(readOutbox().map((e) => (e.client_msg_id !== entry.client_msg_id && sameDraft(e.start, entry.start)
        ? { ...e, start: null, conversation_id: conversation.id } : e)));
      return true;
    }
    const message = await call(`/api/v1/conversations/${encodeURIComponent(entry.conversation_id)}/messages`, {
      method: 'POST', body: { text: entry.text, client_msg_id: entry.client_msg_id, attachment_ids: entry.attachment_ids },
    });
    if (state.current?.id === entry.conversation_id) {
      state.messages.add(message);
      drawMessages();
    }
    return true;
  } catch (error) {
    if (error.status === 0 || error.status >= 500 || error.status === 401) {
      const shown = state.messages.pending.get(entry.client_msg_id);
      if (shown) { shown.failed = true; drawMessages(); }
      return false;
    }
    // Refused for good (e.g. too long, step-up needed): say so, drop it.
    state.messages.pending.delete(entry.client_msg_id);
    drawMessages();
    const log = document.getElementById('log');
    const text = error.code === 'step_up_required' ? t('step_up_text') : errorText(error);
    // A list keeps list items: the alert is inside the item, not on it.
    log?.append(el('li', { class: 'error' }, el('span', { role: 'alert' }, text)));
    return true;
  }
}

/** «Помогло» resolves the conversation; «Не помогло» calls an operator. */
async function botVerdict(helped) {
  if (!state.current) return;
  try {
    state.current = await call(`/api/v1/conversations/${encodeURIComponent(state.current.id)}/bot-feedback`, {
      method: 'POST', body: { helped },
    });
  } catch {
    if (!helped) return handoff();
  }
  drawStatus();
  drawMessages();
}

async function handoff() {
  if (!state.current) return;
  try {
    state.current = await call(`/api/v1/conversations/${encodeURIComponent(state.current.id)}/handoff`, { method: 'POST' });
    drawStatus();
  } catch (error) {
    const target = document.getElementById('conversation-status');
    if (target) target.textContent = error.status === 409 ? t('operator_called') : t('error_generic');
  }
}

// ---- live events ------------------------------------------------------------

function onEvent(frame) {
  const data = frame.data || {};
  if (frame.type === 'typing') {
    if (state.current && data.conversation_id === state.current.id && data.author?.kind !== 'customer') {
      const line = document.getElementById('typing');
      if (!line) return;
      line.textContent = t('typing', { name: data.author?.name || '' });
      clearTimeout(state.typingTimer);
      state.typingTimer = setTimeout(() => { line.textContent = ''; }, 4000);
    }
    return;
  }
  if (frame.type === 'message.created') {
    if (state.current && data.conversation_id === state.current.id) {
      const gap = data.seq > state.messages.lastSeq + 1;
      if (state.messages.add(data)) drawMessages();
      if (data.author?.kind !== 'customer') document.getElementById('typing')?.replaceChildren();
      if (gap) loadMessages();
    } else {
      // Another of the customer's conversations: its line in the list says so.
      const listed = state.conversations.find((c) => c.id === data.conversation_id);
      if (listed && !data.internal) {
        if (data.author?.kind !== 'customer') listed.unread = (listed.unread || 0) + 1;
        listed.last_message = { ...data, truncated: false };
        drawEarlier();
      }
    }
    return;
  }
  if (frame.type === 'messages.read') {
    if (state.current && data.conversation_id === state.current.id && state.reads?.heard(data)) drawMessages();
    return;
  }
  if (frame.type.startsWith('callback.')) {
    if (state.current) showCallback(state.current);
    return;
  }
  if (frame.type.startsWith('conversation.')) {
    const index = state.conversations.findIndex((c) => c.id === data.id);
    // The event carries the conversation only: the list's counts stay.
    if (index >= 0) state.conversations[index] = { ...state.conversations[index], ...data };
    else state.conversations.unshift(data);
    if (state.current && data.id === state.current.id) {
      const statusChanged = state.current.status !== data.status;
      state.current = data;
      drawStatus();
      if (statusChanged) drawMessages();
    }
    drawEarlier();
  }
}

// Ask the embedding page for the token; opened on its own, there is none.
if (window.parent === window) showNoToken();
else askParent('hotline:ready');

