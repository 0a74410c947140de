// Sign-in with the IAM password method: domain, user, password, project.
import { h, clear, field, showError, clearAlerts } from '../dom.js';
import { t } from '../i18n.js';
import { signIn } from '../api.js';
import { startSession } from '../session.js';

export function signInPage(main, done) {
  const domain = field(t('domain'), h('input', { name: 'domain', value: 'default', autocomplete: 'organization', required: true }));
  const user = field(t('user'), h('input', { name: 'user', autocomplete: 'username', required: true }));
  const password = field(t('password'), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true }));
  const project = field(t('project'), h('input', { name: 'project', value: 'default', required: true }));
  const submit = h('button.primary', { type: 'submit' }, t('signIn'));
  const form = h('form.card.signin', {
    onsubmit: async (e) => {
      e.preventDefault();
      submit.disabled = true;
      try {
        const res = await signIn({ domain: domain.input.value, user: user.input.value,
          password: password.input.value, project: project.input.value });
        const body = await res.json();
        startSession(res.headers.get('X-Subject-Token'), body.token);
        clearAlerts();
        done();
      } catch (err) {
        showError(err);
      } finally {
        submit.disabled = false;
      }
    },
  }, h('h1', {}, t('signInTitle')), domain.row, user.row, password.row, project.row,
  h('div.actions', {}, submit));
  clear(main, form);
  user.input.focus();
}
