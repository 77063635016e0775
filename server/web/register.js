// Create an account (API.md §6 register, with the cookie transport of §8).
'use strict';

(function () {
  const form = document.getElementById('register-form');
  const username = document.getElementById('username');
  const email = document.getElementById('email');
  const password = document.getElementById('password');
  const submit = document.getElementById('submit');
  const message = document.getElementById('form-message');

  // The rules of API.md §6, checked here first so the message is specific.
  function problem() {
    if (!/^[A-Za-z0-9_.-]{3,32}$/.test(username.value)) {
      return [username, 'Choose a username of 3 to 32 letters, digits, dots, dashes or underscores.'];
    }
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.value.trim())) {
      return [email, 'Enter an email address like name@example.com.'];
    }
    if (password.value.length < 8) return [password, 'Choose a password of at least 8 characters.'];
    if (password.value.length > 128) return [password, 'Choose a password of at most 128 characters.'];
    return null;
  }

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    sk.hideMessage(message);
    for (const input of [username, email, password]) input.removeAttribute('aria-invalid');
    const wrong = problem();
    if (wrong) {
      wrong[0].setAttribute('aria-invalid', 'true');
      sk.showMessage(message, wrong[1]);
      wrong[0].focus();
      return;
    }
    sk.setBusy(submit, true, 'Creating your account\u2026');
    const result = await sk.api('POST', '/api/auth/register',
      { username: username.value, email: email.value.trim(), password: password.value },
      { retry: false });
    if (result.ok) {
      window.location.assign('/account');
      return;
    }
    sk.setBusy(submit, false);
    sk.showMessage(message, sk.describe(result));
  });
})();
