// Canned replies in the console, for administrators and the departments'
// supervisors: the replies in effect (from hotline.toml or changed here),
// added, changed and deleted without a restart. The server checks each text
// like an operator's message and records every change in the audit log.

import { t, el, errorText } from './common.js';

/** Draws the editor into `pane`; `call` is the console's API call, `departments` the caller's. */
export async function showCannedReplies(pane, call, departments, onChange) {
  const list = el('div', { id: 'canned-list', 'aria-live': 'polite' });
  const status = el('p', { id: 'canned-status', role: 'status' });
  const department = el('select', { id: 'canned-department' },
    departments.map((d) => el('option', { value: d.id }, d.name)));
  const title = el('input', { id: 'canned-title', maxlength: 80, required: true });
  const text = el('textarea', { id: 'canned-text', rows: 3, maxlength: 2000, required: true });
  let editing = null;
  const form = el('form', { class: 'canned-form', novalidate: true },
    el('h3', { id: 'canned-form-title' }, t('canned_add')),
    el('label', { for: 'canned-department' }, t('canned_department')), department,
    el('label', { for: 'canned-title' }, t('canned_title')), title,
    el('label', { for: 'canned-text' }, t('canned_text')), text,
    el('p', { class: 'muted' }, t('canned_placeholders')),
    status,
    el('button', { type: 'submit', class: 'primary' }, t('canned_save')));
  const reset = () => {
    editing = null;
    title.value = '';
    text.value = '';
    $form('canned-form-title').textContent = t('canned_add');
  };
  const $form = (id) => form.querySelector('#' + id);
  const load = async () => {
    let body;
    try { body = await call('/api/v1/canned-replies'); } catch (error) {
      list.replaceChildren(el('p', { class: 'error', role: 'alert' }, errorText(error)));
      return;
    }
    onChange(body.canned_replies);
    if (!body.canned_replies.length) {
      list.replaceChildren(el('p', { class: 'muted' }, t('canned_none')));
      return;
    }
    list.replaceChildren(el('table', { class: 'canned' },
      el('caption', { class: 'visually-hidden' }, t('canned_settings')),
      el('thead', {}, el('tr', {}, ['canned_department', 'canned_title', 'canned_text', 'canned_source', 'canned_actions']
        .map((key) => el('th', { scope: 'col' }, t(key))))),
      el('tbody', {}, body.canned_replies.map((reply) => el('tr', { 'data-id': reply.id },
        el('td', {}, departments.find((d) => d.id === reply.department)?.name || reply.department),
        el('td', {}, reply.title),
        el('td', { class: 'canned-text' }, reply.text),
        el('td', {}, t('canned_source_' + reply.source)),
        el('td', {},
          el('button', { type: 'button', class: 'link', 'aria-label': t('canned_edit_named', { title: reply.title }), onclick: () => {
            editing = reply.id;
            department.value = reply.department;
            title.value = reply.title;
            text.value = reply.text;
            $form('canned-form-title').textContent = t('canned_edit_named', { title: reply.title });
            title.focus();
          } }, t('canned_edit')),
          ' ',
          el('button', { type: 'button', class: 'link', 'aria-label': t('canned_delete_named', { title: reply.title }), onclick: async () => {
            try {
              await call('/api/v1/canned-replies/' + encodeURIComponent(reply.id), { method: 'DELETE' });
              status.textContent = t('canned_deleted', { title: reply.title });
              if (editing === reply.id) reset();
            } catch (error) { status.textContent = errorText(error); }
            await load();
          } }, t('canned_delete'))))))));
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { department: department.value, title: title.value, text: text.value };
    try {
      const saved = editing
        ? await call('/api/v1/canned-replies/' + encodeURIComponent(editing), { method: 'PUT', body })
        : await call('/api/v1/canned-replies', { method: 'POST', body });
      status.textContent = t('canned_saved', { title: saved.title });
      reset();
    } catch (error) {
      status.textContent = errorText(error);
      return;
    }
    await load();
  });
  pane.replaceChildren(el('section', { class: 'canned-settings', 'aria-labelledby': 'canned-settings-title' },
    el('h2', { id: 'canned-settings-title' }, t('canned_settings')),
    list, form));
  await load();
}
