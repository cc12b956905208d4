// The event stream over the WebSocket with the cursor protocol
// (docs/protocol.md): a single-use ticket per connection, `after=<cursor>`
// on every reconnect, backoff with jitter, a `resync` reloads over REST.

import { api } from './common.js';

const MAX_BACKOFF_MS = 8000;

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
    window.addEventListener('online', () => this.reconnectNow());
    // After a laptop sleep the socket may be dead without a close event yet.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.ping();
    });
  }

  /** Connects; resolves once the backlog has been delivered. */
  start() {
    this.stopped = false;
    const ready = new Promise((resolve) => { this.caughtUp = resolve; });
    this.connect();
    return ready;
  }

  stop() {
    this.stopped = true;
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
    this.onState('connecting');
    let ticket;
    try {
      ticket = (await api(this.auth, '/api/v1/ws/ticket', { method: 'POST' })).ticket;
    } catch (error) {
      if (error.status === 401 || error.status === 403) this.onState('unauthorized', error);
      return this.retry();
    }
    if (this.stopped) return;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let url = `${scheme}//${location.host}/api/v1/ws?ticket=${encodeURIComponent(ticket)}`;
    if (this.cursor) url += '&after=' + encodeURIComponent(this.cursor);
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onmessage = (e) => this.receive(e.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.onState('offline');
      this.retry();
    };
  }

  retry() {
    if (this.stopped) return;
    const base = Math.min(MAX_BACKOFF_MS, 300 * 2 ** this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), base / 2 + Math.random() * base / 2);
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
    setTimeout(() => {
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
