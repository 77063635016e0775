// Reset password (API.md §13): the token of the mailed link (taken out of the address bar
// at once), a new password twice, and the authenticator code when the server answers that
// this account has two-factor authentication on (401 invalid_code, as for a password
// change, §9; a recovery code is taken too). Success revokes every session of the user:
// the page says so and links to the sign-in page.
'use strict';

(function () {
  const token = sk.takeLinkToken();
  const choose = document.getElementById('choose');
  const form = document.getElementById('reset-form');
  const next = document.getElementById('new-password');
  const confirm = document.getElementById('confirm-password');
  const codeField = document.getElementById('code-field');
  const code = document.getElementById('code');
  const submit = document.getElementById('submit');
  const message = document.getElementById('form-message');
  const done = document.getElementById('done');
  const doneText = document.getElementById('done-text');
  const badLink = document.getElementById('bad-link');
  const backLink = document.getElementById('back-link');

  let needsCode = false;

  function showState(section) {
    for (const s of [choose, done, badLink]) s.hidden = s !== section;
    backLink.hidden = section === done;
    if (section !== choose) section.focus();
  }

  if (!token) return showState(badLink);

  function invalid(input, text) {
    input.setAttribute('aria-invalid', 'true');
    sk.showMessage(message, text);
    input.focus();
  }

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    sk.hideMessage(message);
    for (const input of [next, confirm, code]) input.removeAttribute('aria-invalid');
    // The rules of register (API.md §6), checked here first so the message is specific.
    if (next.value.length < 8) return invalid(next, 'Choose a password of at least 8 characters.');
    if (next.value.length > 128) return invalid(next, 'Choose a password of at most 128 characters.');
    if (next.value !== confirm.value) return invalid(confirm, 'The two passwords are not the same.');
    const body = { token: token, new_password: next.value };
    if (needsCode) {
      // A TOTP code as typed ("123 456" too), or a recovery code (abcde-23456).
      const typed = code.value.replace(/\s+/g, '');
      if (/^[0-9]*$/.test(typed) ? typed.length !== 6 : typed.length < 10) {
        return invalid(code, 'Enter the 6-digit code your authenticator app shows, or a recovery code.');
      }
      body.code = typed;
    }
    sk.setBusy(submit, true, 'Saving\u2026');
    const result = await sk.api('POST', '/api/auth/password/reset', body, { retry: false });
    sk.setBusy(submit, false);
    if (result.ok) {
      next.value = confirm.value = code.value = '';
      const n = result.data && Number.isInteger(result.data.revoked) ? result.data.revoked : 0;
      doneText.textContent = (n === 0 ? '' : 'For your safety, every device that was signed in ' +
        'to your account was signed out (' + sk.plural(n, 'device') + '). ') +
        'Sign in with your new password.';
      return showState(done);
    }
    if (result.code === 'invalid_token') return showState(badLink);
    if (result.code === 'invalid_code') {
      code.value = '';
      if (!needsCode) {
        needsCode = true;
        codeField.hidden = false;
        code.required = true;
        sk.showMessage(message, 'Two-factor authentication is on for this account. ' +
          'Enter the code your authenticator app shows (or a recovery code), then set the ' +
          'password again.', 'info');
        code.focus();
        return;
      }
      return invalid(code, 'That code is not right, or that recovery code was used already. ' +
        'Authenticator codes change every 30 seconds: enter the one your app shows now.');
    }
    sk.showMessage(message, sk.describe(result));
  });
})();
