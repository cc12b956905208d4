// The SLA policy in the console: response and resolution targets, business
// hours and holidays. Supervisors read it; administrators change it, and
// what they save wins over hotline.toml until they reset it.

import { t, el, errorText, formatDate } from './common.js';

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];

function number(id, value, label) {
  return [el('label', { for: id }, label),
    el('input', { id, type: 'number', min: 1, step: 1, required: true, value: String(value) })];
}

/** Draws the page into `pane`; `canChange`: the reader is an administrator. */
export async function showSla(pane, call, canChange) {
  const status = el('p', { id: 'sla-status', role: 'status' });
  const body = el('div', { id: 'sla-body' });
  const load = async () => {
    let settings;
    try { settings = await call('/api/v1/settings/sla'); } catch (error) {
      body.replaceChildren(el('p', { class: 'error', role: 'alert' }, errorText(error)));
      return;
    }
    const policy = settings.policy;
    const urgent = policy.priorities?.urgent || policy.targets;
    const hours = policy.business_hours;
    const scheduled = el('input', { id: 'sla-scheduled', type: 'checkbox', checked: Boolean(hours) });
    const opens = el('input', { id: 'sla-opens', type: 'time', value: hours?.opens || '09:00' });
    const closes = el('input', { id: 'sla-closes', type: 'time', value: hours?.closes || '18:00' });
    const offset = el('input', { id: 'sla-offset', type: 'number', min: -23, max: 23, value: String(hours?.utc_offset_hours ?? 3) });
    const federal = el('input', { id: 'sla-federal', type: 'checkbox', checked: Boolean(hours?.russian_calendar) });
    const days = el('fieldset', { class: 'team-departments' }, el('legend', {}, t('sla_weekdays')),
      WEEKDAYS.map((d) => el('label', { class: 'check' },
        el('input', { type: 'checkbox', value: String(d), checked: (hours?.weekdays || [1, 2, 3, 4, 5]).includes(d) }),
        ` ${t('weekday_' + d)}`)));
    const holidays = el('textarea', { id: 'sla-holidays', rows: 3, placeholder: '2026-12-31' }, (hours?.holidays || []).join('\n'));
    const form = el('form', { class: 'canned-form sla-form', novalidate: true },
      el('p', { id: 'sla-source', class: 'muted' }, settings.source === 'console'
        ? t('sla_from_console', { date: formatDate(settings.updated_at) })
        : t('sla_from_file')),
      el('h3', {}, t('sla_targets')),
      ...number('sla-first', policy.targets.first_response_minutes, t('sla_first_response')),
      ...number('sla-resolution', policy.targets.resolution_minutes, t('sla_resolution')),
      ...number('sla-urgent-first', urgent.first_response_minutes, t('sla_urgent_first_response')),
      ...number('sla-urgent-resolution', urgent.resolution_minutes, t('sla_urgent_resolution')),
      el('h3', {}, t('sla_hours')),
      el('label', { class: 'check' }, scheduled, ` ${t('sla_scheduled')}`),
      el('label', { for: 'sla-opens' }, t('sla_opens')), opens,
      el('label', { for: 'sla-closes' }, t('sla_closes')), closes,
      el('label', { for: 'sla-offset' }, t('sla_offset')), offset,
      days,
      el('label', { class: 'check' }, federal, ` ${t('sla_federal')}`),
      el('label', { for: 'sla-holidays' }, t('sla_holidays')), holidays,
      status,
      canChange ? el('button', { type: 'submit', class: 'primary' }, t('canned_save')) : null,
      canChange && settings.source === 'console'
        ? el('button', { type: 'button', class: 'secondary', onclick: async () => {
          try { await call('/api/v1/settings/sla', { method: 'DELETE' }); status.textContent = t('sla_reset_done'); } catch (error) { status.textContent = errorText(error); }
          await load();
        } }, t('sla_reset'))
        : null);
    if (!canChange) form.querySelectorAll('input, textarea').forEach((i) => { i.disabled = true; });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const minutes = (id) => Number(form.querySelector('#' + id).value);
      const next = {
        ...policy,
        targets: { first_response_minutes: minutes('sla-first'), resolution_minutes: minutes('sla-resolution') },
        priorities: { ...policy.priorities,
          urgent: { first_response_minutes: minutes('sla-urgent-first'), resolution_minutes: minutes('sla-urgent-resolution') } },
        business_hours: scheduled.checked ? {
          utc_offset_hours: Number(offset.value),
          opens: opens.value,
          closes: closes.value,
          weekdays: [...days.querySelectorAll('input:checked')].map((i) => Number(i.value)),
          holidays: holidays.value.split(/[\s,]+/).filter(Boolean),
          russian_calendar: federal.checked,
        } : null,
      };
      try {
        await call('/api/v1/settings/sla', { method: 'PUT', body: next });
      } catch (error) {
        // The server's message says which value to fix.
        status.textContent = error?.code === 'invalid_setting' ? `${errorText(error)} ${error.message}` : errorText(error);
        return;
      }
      await load();
      document.getElementById('sla-status').textContent = t('sla_saved');
    });
    body.replaceChildren(form);
  };
  pane.replaceChildren(el('section', { class: 'canned-settings', 'aria-labelledby': 'sla-title' },
    el('h2', { id: 'sla-title' }, t('sla_settings')), body));
  await load();
}
