// Shared helpers of the widget and the console. Texts are always set with
// textContent, never parsed as HTML: whatever a message holds stays text.

const dictionary = JSON.parse(document.getElementById('i18n')?.textContent || '{}');

/** The translated text for `key`, with `{name}` placeholders filled. */
export function t(key, vars = {}) {
  const text = dictionary[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

/** An API error in the reader's words when we have them. */
export function errorText(error) {
  const key = 'error_' + (error?.code || '');
  if (dictionary[key]) return dictionary[key];
  if (error?.status === 409) return dictionary.error_conflict;
  return error?.message || dictionary.error_generic || '';
}

/** Builds an element: el('button', {class: 'x', onclick}, 'text', child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'class') node.className = value;
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * `url` when it is a web address (http, https, or relative to this page),
 * else `fallback`: links built from data never run script (`javascript:`).
 */
export function safeUrl(url, fallback) {
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : fallback;
  } catch {
    return fallback;
  }
}

/** An error from the API: `{error: {code, message}}` and the status. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls the JSON API. `auth()` returns the headers that authenticate the
 * caller (a bearer token in the widget, the CSRF token in the console).
 */
export async function api(auth, path, { method = 'GET', body, signal } = {}) {
  const headers = { ...(await auth()) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, data?.error?.code || 'http_' + response.status, data?.error?.message);
  }
  return data;
}

/** Uploads a file with progress; resolves to the attachment. */
export function upload(authHeaders, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/attachments');
    for (const [name, value] of Object.entries(authHeaders)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status === 201) resolve(data);
      else reject(new ApiError(xhr.status, data?.error?.code || 'http_' + xhr.status, data?.error?.message));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'network error'));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

const ACCEPTED = ['application/pdf', 'image/jpeg', 'image/png', 'image/heic', 'image/heif', 'text/plain'];
const ACCEPTED_EXTENSIONS = /\.(pdf|jpe?g|png|heic|heif|txt)$/i;

/** Why a file cannot be sent, in words, or null when it may be. */
export function fileProblem(file, maxBytes) {
  if (file.size > maxBytes) {
    return t('file_too_large', { name: file.name, max: Math.floor(maxBytes / 1048576) });
  }
  if (!ACCEPTED.includes(file.type) && !ACCEPTED_EXTENSIONS.test(file.name)) {
    return t('file_bad_type', { name: file.name });
  }
  return null;
}

/** The words for an upload the server refused. */
export function uploadError(error, file, maxBytes) {
  if (error.code === 'attachment_too_large') {
    return t('file_too_large', { name: file.name, max: Math.floor(maxBytes / 1048576) });
  }
  if (error.status === 415) return t('file_bad_type', { name: file.name });
  return t('file_failed', { name: file.name });
}

/**
 * Checks and uploads a picked file, showing progress and errors in words in
 * `box`. `pending` is the list of files for the next message: the entry is
 * added at once and gets its `id` when the upload is done.
 */
export function attachFile({ file, box, headers, maxBytes, pending }) {
  const problem = fileProblem(file, maxBytes);
  if (problem) {
    box.append(el('p', { class: 'error', role: 'alert' }, problem));
    return;
  }
  const progress = el('progress', { max: 1, value: 0, 'aria-label': t('uploading', { name: file.name }) });
  const item = el('div', { class: 'upload' }, el('span', {}, file.name), progress);
  box.append(item);
  const entry = { file, id: null };
  pending.push(entry);
  const forget = () => {
    const index = pending.indexOf(entry);
    if (index >= 0) pending.splice(index, 1);
  };
  upload(headers, file, (share) => { progress.value = share; })
    .then((info) => {
      entry.id = info.id;
      progress.remove();
      item.classList.add('ready');
      item.append(el('button', { type: 'button', class: 'icon', 'aria-label': t('remove_file'), onclick: () => {
        forget();
        item.remove();
      } }, '×'));
    })
    .catch((error) => {
      forget();
      item.replaceChildren(el('span', { class: 'error', role: 'alert' }, uploadError(error, file, maxBytes)));
    });
}

/** Downloads an attachment with the caller's credentials. */
export async function download(authHeaders, attachment) {
  const response = await fetch('/api/v1/attachments/' + encodeURIComponent(attachment.id), {
    headers: authHeaders,
    credentials: 'same-origin',
  });
  if (!response.ok) throw new ApiError(response.status, 'download_failed');
  saveAs(await response.blob(), attachment.name);
}

