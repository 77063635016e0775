// My devices: every live session of this user (GET /api/auth/sessions), with revoke
// per row, sign out other devices (logout-others) and sign out everywhere (logout-all).
'use strict';

(function () {
  const list = document.getElementById('devices');
  const loading = document.getElementById('devices-loading');
  const message = document.getElementById('page-message');
  const othersButton = document.getElementById('sign-out-others');
  const everywhereButton = document.getElementById('sign-out-everywhere');

  const SVG = 'http://www.w3.org/2000/svg';
  // Outline icons, drawn as paths (no markup from strings).
  const ICONS = {
    desktop: ['M3 5h18v11H3z', 'M8 20h8', 'M12 16v4'],
    mobile: ['M7 3h10v18H7z', 'M11 18h2'],
    tablet: ['M5 3h14v18H5z', 'M11 18h2'],
    bot: ['M5 8h14v11H5z', 'M12 4v4', 'M9 13h.01', 'M15 13h.01'],
    unknown: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .8-1 1.5', 'M12 17h.01'],
  };

  function icon(type) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('fill', 'none');
    svg.setAttribute('stroke', 'currentColor');
    svg.setAttribute('stroke-width', '1.8');
    svg.setAttribute('stroke-linecap', 'round');
    svg.setAttribute('stroke-linejoin', 'round');
    svg.setAttribute('aria-hidden', 'true');
    for (const d of ICONS[type] || ICONS.unknown) {
      const path = document.createElementNS(SVG, 'path');
      path.setAttribute('d', d);
      svg.appendChild(path);
    }
    return svg;
  }

  // "Firefox 128 on Windows", "Firefox 128", "Windows device", "curl 8", "Unknown device".
  function deviceName(client) {
    const browser = client && client.browser;
    const os = client && client.os;
    if (browser && os) return browser + ' on ' + os;
    if (browser) return browser;
    if (os) return os + ' device';
    return 'Unknown device';
  }

  function element(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function metaItem(label, value, title) {
    const wrap = element('div');
    wrap.appendChild(element('dt', '', label));
    const dd = element('dd', '', value);
    if (title) dd.title = title;
    wrap.appendChild(dd);
    return wrap;
  }

  function row(session) {
    const item = element('li', 'device' + (session.current ? ' current' : ''));
    item.dataset.sessionId = session.id;
    const iconBox = element('div', 'device-icon');
    iconBox.appendChild(icon(session.client ? session.client.device_type : 'unknown'));
    item.appendChild(iconBox);

    const body = element('div', 'device-body');
    const name = element('h3', 'device-name');
    name.appendChild(element('span', 'device-label', deviceName(session.client)));
    if (session.current) name.appendChild(element('span', 'badge', 'This device'));
    body.appendChild(name);
    const meta = element('dl', 'device-meta');
    meta.appendChild(metaItem('IP address', session.ip_address || 'unknown'));
    meta.appendChild(metaItem('Signed in', sk.formatTime(session.created_at)));
    const lastActive = sk.relativeTime(session.last_seen);
    meta.appendChild(metaItem('Last active', lastActive || sk.formatTime(session.last_seen),
      sk.formatTime(session.last_seen)));
    meta.appendChild(metaItem('Expires', sk.formatTime(session.expires_at)));
    body.appendChild(meta);
    item.appendChild(body);

    const actions = element('div', 'device-actions');
    const revoke = element('button', 'btn btn-danger-outline revoke',
      session.current ? 'Sign out' : 'Revoke');
    revoke.type = 'button';
    revoke.setAttribute('aria-label', (session.current ? 'Sign out this device: ' : 'Revoke ') +
      deviceName(session.client));
    revoke.addEventListener('click', function () { revokeSession(session, revoke); });
    actions.appendChild(revoke);
    item.appendChild(actions);
    return item;
  }

  async function load() {
    const result = await sk.api('GET', '/api/auth/sessions');
    loading.hidden = true;
    if (result.status === 401) return sk.toLogin('expired');
    if (!result.ok) {
      list.replaceChildren();
      showError(result, true);
      return;
    }
    // This device first, then the others newest first (the API's order).
    const sessions = (result.data || []).slice().sort(function (a, b) {
      return (b.current ? 1 : 0) - (a.current ? 1 : 0);
    });
    list.replaceChildren(...sessions.map(row));
    othersButton.disabled = sessions.filter(function (s) { return !s.current; }).length === 0;
  }

  function showError(result, withRetry) {
    sk.showMessage(message, sk.describe(result));
    if (withRetry) {
      const again = element('button', 'btn btn-secondary', 'Try again');
      again.type = 'button';
      again.addEventListener('click', function () {
        sk.hideMessage(message);
        loading.hidden = false;
        load();
      });
      message.appendChild(document.createElement('br'));
      message.appendChild(again);
    }
  }

  async function revokeSession(session, button) {
    sk.hideMessage(message);
    sk.setBusy(button, true, session.current ? 'Signing out\u2026' : 'Revoking\u2026');
    const result = await sk.api('DELETE', '/api/auth/sessions/' + encodeURIComponent(session.id));
    if (result.ok || (result.status === 401 && session.current)) {
      if (session.current) return sk.toLogin('this_device');
      sk.showMessage(message, deviceName(session.client) + ' was signed out.', 'ok');
      return load();
    }
    if (result.status === 401) return sk.toLogin('expired');
    sk.setBusy(button, false);
    if (result.status === 404) {  // already gone (signed out elsewhere, expired)
      sk.showMessage(message, 'That device had already signed out.', 'info');
      return load();
    }
    showError(result, false);
  }

  othersButton.addEventListener('click', async function () {
    sk.hideMessage(message);
    sk.setBusy(othersButton, true, 'Signing out\u2026');
    const result = await sk.api('POST', '/api/auth/logout-others');
    sk.setBusy(othersButton, false);
    if (result.status === 401) return sk.toLogin('expired');
    if (!result.ok) return showError(result, false);
    const n = result.data && Number.isInteger(result.data.revoked) ? result.data.revoked : 0;
    sk.showMessage(message, n === 0 ? 'No other device was signed in.'
      : 'Signed out ' + sk.plural(n, 'other device') + '.', 'ok');
    load();
  });

  everywhereButton.addEventListener('click', async function () {
    sk.hideMessage(message);
    sk.setBusy(everywhereButton, true, 'Signing out\u2026');
    const result = await sk.api('POST', '/api/auth/logout-all');
    if (result.ok || result.status === 401) return sk.toLogin('everywhere');
    sk.setBusy(everywhereButton, false);
    showError(result, false);
  });

  // Signed in with a recovery code (login.js): say how many are left, and where to make
  // new ones.
  function recoveryNotice() {
    let left = null;
    try {
      left = sessionStorage.getItem('sk_recovery_codes_left');
      sessionStorage.removeItem('sk_recovery_codes_left');
    } catch (e) { /* storage off */ }
    if (left === null) return;
    const n = parseInt(left, 10);
    sk.showMessage(message, 'You signed in with a recovery code; ' +
      (n === 0 ? 'none are left. ' : sk.plural(n, 'code') + ' left. ') +
      'You can make new ones on the ', n <= 3 ? '' : 'info');
    const link = element('a', '', 'Security page');
    link.href = '/account/security';
    message.appendChild(link);
    message.appendChild(document.createTextNode('.'));
  }

  // --- the email address (API.md §13; the card is left out without mail) ---

  const emailCard = document.getElementById('email-card');

  function setUpEmailCard() {
    const status = document.getElementById('email-status');
    const address = document.getElementById('email-address');
    const hint = document.getElementById('email-hint');
    const resend = document.getElementById('email-resend');
    const emailMessage = document.getElementById('email-message');

    // /me: {user, session, is_verified}.
    sk.me().then(function (answer) {
      const data = answer.ok ? answer.data : null;
      const user = data ? data.user : null;
      if (!user || !user.email || typeof data.is_verified !== 'boolean') return;
      const verified = data.is_verified;
      address.textContent = user.email;
      status.textContent = verified ? 'Verified' : 'Not verified';
      status.className = 'status-pill ' + (verified ? 'on' : 'warn');
      hint.hidden = verified;
      resend.hidden = verified;
      emailCard.hidden = false;
    });

    resend.addEventListener('click', async function () {
      sk.hideMessage(emailMessage);
      sk.setBusy(resend, true, 'Sending…');
      const result = await sk.api('POST', '/api/auth/email/verify/request');
      sk.setBusy(resend, false);
      if (result.ok) {
        sk.showMessage(emailMessage, 'We sent a new link to ' + address.textContent +
          '. It works for 24 hours.', 'ok');
        return;
      }
      if (result.status === 401) return sk.toLogin('expired');
      if (result.status === 429) {
        const wait = sk.waitText(result);
        sk.showMessage(emailMessage, 'We sent a link less than a minute ago. ' +
          (wait ? 'You can ask for another in ' + wait + '.' : 'Please wait a minute.'), 'info');
        return;
      }
      sk.showMessage(emailMessage, sk.describe(result));
    });
  }

  sk.setUpTopBar();
  recoveryNotice();
  if (emailCard) setUpEmailCard();
  load();
})();
