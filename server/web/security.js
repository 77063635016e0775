// Security: change password (API.md §6 password; it signs out every other device; with
// 2FA on it needs a code too) and two-factor authentication (§9): turn on (setup: the QR
// code and the key as text; confirm with a code; the recovery codes shown once), new
// recovery codes, turn off. GET /api/auth/2fa says which controls to show.
'use strict';

(function () {
  const form = document.getElementById('password-form');
  const current = document.getElementById('current-password');
  const next = document.getElementById('new-password');
  const confirm = document.getElementById('confirm-password');
  const submit = document.getElementById('password-submit');
  const message = document.getElementById('password-message');
  const accountName = document.getElementById('account-name');
  const passwordCodeField = document.getElementById('password-code-field');
  const passwordCode = document.getElementById('password-code');

  let username = '';
  let twoFactorOn = false;
  sk.api('GET', '/api/users/me').then(function (me) {
    if (me.status === 401) return sk.toLogin('expired');
    if (me.ok && me.data && me.data.user) accountName.value = username = me.data.user.username;
  });

  function invalid(input, text, where) {
    input.setAttribute('aria-invalid', 'true');
    sk.showMessage(where || message, text);
    input.focus();
  }

  // A TOTP code as typed ("123 456" too), or '' when it is not 6 digits.
  function sixDigits(value) {
    const digits = value.replace(/\s+/g, '');
    return /^[0-9]{6}$/.test(digits) ? digits : '';
  }

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    sk.hideMessage(message);
    for (const input of [current, next, confirm, passwordCode]) input.removeAttribute('aria-invalid');
    if (!current.value) return invalid(current, 'Enter your current password.');
    if (next.value.length < 8) return invalid(next, 'Choose a new password of at least 8 characters.');
    if (next.value.length > 128) return invalid(next, 'Choose a new password of at most 128 characters.');
    if (next.value !== confirm.value) return invalid(confirm, 'The two new passwords are not the same.');
    const body = { current_password: current.value, new_password: next.value };
    if (twoFactorOn) {
      body.code = sixDigits(passwordCode.value);
      if (!body.code) return invalid(passwordCode, 'Enter the 6-digit code your authenticator app shows.');
    }
    sk.setBusy(submit, true, 'Changing\u2026');
    const result = await sk.api('POST', '/api/auth/password', body);
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
    if (result.code === 'invalid_code') {
      passwordCode.value = '';
      if (!twoFactorOn) { twoFactorOn = true; passwordCodeField.hidden = false; }
      return invalid(passwordCode, 'That code is not right. Enter the one your app shows now.');
    }
    if (result.status === 401 && result.code !== 'invalid_credentials') return sk.toLogin('expired');
    sk.showMessage(message, sk.describe(result, 'password'));
    if (result.code === 'invalid_credentials') {
      current.value = '';
      current.setAttribute('aria-invalid', 'true');
      current.focus();
    }
  });

  // --- two-factor authentication ---

  const tfaMessage = document.getElementById('tfa-message');
  const status = document.getElementById('tfa-status');
  const views = {
    loading: document.getElementById('tfa-loading'),
    off: document.getElementById('tfa-off'),
    setup: document.getElementById('tfa-setup'),
    codes: document.getElementById('tfa-codes'),
    on: document.getElementById('tfa-on'),
    unavailable: document.getElementById('tfa-unavailable'),
  };
  const startButton = document.getElementById('tfa-start');
  const qr = document.getElementById('tfa-qr');
  const secretText = document.getElementById('tfa-secret');
  const confirmForm = document.getElementById('tfa-confirm-form');
  const confirmCode = document.getElementById('tfa-confirm-code');
  const confirmButton = document.getElementById('tfa-confirm');
  const cancelButton = document.getElementById('tfa-cancel');
  const codeList = document.getElementById('tfa-code-list');
  const copyButton = document.getElementById('tfa-copy');
  const downloadButton = document.getElementById('tfa-download');
  const codesDone = document.getElementById('tfa-codes-done');
  const codesLeft = document.getElementById('tfa-codes-left');
  const regenerateOpen = document.getElementById('tfa-regenerate-open');
  const regenerateForm = document.getElementById('tfa-regenerate-form');
  const regenerateCode = document.getElementById('tfa-regenerate-code');
  const regenerateButton = document.getElementById('tfa-regenerate');
  const disableOpen = document.getElementById('tfa-disable-open');
  const disableForm = document.getElementById('tfa-disable-form');
  const disableCode = document.getElementById('tfa-disable-code');
  const disableButton = document.getElementById('tfa-disable');
  const confirmMessage = document.getElementById('tfa-confirm-message');
  const regenerateMessage = document.getElementById('tfa-regenerate-message');
  const disableMessage = document.getElementById('tfa-disable-message');

  let shownCodes = [];

  function show(name) {
    for (const [key, element] of Object.entries(views)) element.hidden = key !== name;
  }

  function setOn(on, left) {
    twoFactorOn = on;
    passwordCodeField.hidden = !on;
    passwordCode.required = on;
    status.hidden = false;
    status.textContent = on ? 'On' : 'Off';
    status.className = 'status-pill' + (on ? ' on' : '');
    if (on && Number.isInteger(left)) {
      codesLeft.textContent = left === 0
        ? 'You have no unused recovery codes left. Make new ones now.'
        : sk.plural(left, 'unused code') + ' left. Each signs you in once without your phone.';
    }
  }

  function showOff() {
    setOn(false);
    show('off');
  }

  function showOn(left) {
    setOn(true, left);
    closeSubforms();
    show('on');
  }

  async function loadStatus() {
    const result = await sk.api('GET', '/api/auth/2fa');
    if (result.status === 401) return sk.toLogin('expired');
    if (!result.ok || !result.data) {
      views.loading.textContent = '';
      sk.showMessage(tfaMessage, sk.describe(result));
      return;
    }
    if (!result.data.available) return show('unavailable');
    if (result.data.enabled) return showOn(result.data.recovery_codes_left);
    showOff();
  }

  // The setup answer's SVG, rebuilt element by element from a whitelist: the page's CSP
  // (default-src 'self') refuses data: and blob: images, and no markup string goes into
  // the page. The server's QR SVG is one white <rect> and one black <path>.
  function renderQr(svgText) {
    const NS = 'http://www.w3.org/2000/svg';
    const parsed = new DOMParser().parseFromString(svgText, 'image/svg+xml');
    const root = parsed.documentElement;
    if (!root || root.namespaceURI !== NS || root.localName !== 'svg') return false;
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', root.getAttribute('viewBox') || '');
    svg.setAttribute('shape-rendering', 'crispEdges');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    for (const child of Array.from(root.children)) {
      if (child.localName !== 'rect' && child.localName !== 'path') continue;
      const copy = document.createElementNS(NS, child.localName);
      for (const name of ['width', 'height', 'fill', 'd']) {
        if (child.hasAttribute(name)) copy.setAttribute(name, child.getAttribute(name));
      }
      svg.appendChild(copy);
    }
    qr.replaceChildren(svg);
    return true;
  }

  // "JBSW Y3DP EHPK 3PXP ..." : read aloud or typed in groups of four.
  function grouped(secret) {
    return (secret.match(/.{1,4}/g) || []).join(' ');
  }

  startButton.addEventListener('click', async function () {
    sk.hideMessage(tfaMessage);
    sk.setBusy(startButton, true, 'Preparing\u2026');
    const result = await sk.api('POST', '/api/auth/2fa/totp/setup');
    sk.setBusy(startButton, false);
    if (result.status === 401) return sk.toLogin('expired');
    if (result.status === 409) return loadStatus();  // turned on elsewhere meanwhile
    if (!result.ok || !result.data) return sk.showMessage(tfaMessage, sk.describe(result));
    if (!renderQr(result.data.qr_svg)) qr.replaceChildren();
    secretText.textContent = grouped(result.data.secret);
    confirmCode.value = '';
    confirmCode.removeAttribute('aria-invalid');
    sk.hideMessage(confirmMessage);
    show('setup');
    confirmCode.focus();
  });

  cancelButton.addEventListener('click', function () {
    sk.hideMessage(tfaMessage);
    qr.replaceChildren();
    secretText.textContent = '';
    showOff();
    startButton.focus();
  });

  // Answers shared by confirm, new codes and turn off; a wrong code is said beside its
  // field.
  function codeFailure(result, input, what) {
    if (result.code === 'invalid_code') {
      input.value = '';
      const where = what === 'disable' ? disableMessage
                  : what === 'regenerate' ? regenerateMessage : confirmMessage;
      return invalid(input, what === 'disable'
        ? 'That code is not right. Enter the code your app shows now, or an unused recovery code.'
        : 'That code is not right. Codes change every 30 seconds: enter the one your app shows now.',
      where);
    }
    if (result.status === 401) return sk.toLogin('expired');
    if (result.status === 400 && what === 'confirm') {
      sk.showMessage(tfaMessage, 'This setup is no longer current. Start again.');
      return showOff();
    }
    if (result.status === 400) {  // turned off elsewhere meanwhile
      sk.showMessage(tfaMessage, 'Two-factor authentication is not on any more.');
      return loadStatus();
    }
    sk.showMessage(tfaMessage, sk.describe(result));
  }

  function showCodes(codes, intro) {
    shownCodes = codes.slice();
    codeList.replaceChildren();
    for (const c of shownCodes) {
      const li = document.createElement('li');
      li.textContent = c;
      codeList.appendChild(li);
    }
    if (intro) sk.showMessage(tfaMessage, intro, 'ok');
    show('codes');
    codesDone.focus();
  }

  confirmForm.addEventListener('submit', async function (event) {
    event.preventDefault();
    sk.hideMessage(tfaMessage);
    sk.hideMessage(confirmMessage);
    confirmCode.removeAttribute('aria-invalid');
    const code = sixDigits(confirmCode.value);
    if (!code) {
      return invalid(confirmCode, 'Enter the 6-digit code your authenticator app shows.',
                     confirmMessage);
    }
    sk.setBusy(confirmButton, true, 'Checking\u2026');
    const result = await sk.api('POST', '/api/auth/2fa/totp/confirm', { code: code });
    sk.setBusy(confirmButton, false);
    if (!result.ok || !result.data) return codeFailure(result, confirmCode, 'confirm');
    qr.replaceChildren();
    secretText.textContent = '';
    setOn(true, result.data.recovery_codes.length);
    const n = Number.isInteger(result.data.revoked) ? result.data.revoked : 0;
    const others = n === 0 ? '' :
      ' ' + n + (n === 1 ? ' other device was' : ' other devices were') + ' signed out.';
    showCodes(result.data.recovery_codes, 'Two-factor authentication is on.' + others);
  });

  codesDone.addEventListener('click', function () {
    shownCodes = [];
    codeList.replaceChildren();
    sk.hideMessage(tfaMessage);
    showOn(10);
    regenerateOpen.focus();
  });

  copyButton.addEventListener('click', async function () {
    const text = shownCodes.join('\n');
    let copied = false;
    try {
      await navigator.clipboard.writeText(text);
      copied = true;
    } catch (e) {
      // No clipboard API (a plain-HTTP page): select the list so that Ctrl+C copies it.
      const range = document.createRange();
      range.selectNodeContents(codeList);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      copied = document.execCommand && document.execCommand('copy');
    }
    sk.showMessage(tfaMessage, copied ? 'The recovery codes were copied.'
      : 'The codes are selected: press Ctrl+C (or \u2318+C) to copy them.', copied ? 'ok' : 'info');
  });

  downloadButton.addEventListener('click', function () {
    const lines = ['sessionkit recovery codes' + (username ? ' for ' + username : ''),
      'Each code signs you in once without your authenticator app.', ''].concat(shownCodes);
    const blob = new Blob([lines.join('\n') + '\n'], { type: 'text/plain' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'sessionkit-recovery-codes.txt';
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  });

  function closeSubforms() {
    for (const [opener, subform] of [[regenerateOpen, regenerateForm], [disableOpen, disableForm]]) {
      subform.hidden = true;
      subform.reset();
      for (const alert of subform.querySelectorAll('[role="alert"]')) sk.hideMessage(alert);
      for (const input of subform.querySelectorAll('input')) input.removeAttribute('aria-invalid');
      opener.setAttribute('aria-expanded', 'false');
    }
  }

  function toggle(opener, subform, input) {
    const open = subform.hidden;
    closeSubforms();
    sk.hideMessage(tfaMessage);
    if (open) {
      subform.hidden = false;
      opener.setAttribute('aria-expanded', 'true');
      input.focus();
    }
  }

  regenerateOpen.addEventListener('click', function () {
    toggle(regenerateOpen, regenerateForm, regenerateCode);
  });
  disableOpen.addEventListener('click', function () {
    toggle(disableOpen, disableForm, disableCode);
  });
  for (const button of document.querySelectorAll('[data-close]')) {
    button.addEventListener('click', function () {
      const opener = button.dataset.close === 'tfa-disable-form' ? disableOpen : regenerateOpen;
      closeSubforms();
      opener.focus();
    });
  }

  regenerateForm.addEventListener('submit', async function (event) {
    event.preventDefault();
    sk.hideMessage(tfaMessage);
    sk.hideMessage(regenerateMessage);
    regenerateCode.removeAttribute('aria-invalid');
    const code = sixDigits(regenerateCode.value);
    if (!code) {
      return invalid(regenerateCode, 'Enter the 6-digit code your authenticator app shows.',
                     regenerateMessage);
    }
    sk.setBusy(regenerateButton, true, 'Making codes\u2026');
    const result = await sk.api('POST', '/api/auth/2fa/recovery-codes', { code: code });
    sk.setBusy(regenerateButton, false);
    if (!result.ok || !result.data) return codeFailure(result, regenerateCode, 'regenerate');
    closeSubforms();
    showCodes(result.data.recovery_codes, 'New recovery codes were made; the old ones no longer work.');
  });

  disableForm.addEventListener('submit', async function (event) {
    event.preventDefault();
    sk.hideMessage(tfaMessage);
    sk.hideMessage(disableMessage);
    disableCode.removeAttribute('aria-invalid');
    const code = disableCode.value.trim();
    if (!code) return invalid(disableCode, 'Enter a code from your app or a recovery code.', disableMessage);
    sk.setBusy(disableButton, true, 'Turning off\u2026');
    const result = await sk.api('POST', '/api/auth/2fa/totp/disable', { code: code.replace(/\s+/g, '') });
    sk.setBusy(disableButton, false);
    if (!result.ok) return codeFailure(result, disableCode, 'disable');
    closeSubforms();
    showOff();
    sk.showMessage(tfaMessage, 'Two-factor authentication is off. Signing in asks only for your password.', 'ok');
    startButton.focus();
  });

  loadStatus();
  sk.setUpTopBar();
})();