/** Hands `blob` to the browser as a download named `name`. */
export function saveAs(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function formatSize(bytes) {
  if (bytes < 1024) return bytes + ' B';
  if (bytes < 1048576) return Math.round(bytes / 1024) + ' KB';
  return (bytes / 1048576).toFixed(1) + ' MB';
}

const lang = document.documentElement.lang || 'ru';

export function formatTime(iso) {
  return new Date(iso).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
}

export function formatDate(iso) {
  return new Date(iso).toLocaleDateString(lang, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** "3 мин", "1 ч 5 мин" — how long since `iso`. */
export function formatWait(iso, now = Date.now()) {
  const minutes = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60000));
  if (minutes < 60) return minutes + (lang === 'en' ? ' min' : ' мин');
  const hours = Math.floor(minutes / 60);
  return hours + (lang === 'en' ? ' h ' : ' ч ') + (minutes % 60) + (lang === 'en' ? ' min' : ' мин');
}

/** A fresh client_msg_id; retries of one send reuse it. */
/** The other side's messages the reader has not read in a listed conversation. */
export function unreadBadge(c) {
  if (!c.unread) return null;
  return el('span', { class: 'unread', 'data-unread': String(c.unread) },
    el('span', { 'aria-hidden': 'true' }, String(c.unread)),
    el('span', { class: 'visually-hidden' }, t('unread_count', { count: c.unread })));
}

export function newMessageId() {
  return 'w-' + crypto.randomUUID();
}

/** The status words of a conversation. */
export function statusText(status) {
  return t('status_' + status);
}

/** The subject as people say it. */
export function subjectText(subject, departments = []) {
  if (!subject) return '';
  if (subject.kind === 'order') return t('subject_order', { id: subject.order_id });
  if (subject.kind === 'topic') {
    for (const d of departments) {
      const topic = d.topics?.find((x) => x.id === subject.topic);
      if (topic) return topic.name;
    }
    return subject.topic;
  }
  return t('subject_general');
}

/**
 * The messages of one conversation, each shown once: keyed by `seq` from
 * the server, and by `client_msg_id` while the author's copy is in flight.
 */
export class MessageList {
  constructor() {
    this.bySeq = new Map();
    this.pending = new Map();
  }
  /** Adds a stored message; returns false when it was already there. */
  add(message) {
    if (this.bySeq.has(message.seq)) return false;
    this.bySeq.set(message.seq, message);
    if (message.client_msg_id) this.pending.delete(message.client_msg_id);
    return true;
  }
  addPending(entry) {
    this.pending.set(entry.client_msg_id, entry);
  }
  get lastSeq() {
    let last = 0;
    for (const seq of this.bySeq.keys()) last = Math.max(last, seq);
    return last;
  }
  /** The highest seq up to which nothing is missing: reload after it. */
  get contiguousSeq() {
    let seq = 0;
    while (this.bySeq.has(seq + 1)) seq += 1;
    return seq;
  }
  all() {
    const stored = [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
    const storedIds = new Set(stored.map((m) => m.client_msg_id));
    const waiting = [...this.pending.values()].filter((p) => !storedIds.has(p.client_msg_id));
    return [...stored, ...waiting];
  }
}

/**
 * The highest `seq` of the messages in `log` matching `selector` that are on
 * screen now or above it (scrolled past), at most `limit`; 0 when the page
 * is hidden.
 */
export function seenUpTo(log, limit, selector) {
  if (!log || document.visibilityState !== 'visible') return 0;
  const box = log.getBoundingClientRect();
  if (!box.height) return 0;
  let seen = 0;
  for (const item of log.querySelectorAll(selector)) {
    const seq = Number(item.dataset.seq);
    if (seq <= limit && item.getBoundingClientRect().top < box.bottom) seen = Math.max(seen, seq);
  }
  return seen;
}

/**
 * The read marks of one conversation as one side sees them: `mine` moves
 * forward only, one request at a time, for the other side's messages that
 * were on screen (`selector` finds them: one's own need no receipt, and
 * skipping them saves a write per message sent); `theirs` is how far the
 * other side has read.
 */
export class ReadMarks {
  constructor(customerSide, selector, post) {
    this.customerSide = customerSide;
    this.selector = selector;
    this.post = post;
    this.mine = 0;
    this.theirs = 0;
    this.busy = false;
  }
  /** Marks as read what `log` shows, up to `limit` (nothing missing before it). */
  async update(log, limit) {
    const seen = seenUpTo(log, limit, this.selector);
    if (this.busy || seen <= this.mine) return;
    this.busy = true;
    try {
      this.apply(await this.post(seen));
    } catch {
      return; // tried again on the next draw or scroll
    } finally {
      this.busy = false;
    }
    // More may have come on screen while the request was out.
    if (seenUpTo(log, limit, this.selector) > this.mine) this.update(log, limit);
  }
  /** Takes the marks from a `{customer_read_seq, operators_read_seq, my_read_seq}` answer. */
  apply(state) {
    if (!state) return;
    // An operator's own mark is theirs alone: a colleague's read is not theirs.
    const [mine, theirs] = this.customerSide
      ? [state.customer_read_seq, state.operators_read_seq]
      : [state.my_read_seq, state.customer_read_seq];
    this.mine = Math.max(this.mine, mine || 0);
    this.theirs = Math.max(this.theirs, theirs || 0);
  }
  /** A `messages.read` event; true when the other side's mark moved. */
  heard(data) {
    const fromMe = (data.reader === 'customer') === this.customerSide;
    if (fromMe) {
      // The customer's other tabs; for operators, any colleague.
      if (this.customerSide) this.mine = Math.max(this.mine, data.seq);
      return false;
    }
    if (data.seq <= this.theirs) return false;
    this.theirs = data.seq;
    return true;
  }
}
