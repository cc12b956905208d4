// The team in the console, for administrators: every operator with their
// role, departments and status, changed in place; inviting a new one gives
// a one-time link to pass on. The server audits each change.

import { t, el, errorText } from './common.js';

const ROLES = ['operator', 'supervisor', 'admin'];

function roleSelect(id, value, label) {
  return el('select', { id, 'aria-label': label },
    ROLES.map((role) => el('option', { value: role, selected: role === value }, t('role_' + role))));
}

/** Checkboxes of `departments`, those in `chosen` ticked, in a labelled group. */
function departmentBoxes(prefix, departments, chosen, label) {
  return el('fieldset', { class: 'team-departments' },
    el('legend', { class: 'visually-hidden' }, label),
    departments.map((d) => el('label', { class: 'check' },
      el('input', { type: 'checkbox', value: d.id, checked: chosen.includes(d.id), id: `${prefix}-${d.id}` }),
      ` ${d.name}`)));
}

const ticked = (box) => [...box.querySelectorAll('input:checked')].map((i) => i.value);

function statusText(operator) {
  if (!operator.active) return t('team_status_inactive');
  return operator.invited ? t('team_status_invited') : t('team_status_active');
}

/** Draws the team page into `pane`; `me` is the administrator looking. */
export async function showTeam(pane, call, departments, me) {
  const list = el('div', { id: 'team-list', 'aria-live': 'polite' });
  const status = el('p', { id: 'team-status', role: 'status' });
  const link = el('div', { id: 'invite-result' });
  const showLink = (body) => {
    const url = location.origin + body.invite_path;
    const field = el('input', { id: 'invite-link', readonly: true, value: url, 'aria-label': t('team_invite_link') });
    link.replaceChildren(
      el('p', {}, t('team_invite_ready', { name: body.operator.name })),
      field,
      el('button', { type: 'button', class: 'secondary', onclick: () => navigator.clipboard?.writeText(url) }, t('team_copy')));
  };
  const load = async () => {
    let body;
    try { body = await call('/api/v1/operators'); } catch (error) {
      list.replaceChildren(el('p', { class: 'error', role: 'alert' }, errorText(error)));
      return;
    }
    list.replaceChildren(el('table', { class: 'canned team' },
      el('caption', { class: 'visually-hidden' }, t('team')),
      el('thead', {}, el('tr', {}, ['team_operator', 'team_role', 'team_departments', 'team_status']
        .map((key) => el('th', { scope: 'col' }, t(key))))),
      el('tbody', {}, body.operators.map((operator) => {
        const self = operator.id === me.id;
        const role = roleSelect(`role-${operator.id}`, operator.role, t('team_role_of', { name: operator.name }));
        role.disabled = self;
        const boxes = departmentBoxes(`dept-${operator.id}`, departments, operator.departments,
          t('team_departments_of', { name: operator.name }));
        const act = async (change, done) => {
          try {
            await call('/api/v1/operators/' + encodeURIComponent(operator.id), { method: 'PATCH', body: change });
            status.textContent = done;
          } catch (error) { status.textContent = errorText(error); }
          await load();
        };
        return el('tr', { 'data-email': operator.email, class: operator.active ? '' : 'inactive' },
          el('td', {}, operator.name, el('span', { class: 'team-email' }, operator.email)),
          el('td', {}, role),
          el('td', {}, boxes),
          el('td', { class: 'team-actions' },
            el('span', { class: 'team-state' }, statusText(operator)),
            el('button', { type: 'button', class: 'link', 'aria-label': t('team_save_named', { name: operator.name }),
              onclick: () => act({ role: role.value, departments: ticked(boxes) }, t('team_saved', { name: operator.name })) },
            t('canned_save')),
            self ? null : el('button', { type: 'button', class: 'link',
              'aria-label': t(operator.active ? 'team_deactivate_named' : 'team_activate_named', { name: operator.name }),
              onclick: () => act({ active: !operator.active },
                t(operator.active ? 'team_deactivated' : 'team_activated', { name: operator.name })) },
            t(operator.active ? 'team_deactivate' : 'team_activate')),
            operator.active ? el('button', { type: 'button', class: 'link', 'aria-label': t('team_new_link_named', { name: operator.name }),
              onclick: async () => {
                try { showLink(await call(`/api/v1/operators/${encodeURIComponent(operator.id)}/invite`, { method: 'POST', body: {} })); } catch (error) { status.textContent = errorText(error); }
              } }, t('team_new_link')) : null));
      }))));
  };
  const email = el('input', { id: 'invite-email', type: 'email', required: true, autocomplete: 'off' });
  const name = el('input', { id: 'invite-name', maxlength: 100, required: true, autocomplete: 'off' });
  const role = el('select', { id: 'invite-role' }, ROLES.map((r) => el('option', { value: r }, t('role_' + r))));
  const boxes = departmentBoxes('invite-dept', departments, [], t('team_departments'));
  const form = el('form', { class: 'canned-form', novalidate: true },
    el('h3', {}, t('team_invite')),
    el('label', { for: 'invite-email' }, t('email')), email,
    el('label', { for: 'invite-name' }, t('team_name')), name,
    el('label', { for: 'invite-role' }, t('team_role')), role,
    el('p', { class: 'muted' }, t('team_departments')), boxes,
    el('button', { type: 'submit', class: 'primary' }, t('team_invite_send')),
    link);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const body = await call('/api/v1/operators', { method: 'POST', body: {
        email: email.value, name: name.value, role: role.value, departments: ticked(boxes),
      } });
      status.textContent = t('team_invited', { name: body.operator.name });
      showLink(body);
      email.value = '';
      name.value = '';
    } catch (error) {
      status.textContent = errorText(error);
      return;
    }
    await load();
  });
  pane.replaceChildren(el('section', { class: 'canned-settings', 'aria-labelledby': 'team-title' },
    el('h2', { id: 'team-title' }, t('team')),
    status, list, form));
  await load();
}
