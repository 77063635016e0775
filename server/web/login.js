// Sign in (API.md §6 login, with the cookie transport of §8).
'use strict';

(function () {
  const form = document.getElementById('login-form');
  const identifier = document.getElementById('identifier');
  const password = document.getElementById('password');
  const submit = document.getElementById('submit');
  const message = document.getElementById('form-message');

  const notices = {
    this_device: 'You signed out.',
    everywhere: 'You signed out on every device.',
    revoked: 'This device was signed out.',
    expired: 'Your session has ended. Please sign in again.',
  };
  const reason = new URLSearchParams(window.location.search).get('signed_out');
  if (reason && notices[reason]) sk.showMessage(message, notices[reason], 'info');

  // Still signed in on this browser (an expired access cookie, a live refresh cookie):
  // renew quietly and go on. The csrf cookie is the readable sign of a session.
  if (!reason && sk.csrfToken()) {
    sk.refresh().then(function (result) {
      if (result.ok) window.location.replace('/account');
    });
  }

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    sk.hideMessage(message);
    identifier.removeAttribute('aria-invalid');
    password.removeAttribute('aria-invalid');
    if (!identifier.value.trim()) {
      identifier.setAttribute('aria-invalid', 'true');
      sk.showMessage(message, 'Enter your email or username.');
      identifier.focus();
      return;
    }
    if (!password.value) {
      password.setAttribute('aria-invalid', 'true');
      sk.showMessage(message, 'Enter your password.');
      password.focus();
      return;
    }
    sk.setBusy(submit, true, 'Signing in\u2026');
    const result = await sk.api('POST', '/api/auth/login',
      { email_or_username: identifier.value.trim(), password: password.value }, { retry: false });
    if (result.ok) {
      // TOTP (API.md §9): when result.data.requires_2fa, show the code step here.
      window.location.assign('/account');
      return;
    }
    sk.setBusy(submit, false);
    sk.showMessage(message, sk.describe(result));
    if (result.code === 'invalid_credentials') {
      password.value = '';
      password.setAttribute('aria-invalid', 'true');
      password.focus();
    }
  });
})();
