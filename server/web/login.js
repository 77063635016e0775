// Sign in (API.md §6 login, with the cookie transport of §8), and its second step (§9):
// when login answers requires_2fa, the same card asks for the authenticator code (or a
// recovery code) and posts it with the mfa_token to /api/auth/2fa/verify.
'use strict';

(function () {
  const form = document.getElementById('login-form');
  const identifier = document.getElementById('identifier');
  const password = document.getElementById('password');
  const submit = document.getElementById('submit');
  const message = document.getElementById('form-message');
  const title = document.getElementById('title');
  const lead = document.getElementById('lead');
  const registerLink = document.getElementById('register-link');

  const codeForm = document.getElementById('code-form');
  const code = document.getElementById('code');
  const totpField = document.getElementById('totp-field');
  const recovery = document.getElementById('recovery-code');
  const recoveryField = document.getElementById('recovery-field');
  const codeSubmit = document.getElementById('code-submit');
  const useRecovery = document.getElementById('use-recovery');
  const startOver = document.getElementById('start-over');

  const FIRST_TITLE = title.textContent;
  const FIRST_LEAD = lead.textContent;

  let mfaToken = '';
  let withRecovery = false;

  const notices = {
    this_device: 'You signed out.',
    everywhere: 'You signed out on every device.',
    revoked: 'This device was signed out.',
    expired: 'Your session has ended. Please sign in again.',
    password_reset: 'Your password was changed. Sign in with the new one.',
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

  // --- step 1: the password ---

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
    if (result.ok && result.data && result.data.requires_2fa) {
      sk.setBusy(submit, false);
      return showCodeStep(result.data.mfa_token);
    }
    if (result.ok) {
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

  // --- step 2: the code ---

  function showCodeStep(token) {
    mfaToken = token;
    password.value = '';  // not kept in the page longer than needed
    form.hidden = true;
    registerLink.hidden = true;
    codeForm.hidden = false;
    title.textContent = 'Two-step verification';
    setRecoveryMode(false);
    code.focus();
  }

  function setRecoveryMode(on) {
    withRecovery = on;
    sk.hideMessage(message);
    code.value = '';
    recovery.value = '';
    code.removeAttribute('aria-invalid');
    recovery.removeAttribute('aria-invalid');
    totpField.hidden = on;
    code.required = !on;
    recoveryField.hidden = !on;
    recovery.required = on;
    lead.textContent = on
      ? 'Enter one of the recovery codes you saved when you turned on two-factor authentication.'
      : 'Open your authenticator app and enter the code it shows for this account.';
    useRecovery.textContent = on ? 'Use the authenticator app instead' : 'Use a recovery code instead';
    (on ? recovery : code).focus();
  }

  function backToPassword(text) {
    mfaToken = '';
    codeForm.hidden = true;
    form.hidden = false;
    registerLink.hidden = false;
    title.textContent = FIRST_TITLE;
    lead.textContent = FIRST_LEAD;
    if (text) sk.showMessage(message, text, 'info'); else sk.hideMessage(message);
    password.focus();
  }

  useRecovery.addEventListener('click', function () { setRecoveryMode(!withRecovery); });
  startOver.addEventListener('click', function () { backToPassword(''); });

  codeForm.addEventListener('submit', async function (event) {
    event.preventDefault();
    sk.hideMessage(message);
    const input = withRecovery ? recovery : code;
    input.removeAttribute('aria-invalid');
    const value = input.value.replace(/\s+/g, '');
    if (!withRecovery && !/^[0-9]{6}$/.test(value)) {
      input.setAttribute('aria-invalid', 'true');
      sk.showMessage(message, 'Enter the 6 digits your authenticator app shows.');
      input.focus();
      return;
    }
    if (withRecovery && value.length < 10) {
      input.setAttribute('aria-invalid', 'true');
      sk.showMessage(message, 'Enter a recovery code, like abcde-23456.');
      input.focus();
      return;
    }
    const body = withRecovery ? { mfa_token: mfaToken, recovery_code: value }
                              : { mfa_token: mfaToken, code: value };
    sk.setBusy(codeSubmit, true, 'Checking\u2026');
    const result = await sk.api('POST', '/api/auth/2fa/verify', body, { retry: false });
    if (result.ok) {
      const left = result.data && result.data.recovery_codes_left;
      if (Number.isInteger(left)) {
        try { sessionStorage.setItem('sk_recovery_codes_left', String(left)); } catch (e) { /* off */ }
      }
      window.location.assign('/account');
      return;
    }
    sk.setBusy(codeSubmit, false);
    if (result.status === 401 && result.code === 'invalid_code') {
      input.value = '';
      input.setAttribute('aria-invalid', 'true');
      sk.showMessage(message, withRecovery
        ? 'That recovery code is not right, or it was used already.'
        : 'That code is not right. Codes change every 30 seconds: enter the one your app shows now.');
      input.focus();
      return;
    }
    if (result.status === 401) {
      // Unknown, expired (5 minutes) or spent mfa_token, or 5 wrong codes.
      return backToPassword('Your sign-in expired or had too many wrong codes. ' +
        'Please enter your password again.');
    }
    sk.showMessage(message, sk.describe(result));
  });
})();
