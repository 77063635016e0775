// Security: change password (API.md §6 password; it signs out every other device).
// TOTP (API.md §9): the two-factor section's script goes beside this one.
'use strict';

(function () {
  const form = document.getElementById('password-form');
  const current = document.getElementById('current-password');
  const next = document.getElementById('new-password');
  const confirm = document.getElementById('confirm-password');
  const submit = document.getElementById('password-submit');
  const message = document.getElementById('password-message');
  const accountName = document.getElementById('account-name');

  let username = '';
  sk.api('GET', '/api/users/me').then(function (me) {
    if (me.status === 401) return sk.toLogin('expired');
    if (me.ok && me.data && me.data.user) accountName.value = username = me.data.user.username;
  });

  function invalid(input, text) {
    input.setAttribute('aria-invalid', 'true');
    sk.showMessage(message, text);
    input.focus();
  }

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    sk.hideMessage(message);
    for (const input of [current, next, confirm]) input.removeAttribute('aria-invalid');
    if (!current.value) return invalid(current, 'Enter your current password.');
    if (next.value.length < 8) return invalid(next, 'Choose a new password of at least 8 characters.');
    if (next.value.length > 128) return invalid(next, 'Choose a new password of at most 128 characters.');
    if (next.value !== confirm.value) return invalid(confirm, 'The two new passwords are not the same.');
    sk.setBusy(submit, true, 'Changing\u2026');
    const result = await sk.api('POST', '/api/auth/password',
      { current_password: current.value, new_password: next.value });
    sk.setBusy(submit, false);
    if (result.ok) {
      form.reset();
      accountName.value = username;
      const n = result.data && Number.isInteger(result.data.revoked) ? result.data.revoked : 0;
      const others = n === 0 ? '' :
        ' ' + n + (n === 1 ? ' other device was' : ' other devices were') + ' signed out.';
      sk.showMessage(message, 'Your password was changed.' + others, 'ok');
      return;
    }
    if (result.status === 401 && result.code !== 'invalid_credentials') return sk.toLogin('expired');
    sk.showMessage(message, sk.describe(result, 'password'));
    if (result.code === 'invalid_credentials') {
      current.value = '';
      current.setAttribute('aria-invalid', 'true');
      current.focus();
    }
  });

  sk.setUpTopBar();
})();
