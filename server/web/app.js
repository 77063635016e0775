// sessionkit account pages: what every page shares. Talks to the JSON API (API.md §6)
// with the cookie transport of §8: `X-Auth-Transport: cookie`, and the CSRF token read
// from the csrf cookie sent back as `X-CSRF-Token`. Never sees a bearer token: the
// access and refresh cookies are HttpOnly.
'use strict';

window.sk = (function () {
  const CSRF_COOKIES = ['__Host-sk_csrf', 'sk_csrf'];

  function csrfToken() {
    for (const part of document.cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const name = part.slice(0, eq).trim();
      if (CSRF_COOKIES.includes(name)) return decodeURIComponent(part.slice(eq + 1).trim());
    }
    return '';
  }

  // One API call. Never throws: a network failure is { ok: false, status: 0 }.
  // An expired access cookie (401 unauthorized) is refreshed once from the refresh
  // cookie, and the call repeated.
  async function api(method, path, body, options) {
    const retry = !options || options.retry !== false;
    const headers = { 'Accept': 'application/json', 'X-Auth-Transport': 'cookie' };
    const token = csrfToken();
    if (token) headers['X-CSRF-Token'] = token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (e) {
      return { ok: false, status: 0, code: 'network', message: '', data: null };
    }
    let json = null;
    try { json = await response.json(); } catch (e) { /* empty or not JSON */ }
    const result = {
      ok: response.ok,
      status: response.status,
      data: json ? json.data : null,
      message: (json && json.message) || '',
      code: (json && json.error && json.error.code) || '',
      retryAfter: parseInt(response.headers.get('Retry-After') || '', 10),
    };
    if (retry && result.status === 401 && result.code === 'unauthorized') {
      const refreshed = await refresh();
      if (refreshed.ok) return api(method, path, body, { retry: false });
    }
    return result;
  }

  // Renews the cookies from the refresh cookie (only sent to /api/auth/refresh).
  function refresh() {
    return api('POST', '/api/auth/refresh', {}, { retry: false });
  }

  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }

  // A Retry-After as words: "40 seconds", "3 minutes"; '' when the server gave none.
  // Up to 90 s in seconds: "in 1 minute" after "less than a minute ago" reads oddly.
  function waitText(result) {
    const seconds = Number.isFinite(result.retryAfter) ? result.retryAfter : 0;
    if (seconds <= 0) return '';
    return seconds <= 90 ? plural(seconds, 'second') : plural(Math.ceil(seconds / 60), 'minute');
  }

  // The ?token= of a mailed link (API.md §13), taken out of the address bar at once so it
  // stays in neither the history nor a bookmark. '' when there is none.
  function takeLinkToken() {
    const params = new URLSearchParams(window.location.search);
    const token = params.get('token') || '';
    if (params.has('token')) {
      params.delete('token');
      const rest = params.toString();
      history.replaceState(null, '', window.location.pathname + (rest ? '?' + rest : ''));
    }
    return token.trim();
  }

  // What went wrong, in words a person can act on.
  function describe(result, context) {
    switch (result.status) {
      case 0:
        return 'Can\u2019t reach the server. Check your connection and try again.';
      case 401:
        if (result.code === 'invalid_credentials') {
          return context === 'password'
            ? 'Your current password is not right.'
            : 'That email, username or password is not right.';
        }
        return 'Your session has ended. Please sign in again.';
      case 403:
        if (result.code === 'csrf_rejected') {
          return 'The request was refused to protect your account. Reload the page and try again.';
        }
        return result.message || 'That is not allowed.';
      case 409:
        return 'That username or email is already registered. Try signing in instead.';
      case 429: {
        const seconds = Number.isFinite(result.retryAfter) ? result.retryAfter : 0;
        if (result.code === 'rate_limited' && seconds > 0) {
          const minutes = Math.ceil(seconds / 60);
          return 'Too many failed attempts. Try again in ' + plural(minutes, 'minute') + '.';
        }
        return 'The server is busy. Try again in a few seconds.';
      }
      case 503:
        return 'The account service can\u2019t reach its data store right now. ' +
          'Nothing was changed; please try again in a moment.';
      default:
        if (result.status >= 400 && result.status < 500 && result.message) {
          return result.message + '.';
        }
        return 'Something went wrong on the server (HTTP ' + result.status + '). Please try again.';
    }
  }

  function showMessage(element, text, kind) {
    element.textContent = text;
    element.className = 'alert' + (kind ? ' ' + kind : '');
    element.hidden = false;
    // On a phone the button pressed may be a screen away from the message.
    const box = element.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) element.scrollIntoView({ block: 'nearest' });
  }

  function hideMessage(element) {
    element.hidden = true;
    element.textContent = '';
  }

  function setBusy(button, busy, busyLabel) {
    if (busy) {
      button.dataset.label = button.textContent;
      button.textContent = busyLabel;
      button.disabled = true;
    } else {
      if (button.dataset.label) button.textContent = button.dataset.label;
      button.disabled = false;
    }
  }

  function toLogin(reason) {
    window.location.assign('/account/login' + (reason ? '?signed_out=' + reason : ''));
  }

  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

  // "4 Dec 2026, 21:03" in the viewer's time zone.
  function formatTime(iso) {
    const date = new Date(iso);
    return isNaN(date) ? '\u2014' : dateFormat.format(date);
  }

  // "5 minutes ago", "in 2 days".
  function relativeTime(iso) {
    const date = new Date(iso);
    if (isNaN(date)) return '';
    const seconds = Math.round((date.getTime() - Date.now()) / 1000);
    const units = [['day', 86400], ['hour', 3600], ['minute', 60]];
    for (const [unit, size] of units) {
      if (Math.abs(seconds) >= size) return relativeFormat.format(Math.round(seconds / size), unit);
    }
    return Math.abs(seconds) < 60 ? 'just now' : '';
  }

  // GET /api/users/me, asked once per page however many parts want it.
  let meAnswer = null;
  function me() {
    if (!meAnswer) meAnswer = api('GET', '/api/users/me');
    return meAnswer;
  }

  // Signed-in pages: the user's name in the top bar, and the sign-out button.
  function setUpTopBar() {
    const signOut = document.getElementById('sign-out');
    if (signOut) {
      signOut.addEventListener('click', async function () {
        setBusy(signOut, true, 'Signing out\u2026');
        const result = await api('POST', '/api/auth/logout');
        if (result.ok || result.status === 401) return toLogin('this_device');
        setBusy(signOut, false);
        const message = document.getElementById('page-message');
        if (message) showMessage(message, describe(result));
      });
    }
    const who = document.getElementById('whoami');
    if (who) {
      me().then(function (answer) {
        if (answer.ok && answer.data && answer.data.user) {
          who.textContent = answer.data.user.username;
          who.title = answer.data.user.email;
        }
      });
    }
  }

  return {
    api, refresh, csrfToken, describe, showMessage, hideMessage, setBusy, toLogin,
    formatTime, relativeTime, setUpTopBar, plural, waitText, takeLinkToken, me,
  };
})();
