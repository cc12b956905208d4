// The help center's articles in the console: administrators add, change and
// delete them without a restart (search and the bot have a change at once);
// supervisors read them. Every change is in the audit log.

import { t, el, errorText, formatDate } from './common.js';

/** Draws the editor into `pane`; `canChange`: the reader is an administrator. */
export async function showArticles(pane, call, departments, canChange) {
  const list = el('div', { id: 'articles-list', 'aria-live': 'polite' });
  const status = el('p', { id: 'articles-status', role: 'status' });
  const id = el('input', { id: 'article-id', maxlength: 80, required: true, autocomplete: 'off', placeholder: 'baggage-lost' });
  const department = el('select', { id: 'article-department' },
    departments.map((d) => el('option', { value: d.id }, d.name)));
  const section = el('input', { id: 'article-section', maxlength: 80, required: true });
  const title = el('input', { id: 'article-title', maxlength: 200, required: true });
  const tags = el('input', { id: 'article-tags', autocomplete: 'off' });
  const body = el('textarea', { id: 'article-body', rows: 8, required: true });
  const heading = el('h3', { id: 'article-form-title' }, t('article_add'));
  let editing = null;
  const reset = () => {
    editing = null;
    id.disabled = false;
    [id, section, title, tags, body].forEach((f) => { f.value = ''; });
    heading.textContent = t('article_add');
  };
  const load = async () => {
    let found;
    try { found = await call('/api/v1/kb/articles'); } catch (error) {
      list.replaceChildren(el('p', { class: 'error', role: 'alert' }, errorText(error)));
      return;
    }
    if (!found.articles.length) {
      list.replaceChildren(el('p', { class: 'muted' }, t('articles_none')));
      return;
    }
    const name = (dept) => departments.find((d) => d.id === dept)?.name || dept;
    list.replaceChildren(el('table', { class: 'canned articles' },
      el('caption', { class: 'visually-hidden' }, t('articles')),
      el('thead', {}, el('tr', {}, ['canned_department', 'article_section', 'canned_title', 'article_updated', 'canned_actions']
        .map((key) => el('th', { scope: 'col' }, t(key))))),
      el('tbody', {}, found.articles.map((article) => el('tr', { 'data-id': article.id },
        el('td', {}, name(article.department)),
        el('td', {}, article.section),
        el('td', {}, el('a', { href: `/help/articles/${encodeURIComponent(article.id)}`, target: '_blank', rel: 'noopener' }, article.title)),
        el('td', {}, formatDate(article.updated_at)),
        el('td', {}, canChange ? [
          el('button', { type: 'button', class: 'link', 'aria-label': t('canned_edit_named', { title: article.title }), onclick: () => {
            editing = article.id;
            id.value = article.id;
            id.disabled = true;
            department.value = article.department;
            section.value = article.section;
            title.value = article.title;
            tags.value = article.tags.join(', ');
            body.value = article.body;
            heading.textContent = t('canned_edit_named', { title: article.title });
            title.focus();
          } }, t('canned_edit')),
          ' ',
          el('button', { type: 'button', class: 'link', 'aria-label': t('canned_delete_named', { title: article.title }), onclick: async () => {
            try {
              await call('/api/v1/kb/articles/' + encodeURIComponent(article.id), { method: 'DELETE' });
              status.textContent = t('article_deleted', { title: article.title });
              if (editing === article.id) reset();
            } catch (error) { status.textContent = errorText(error); }
            await load();
          } }, t('canned_delete')),
        ] : null))))));
  };
  const form = el('form', { class: 'canned-form', novalidate: true },
    heading,
    el('label', { for: 'article-id' }, t('article_id')), id,
    el('label', { for: 'article-department' }, t('canned_department')), department,
    el('label', { for: 'article-section' }, t('article_section')), section,
    el('label', { for: 'article-title' }, t('canned_title')), title,
    el('label', { for: 'article-tags' }, t('article_tags')), tags,
    el('label', { for: 'article-body' }, t('article_body')), body,
    status,
    el('button', { type: 'submit', class: 'primary' }, t('canned_save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fields = {
      department: department.value, section: section.value, title: title.value, body: body.value,
      tags: tags.value.split(',').map((tag) => tag.trim()).filter(Boolean),
    };
    try {
      const saved = editing
        ? await call('/api/v1/kb/articles/' + encodeURIComponent(editing), { method: 'PUT', body: fields })
        : await call('/api/v1/kb/articles', { method: 'POST', body: { id: id.value.trim(), ...fields } });
      status.textContent = t('article_saved', { title: saved.title });
      reset();
    } catch (error) {
      status.textContent = errorText(error);
      return;
    }
    await load();
  });
  pane.replaceChildren(el('section', { class: 'canned-settings', 'aria-labelledby': 'articles-title' },
    el('h2', { id: 'articles-title' }, t('articles')),
    list, canChange ? form : null));
  await load();
}
