// Supervisors' reports in the console: a period's numbers, two bar charts
// (openings by hour and by weekday) drawn as inline SVG, and the same
// numbers as CSV. No charting library: two bar charts are a few lines of
// SVG, which scale, print and need nothing from a CDN.

import { t, el, errorText, saveAs } from './common.js';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

/** A bar chart of `values` with `labels` under the bars; its numbers are also in a table. */
function barChart(title, labels, values) {
  const width = 560;
  const height = 160;
  const base = height - 20;
  const max = Math.max(1, ...values);
  const step = width / values.length;
  const bars = values.map((v, i) => {
    const h = Math.round((v / max) * (base - 14));
    return svg('g', {},
      svg('rect', { x: i * step + 2, y: base - h, width: step - 4, height: h, class: 'bar' },
        svg('title', {}, `${labels[i]}: ${v}`)),
      v ? svg('text', { x: i * step + step / 2, y: base - h - 3, class: 'bar-value', 'text-anchor': 'middle' }, String(v)) : '',
      svg('text', { x: i * step + step / 2, y: height - 5, class: 'bar-label', 'text-anchor': 'middle' }, labels[i]));
  });
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title, class: 'chart' }, ...bars);
  const table = el('table', { class: 'visually-hidden' },
    el('caption', {}, title),
    el('tbody', {}, labels.map((label, i) => el('tr', {}, el('th', { scope: 'row' }, label), el('td', {}, String(values[i]))))));
  return el('figure', { class: 'chart-box' }, el('figcaption', {}, title), chart, table);
}

function minutes(seconds) {
  return seconds == null ? '—' : t('minutes_short', { n: Math.max(0, Math.round(seconds / 60)) });
}

function figures(report) {
  const pair = (p) => `${minutes(p.p50)} / ${minutes(p.p90)}`;
  const csat = report.csat.count
    ? t('csat_line', { average: report.csat.average, share: Math.round(report.csat.satisfied_share * 100), count: report.csat.count })
    : '—';
  const rows = [
    ['report_opened', report.conversations_opened],
    ['report_resolved', report.conversations_resolved],
    ['report_bot_only', report.bot_only_resolved],
    ['report_first_response', pair(report.first_response_seconds)],
    ['report_queue_wait', pair(report.queue_wait_seconds)],
    ['report_resolution', pair(report.resolution_seconds)],
    ['report_sla_breached', report.sla_breached],
    ['report_csat', csat],
  ];
  return el('dl', { class: 'figures' }, rows.map(([key, value]) => el('div', { class: 'figure', 'data-metric': key },
    el('dt', {}, t(key)), el('dd', {}, String(value)))));
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

/** Draws the reports view into `pane` for `departments` ({id, name}). */
export function showReports(pane, departments) {
  const today = new Date();
  const weekAgo = new Date(today.getTime() - 6 * 86400000);
  const from = el('input', { type: 'date', id: 'report-from', value: isoDay(weekAgo), required: true });
  const to = el('input', { type: 'date', id: 'report-to', value: isoDay(today), required: true });
  const department = el('select', { id: 'report-department' },
    el('option', { value: '' }, t('all_departments')),
    departments.map((d) => el('option', { value: d.id }, d.name)));
  const result = el('div', { id: 'report-result', 'aria-live': 'polite' });
  const query = () => {
    const params = new URLSearchParams({ from: from.value, to: to.value });
    if (department.value) params.set('department', department.value);
    return '/api/v1/reports/summary?' + params;
  };
  const fetchReport = (accept) => fetch(query(), { headers: { accept }, credentials: 'same-origin' });
  const show = async () => {
    result.replaceChildren(el('p', { class: 'muted' }, t('loading')));
    const response = await fetchReport('application/json');
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      result.replaceChildren(el('p', { class: 'error', role: 'alert' }, errorText({ code: body.error?.code })));
      return;
    }
    const hours = [...Array(24).keys()].map((h) => String(h).padStart(2, '0'));
    const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => t('weekday_' + d));
    result.replaceChildren(figures(body),
      barChart(t('report_by_hour'), hours, body.by_hour),
      barChart(t('report_by_weekday'), days, body.by_weekday));
  };
  const downloadCsv = async () => {
    const response = await fetchReport('text/csv');
    if (response.ok) saveAs(await response.blob(), `hotline-${from.value}-${to.value}.csv`);
  };
  pane.replaceChildren(el('section', { class: 'reports', 'aria-labelledby': 'reports-title' },
    el('h2', { id: 'reports-title' }, t('reports')),
    el('form', { class: 'report-filters', onsubmit: (e) => { e.preventDefault(); show(); } },
      el('label', { for: 'report-from' }, t('report_from')), from,
      el('label', { for: 'report-to' }, t('report_to')), to,
      el('label', { for: 'report-department' }, t('department')), department,
      el('button', { type: 'submit', class: 'primary' }, t('report_show')),
      el('button', { type: 'button', class: 'secondary', onclick: downloadCsv }, t('report_csv'))),
    result));
  show();
}
