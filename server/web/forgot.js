// Forgot password (API.md §13): asks for the account's email and posts it to
// /api/auth/password/forgot. The answer is the same whether or not such an account exists,
// and so is this page: "if an account exists, we sent a link".
'use strict';

(function () {
  const ask = document.getElementById('ask');
  const form = document.getElementById('forgot-form');
  const email = document.getElementById('email');
  const submit = document.getElementById('submit');
  const message = document.getElementById('form-message');
  const sent = document.getElementById('sent');
  const sentTo = document.getElementById('sent-to');
  const sendAgain = document.getElementById('send-again');

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    sk.hideMessage(message);
    email.removeAttribute('aria-invalid');
    const address = email.value.trim();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) {
      email.setAttribute('aria-invalid', 'true');
      sk.showMessage(message, 'Enter the email address of your account, like name@example.com.');
      email.focus();
      return;
    }
    sk.setBusy(submit, true, 'Sending\u2026');
    const result = await sk.api('POST', '/api/auth/password/forgot', { email: address },
      { retry: false });
    sk.setBusy(submit, false);
    if (result.ok) {
      sentTo.textContent = address;
      ask.hidden = true;
      sent.hidden = false;
      sent.focus();
      return;
    }
    if (result.status === 429) {
      const wait = sk.waitText(result);
      sk.showMessage(message, 'Too many reset requests. ' +
        (wait ? 'Try again in ' + wait + '.' : 'Try again in a few minutes.'));
      return;
    }
    sk.showMessage(message, sk.describe(result));
  });

  sendAgain.addEventListener('click', function () {
    sent.hidden = true;
    ask.hidden = false;
    email.focus();
  });
})();
