// Supervisors' registry of formal claims in the console: every claim still
// owed an answer (or all of them), by legal end, the overdue and the
// due-soon marked, each leading to its conversation.

import { t, el, errorText, formatDate } from './common.js';

function dueText(claim) {
  const date = new Date(claim.due_date + 'T12:00:00').toLocaleDateString(document.documentElement.lang || 'ru');
  if (claim.alert === 'overdue') return t('claim_overdue', { date });
  if (claim.alert === 'due_soon') return t('claim_due_soon', { date });
  return date;
}

/** Draws the registry into `pane`; `open(conversationId)` shows a claim's conversation. */
export async function showClaims(pane, open) {
  const status = el('select', { id: 'claims-status' },
    el('option', { value: 'open' }, t('claims_open')),
    el('option', { value: '' }, t('claims_all')));
  const table = el('div', { id: 'claims-table', 'aria-live': 'polite' });
  const load = async () => {
    table.replaceChildren(el('p', { class: 'muted' }, t('loading')));
    const params = new URLSearchParams();
    if (status.value) params.set('status', status.value);
    const response = await fetch('/api/v1/claims?' + params, { credentials: 'same-origin' });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      table.replaceChildren(el('p', { class: 'error', role: 'alert' }, errorText({ code: body.error?.code })));
      return;
    }
    if (!body.claims.length) {
      table.replaceChildren(el('p', { class: 'muted' }, t('claims_none')));
      return;
    }
    table.replaceChildren(el('table', { class: 'claims' },
      el('caption', { class: 'visually-hidden' }, t('claims')),
      el('thead', {}, el('tr', {}, ['claim_number', 'claim_type', 'claim_status', 'claim_received', 'claim_due_date', 'claim_penalty', 'claim_dossier']
        .map((key) => el('th', { scope: 'col' }, t(key))))),
      el('tbody', {}, body.claims.map((claim) => el('tr', { class: claim.alert || '', 'data-number': claim.number },
        el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => open(claim.conversation_id) }, claim.number)),
        el('td', {}, t('claim_type_' + claim.type)),
        el('td', {}, t('claim_status_' + claim.status)),
        el('td', {}, formatDate(claim.received_at)),
        el('td', {}, dueText(claim)),
        el('td', {}, claim.penalty && Number(claim.penalty.value) > 0 ? `${claim.penalty.value} ₽` : '—'),
        // The console's session cookie authenticates a plain link.
        el('td', {}, el('a', { href: `/api/v1/claims/${encodeURIComponent(claim.id)}/dossier`, download: '',
          'aria-label': `ZIP: ${t('dossier_download')}, ${claim.number}` }, 'ZIP')))))));
  };
  status.addEventListener('change', load);
  pane.replaceChildren(el('section', { class: 'claims-registry', 'aria-labelledby': 'claims-title' },
    el('h2', { id: 'claims-title' }, t('claims')),
    el('div', { class: 'report-filters' }, el('label', { for: 'claims-status' }, t('claim_status')), status),
    table));
  await load();
}
