// The call-back queue in the console: travel customers who ordered a call,
// earliest due first, the overdue marked; each with the number to dial, its
// conversation, and the outcome buttons.

import { t, el, errorText, formatDate, formatTime } from './common.js';

const OUTCOMES = ['reached', 'no_answer', 'callback_again'];

/** Draws the queue into `pane`; `open(conversationId)` shows the conversation. */
export async function showCallbacks(pane, call, open) {
  const status = el('select', { id: 'callbacks-status' },
    el('option', { value: 'waiting' }, t('callbacks_waiting')),
    el('option', { value: 'done' }, t('callbacks_done')));
  const list = el('div', { id: 'callbacks-table', 'aria-live': 'polite' });
  const record = async (callback, outcome, note, row) => {
    row.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      await call(`/api/v1/callbacks/${encodeURIComponent(callback.id)}/outcome`, {
        method: 'POST', body: { outcome, note: note.value.trim() || null },
      });
    } catch (error) {
      row.querySelectorAll('button').forEach((b) => { b.disabled = false; });
      row.append(el('p', { class: 'error', role: 'alert' }, errorText(error)));
      return;
    }
    await load();
  };
  const load = async () => {
    list.replaceChildren(el('p', { class: 'muted' }, t('loading')));
    let body;
    try {
      body = await call('/api/v1/callbacks?status=' + encodeURIComponent(status.value));
    } catch (error) {
      list.replaceChildren(el('p', { class: 'error', role: 'alert' }, errorText(error)));
      return;
    }
    if (!body.callbacks.length) {
      list.replaceChildren(el('p', { class: 'muted' }, t('callbacks_none')));
      return;
    }
    list.replaceChildren(el('table', { class: 'claims callbacks' },
      el('caption', { class: 'visually-hidden' }, t('callbacks')),
      el('thead', {}, el('tr', {}, ['callback_due', 'callback_booking', 'callback_passenger', 'callback_phone_col', 'callback_outcome']
        .map((key) => el('th', { scope: 'col' }, t(key))))),
      el('tbody', {}, body.callbacks.map((callback) => {
        const note = el('input', { type: 'text', maxlength: 1000, 'aria-label': t('callback_note'), placeholder: t('callback_note') });
        const cell = el('td', { class: 'callback-outcome' });
        const row = el('tr', { class: callback.overdue ? 'overdue' : '', 'data-booking': callback.booking_id },
          el('td', {}, `${formatDate(callback.due_at)}, ${formatTime(callback.due_at)}`, callback.overdue ? el('span', { class: 'badge' }, t('callback_overdue')) : null),
          el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => open(callback.conversation_id) },
            `${callback.booking_id} · ${callback.route}`)),
          el('td', {}, callback.passenger),
          el('td', {}, el('a', { href: 'tel:' + callback.phone }, callback.phone)),
          cell);
        if (callback.status === 'waiting') {
          cell.append(note, el('div', { class: 'callback-buttons' }, OUTCOMES.map((outcome) =>
            el('button', { type: 'button', class: 'secondary', onclick: () => record(callback, outcome, note, row) },
              t('callback_outcome_' + outcome)))));
          if (callback.attempts) cell.prepend(el('p', { class: 'muted' }, t('callback_attempts', { count: callback.attempts })));
        } else {
          cell.append(t('callback_outcome_' + callback.outcome), callback.note ? el('p', { class: 'muted' }, callback.note) : null);
        }
        return row;
      }))));
  };
  status.addEventListener('change', load);
  list.addEventListener('refresh', load);
  pane.replaceChildren(el('section', { class: 'claims-registry', 'aria-labelledby': 'callbacks-title' },
    el('h2', { id: 'callbacks-title' }, t('callbacks')),
    el('div', { class: 'report-filters' }, el('label', { for: 'callbacks-status' }, t('claim_status')), status),
    list));
  await load();
}
