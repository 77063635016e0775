// Confirm an email address (API.md §13): posts the token of the mailed link (taken out of
// the address bar at once) to /api/auth/email/verify. A bad, used or expired link says so
// and, to a signed-in user whose address is still unconfirmed, offers a new link
// (POST /api/auth/email/verify/request); signed out, the way to sign in and ask there.
'use strict';

(function () {
  const token = sk.takeLinkToken();
  const checking = document.getElementById('checking');
  const checkingTitle = document.getElementById('checking-title');
  const checkingText = document.getElementById('checking-text');
  const checkingMessage = document.getElementById('checking-message');
  const retry = document.getElementById('retry');
  const verified = document.getElementById('verified');
  const verifiedTitle = document.getElementById('verified-title');
  const verifiedText = document.getElementById('verified-text');
  const badLink = document.getElementById('bad-link');
  const resend = document.getElementById('resend');
  const resendMessage = document.getElementById('resend-message');
  const signIn = document.getElementById('sign-in');

  function showState(section) {
    for (const s of [checking, verified, badLink]) s.hidden = s !== section;
    if (section !== checking) section.focus();
  }

  // /me: {user, session, is_verified}; null when it does not say.
  function isVerified(answer) {
    return answer.data && typeof answer.data.is_verified === 'boolean' ? answer.data.is_verified : null;
  }

  // The link did not work: what this visitor can do about it.
  async function showBadLink() {
    showState(badLink);
    if (!sk.csrfToken()) {  // no session cookie: signed out
      signIn.hidden = false;
      return;
    }
    const me = await sk.me();
    if (!me.ok) {
      signIn.hidden = false;
      return;
    }
    if (isVerified(me) === true) {
      verifiedTitle.textContent = 'Your email address is already verified';
      verifiedText.textContent = 'Nothing more to do.';
      return showState(verified);
    }
    resend.hidden = false;
  }

  async function check() {
    checkingTitle.textContent = 'Confirming your email address';
    checkingText.hidden = false;
    sk.hideMessage(checkingMessage);
    retry.hidden = true;
    const result = await sk.api('POST', '/api/auth/email/verify', { token: token }, { retry: false });
    checkingText.hidden = true;
    if (result.ok) return showState(verified);
    if (result.code === 'invalid_token') return showBadLink();
    checkingTitle.textContent = 'We couldn\u2019t confirm your address';
    sk.showMessage(checkingMessage, sk.describe(result));
    retry.hidden = false;
  }

  resend.addEventListener('click', async function () {
    sk.hideMessage(resendMessage);
    sk.setBusy(resend, true, 'Sending\u2026');
    const result = await sk.api('POST', '/api/auth/email/verify/request');
    sk.setBusy(resend, false);
    if (result.ok) {
      resend.hidden = true;
      const me = await sk.me();
      const address = me.ok && me.data && me.data.user ? me.data.user.email : '';
      sk.showMessage(resendMessage, 'We sent a new link' + (address ? ' to ' + address : '') +
        '. It works for 24 hours.', 'ok');
      return;
    }
    if (result.status === 429) {
      const wait = sk.waitText(result);
      sk.showMessage(resendMessage, 'We sent a link less than a minute ago. ' +
        (wait ? 'You can ask for another in ' + wait + '.' : 'Please wait a minute.'), 'info');
      return;
    }
    if (result.status === 401) {
      resend.hidden = true;
      signIn.hidden = false;
      return;
    }
    sk.showMessage(resendMessage, sk.describe(result));
  });

  retry.addEventListener('click', check);

  if (!token) {
    showBadLink();
  } else {
    check();
  }
})();
