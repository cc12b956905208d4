// The event stream over the WebSocket with the cursor protocol
// (docs/protocol.md): a single-use ticket per connection, `after=<cursor>`
// on every reconnect, backoff with jitter, a `resync` reloads over REST.

import { api } from './common.js';

// Reconnects wait a random time up to a ceiling that doubles per failed
// attempt (full jitter), so clients dropped together by a server restart do
// not come back together.
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 15000;
const MIN_DELAY_MS = 100;

/** How long to wait before reconnect attempt `attempt` (0, 1, …). */
export function reconnectDelay(attempt, random = Math.random()) {
  const ceiling = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(attempt, 16));
  return Math.max(MIN_DELAY_MS, Math.round(random * ceiling));
}

export class Live {
  /**
   * `auth()` gives the headers for the ticket request; `cursorKey` names
   * where the cursor is kept (sessionStorage), so a reload resumes too.
   */
  constructor({ auth, cursorKey, onEvent, onResync, onState }) {
    this.auth = auth;
    this.cursorKey = cursorKey;
    this.onEvent = onEvent;
    this.onResync = onResync;
    this.onState = onState;
    this.cursor = sessionStorage.getItem(cursorKey) || null;
    this.attempt = 0;
    this.socket = null;
    this.stopped = false;
    this.caughtUp = null;
    this.typingSent = new Map();
    this.listeners = null;
  }

  /** Connects; resolves once the backlog has been delivered. */
  start() {
    this.stopped = false;
    // Removed by stop(), so a page that replaces its stream keeps no old one alive.
    this.listeners?.abort();
    this.listeners = new AbortController();
    const { signal } = this.listeners;
    window.addEventListener('online', () => this.reconnectNow(), { signal });
    // After a laptop sleep the socket may be dead without a close event yet.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.ping();
    }, { signal });
    const ready = new Promise((resolve) => { this.caughtUp = resolve; });
    this.connect();
    return ready;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.pingTimer);
    this.listeners?.abort();
    this.listeners = null;
    this.socket?.close();
  }

  reconnectNow() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    if (!this.socket || this.socket.readyState > 1) this.connect();
  }

  saveCursor(cursor) {
    if (!cursor) return;
    this.cursor = cursor;
    sessionStorage.setItem(this.cursorKey, cursor);
  }

  async connect() {
    clearTimeout(this.timer);
    // Only the newest attempt may open a socket: an `online` event, a wake-up
    // ping and a timer can each start one while another awaits its ticket.
    const attempt = (this.generation = (this.generation || 0) + 1);
    const current = () => !this.stopped && attempt === this.generation;
    this.onState('connecting');
    let ticket;
    try {
      ticket = (await api(this.auth, '/api/v1/ws/ticket', { method: 'POST' })).ticket;
    } catch (error) {
      if (!current()) return;
      if (error.status === 401 || error.status === 403) this.onState('unauthorized', error);
      return this.retry();
    }
    if (!current()) return;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let url = `${scheme}//${location.host}/api/v1/ws?ticket=${encodeURIComponent(ticket)}`;
    if (this.cursor) url += '&after=' + encodeURIComponent(this.cursor);
    clearTimeout(this.timer);
    const previous = this.socket;
    const socket = new WebSocket(url);
    this.socket = socket;
    previous?.close();
    socket.onmessage = (e) => { if (this.socket === socket && !this.stopped) this.receive(e.data); };
    socket.onclose = () => {
      if (this.socket !== socket || this.stopped) return;
      this.onState('offline');
      // Unless a newer attempt is already waiting for its ticket.
      if (attempt === this.generation) this.retry();
    };
  }

  retry() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), reconnectDelay(this.attempt));
    this.attempt += 1;
  }

  receive(raw) {
    let frame;
    try { frame = JSON.parse(raw); } catch { return; }
    switch (frame.type) {
      case 'caught_up':
        this.attempt = 0;
        this.saveCursor(frame.cursor);
        this.onState('online');
        this.caughtUp?.();
        this.caughtUp = null;
        break;
      case 'resync':
        this.saveCursor(frame.cursor);
        this.onResync();
        break;
      case 'typing':
        this.onEvent(frame);
        break;
      case 'pong':
        this.lastPong = Date.now();
        break;
      case 'error':
        break;
      default:
        // Processed first, then remembered: a crash in between replays it,
        // and the page shows each message once by its seq.
        this.onEvent(frame);
        this.saveCursor(frame.cursor);
    }
  }

  /** Checks a socket that may have died silently: no pong in 5 s, reconnect. */
  ping() {
    const socket = this.socket;
    if (!socket || socket.readyState !== 1) return this.reconnectNow();
    this.lastPong = null;
    socket.send(JSON.stringify({ type: 'ping' }));
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => {
      if (this.socket !== socket || this.lastPong !== null) return;
      // Do not wait for the dead socket's close: its late event is ignored.
      this.socket = null;
      socket.close();
      this.onState('offline');
      this.connect();
    }, 5000);
  }

  /** Tells the other side we are typing (at most every 1.5 s). */
  typing(conversationId) {
    const now = Date.now();
    if (now - (this.typingSent.get(conversationId) || 0) < 1500) return;
    this.typingSent.set(conversationId, now);
    if (this.socket?.readyState === 1) {
      this.socket.send(JSON.stringify({ type: 'typing', conversation_id: conversationId }));
    }
  }
}
