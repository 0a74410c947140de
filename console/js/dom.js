// DOM helpers. Content is always set as text (never innerHTML), so names, remarks and error
// messages from the server cannot inject markup.
import { t } from './i18n.js';

// h('button.primary', {onclick}, 'Save') → <button class="primary">Save</button>.
// Attributes: on* are listeners, `hidden`/`disabled`/… booleans, everything else setAttribute.
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren();
  for (const c of children.flat(Infinity)) if (c) el.append(c);
  return el;
}

// A labelled form field; returns {row, input}.
export function field(label, input, hint) {
  const id = 'f' + Math.random().toString(36).slice(2, 9);
  input.id = id;
  const hintEl = hint ? h('div.hint', { id: id + '-hint' }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return { row: h('div.field', {}, h('label', { for: id }, label), input, hintEl), input, hint: hintEl };
}

// Shows a dismissible message in the alert area. kind: 'error' | 'info'.
export function notify(message, kind = 'info') {
  const area = document.getElementById('alerts');
  const box = h(`div.alert.${kind}`, { role: kind === 'error' ? 'alert' : 'status' },
    h('span.msg', {}, message),
    h('button.link', { type: 'button', onclick: () => box.remove(), 'aria-label': t('dismiss') }, '×'));
  area.append(box);
  if (kind === 'info') setTimeout(() => box.remove(), 4000);
  return box;
}

export function clearAlerts() {
  document.getElementById('alerts').replaceChildren();
}

// Shows an API error with its Huawei code and message (and the request id to quote).
export function showError(err) {
  if (err && err.code) {
    const box = notify('', 'error');
    box.querySelector('.msg').replaceChildren(
      h('code.code', {}, err.code), ' ', err.message,
      err.requestId ? h('span.reqid', {}, ` (request_id ${err.requestId})`) : '');
    return box;
  }
  return notify(String((err && err.message) || err), 'error');
}

// Runs an async action, showing any error; returns its result or undefined on failure.
export async function attempt(fn) {
  try {
    return await fn();
  } catch (err) {
    if (!(err && err.expired)) showError(err);
    return undefined;
  }
}

// A modal dialog: `build(close)` returns the body; resolves with what close() was given.
export function modal(title, build) {
  const dlg = document.getElementById('dialog');
  return new Promise((resolve) => {
    const close = (value) => { dlg.close(); resolve(value); };
    dlg.onclose = () => resolve(undefined);
    const heading = h('h2', { id: 'dialog-title' }, title);
    clear(dlg, heading, build(close));
    dlg.setAttribute('aria-labelledby', 'dialog-title');
    dlg.showModal();
    const first = dlg.querySelector('input, select, textarea, button.primary');
    if (first) first.focus();
  });
}

// Asks for confirmation; resolves true only when confirmed.
export function confirmAction(message, confirmLabel) {
  return modal(t('confirm'), (close) => h('div', {},
    h('p', {}, message),
    h('div.actions', {},
      h('button', { type: 'button', onclick: () => close(false) }, t('cancel')),
      h('button.danger', { type: 'button', onclick: () => close(true) }, confirmLabel || t('confirm')))))
    .then((v) => v === true);
}

// Copies text to the clipboard (Clipboard API; a hidden textarea as fallback).
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const ta = h('textarea.offscreen', { 'aria-hidden': 'true' });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
  notify(t('copied'));
}

export function table(headers, rows, emptyText) {
  if (!rows.length) return h('p.empty', {}, emptyText || t('none'));
  return h('table', {},
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c))))));
}

export function fmtTime(value) {
  if (value === undefined || value === null || value === '') return '';
  const d = typeof value === 'number' ? new Date(value) : new Date(String(value));
  return isNaN(d) ? String(value) : d.toLocaleString();
}
