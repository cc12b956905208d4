// The departments' topics in the console: what a customer picks when they
// start a conversation. Administrators change them (the widget offers the
// new ones at once); supervisors read them.

import { t, el, errorText, formatDate } from './common.js';

function topicRow(department, topic, canChange) {
  const n = Math.random().toString(36).slice(2, 8);
  const id = el('input', { class: 'topic-id', value: topic.id, maxlength: 64, disabled: !canChange,
    'aria-label': t('topic_id_in', { department: department.name }), id: `topic-id-${n}` });
  const name = el('input', { class: 'topic-name', value: topic.name, maxlength: 80, disabled: !canChange,
    'aria-label': t('topic_name_in', { department: department.name }), id: `topic-name-${n}` });
  const row = el('li', { class: 'topic-row' }, id, name);
  if (canChange) {
    row.append(el('button', { type: 'button', class: 'link', 'aria-label': t('topic_remove_named', { name: topic.name || topic.id }),
      onclick: () => row.remove() }, t('canned_delete')));
  }
  return row;
}

/** Draws the page into `pane`; `canChange`: the reader is an administrator. */
export async function showTopics(pane, call, canChange) {
  const body = el('div', { id: 'topics-body' });
  const load = async () => {
    let found;
    try { found = await call('/api/v1/settings/topics'); } catch (error) {
      body.replaceChildren(el('p', { class: 'error', role: 'alert' }, errorText(error)));
      return;
    }
    body.replaceChildren(...found.departments.map((department) => {
      const list = el('ul', { class: 'topic-list' }, department.topics.map((topic) => topicRow(department, topic, canChange)));
      const status = el('p', { class: 'topics-status', role: 'status', id: `topics-status-${department.id}` });
      const save = async () => {
        const topics = [...list.querySelectorAll('li')].map((li) => ({
          id: li.querySelector('.topic-id').value.trim(), name: li.querySelector('.topic-name').value.trim(),
        })).filter((topic) => topic.id || topic.name);
        try {
          await call(`/api/v1/settings/topics/${encodeURIComponent(department.id)}`, { method: 'PUT', body: { topics } });
        } catch (error) {
          status.textContent = `${errorText(error)} ${error?.message || ''}`.trim();
          return;
        }
        await load();
        document.getElementById(`topics-status-${department.id}`).textContent = t('topics_saved', { department: department.name });
      };
      return el('section', { class: 'topics-department', 'data-department': department.id, 'aria-labelledby': `topics-${department.id}` },
        el('h3', { id: `topics-${department.id}` }, department.name),
        el('p', { class: 'muted' }, department.source === 'console'
          ? t('sla_from_console', { date: formatDate(department.updated_at) })
          : t('topics_from_file')),
        list,
        canChange ? el('div', { class: 'callback-buttons' },
          el('button', { type: 'button', class: 'secondary', 'aria-label': t('topic_add_in', { department: department.name }),
            onclick: () => list.append(topicRow(department, { id: '', name: '' }, true)) }, t('topic_add')),
          el('button', { type: 'button', class: 'primary', 'aria-label': t('topics_save_in', { department: department.name }),
            onclick: save }, t('canned_save')),
          department.source === 'console'
            ? el('button', { type: 'button', class: 'secondary', 'aria-label': t('topics_reset_in', { department: department.name }),
              onclick: async () => {
                try { await call(`/api/v1/settings/topics/${encodeURIComponent(department.id)}`, { method: 'DELETE' }); } catch (error) { status.textContent = errorText(error); return; }
                await load();
              } }, t('sla_reset'))
            : null) : null,
        status);
    }));
  };
  pane.replaceChildren(el('section', { class: 'canned-settings', 'aria-labelledby': 'topics-title' },
    el('h2', { id: 'topics-title' }, t('topics')),
    el('p', { class: 'muted' }, t('topics_intro')),
    body));
  await load();
}
