// Hotline widget loader. The company's page includes
//   <script src="https://HOTLINE/widget.js" async></script>
// and calls Hotline.init({ token }) or Hotline.init({ getToken: async () => token }).
// The launcher and the chat frame live in a shadow root with their own styles,
// so the page's CSS cannot reach them; the chat itself runs in a frame served
// by Hotline. The token goes to the frame by postMessage, never in a URL.
(function () {
  'use strict';
  var script = document.currentScript;
  var hotlineOrigin = new URL(script ? script.src : location.href).origin;
  var pending = (window.Hotline && window.Hotline.q) || [];
  var options = null;
  var frame = null;
  var launcher = null;
  var host = null;

  var STYLE =
    ':host{all:initial}' +
    '.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483646;display:flex;align-items:center;gap:8px;' +
    'padding:12px 18px;border:0;border-radius:24px;background:#1f5fbf;color:#fff;font:600 15px/1.2 system-ui,sans-serif;' +
    'box-shadow:0 4px 16px rgba(0,0,0,.25);cursor:pointer}' +
    '.launcher:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}' +
    '.frame{position:fixed;right:20px;bottom:84px;z-index:2147483647;width:380px;height:600px;max-height:calc(100vh - 104px);' +
    'border:0;border-radius:12px;background:#fff;box-shadow:0 8px 32px rgba(0,0,0,.3);display:none}' +
    '.frame.open{display:block}' +
    '@media (max-width:480px){.frame{right:0;bottom:0;width:100vw;height:100vh;max-height:none;border-radius:0}' +
    '.launcher.hidden{display:none}}';

  function language() {
    var lang = (options && options.lang) || document.documentElement.lang || '';
    lang = lang.slice(0, 2).toLowerCase();
    return lang === 'en' || lang === 'ru' ? lang : '';
  }

  function build() {
    if (host) return;
    host = document.createElement('hotline-widget');
    var root = host.attachShadow({ mode: 'open' });
    // A constructed style sheet: host pages with a strict CSP (no inline
    // styles) still style the launcher.
    if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function') {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [sheet];
    } else {
      var style = document.createElement('style');
      style.textContent = STYLE;
      root.append(style);
    }
    launcher = document.createElement('button');
    launcher.type = 'button';
    launcher.className = 'launcher';
    launcher.setAttribute('aria-expanded', 'false');
    launcher.textContent = language() === 'en' ? 'Chat with support' : 'Чат с поддержкой';
    launcher.addEventListener('click', function () { toggle(); });
    root.append(launcher);
    document.body.appendChild(host);
  }

  function toggle(open) {
    if (!frame) {
      frame = document.createElement('iframe');
      frame.className = 'frame';
      frame.title = launcher.textContent;
      var lang = language();
      frame.src = hotlineOrigin + '/widget' + (lang ? '?lang=' + lang : '');
      frame.setAttribute('allow', 'clipboard-write');
      // The chat may not navigate or script the company's page.
      frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-forms allow-popups ' +
        'allow-popups-to-escape-sandbox allow-downloads');
      host.shadowRoot.appendChild(frame);
    }
    var show = open === undefined ? !frame.classList.contains('open') : open;
    frame.classList.toggle('open', show);
    launcher.classList.toggle('hidden', show);
    launcher.setAttribute('aria-expanded', String(show));
    if (show) frame.focus();
    else launcher.focus();
    tellVisibility();
  }

  // The chat marks messages read only while it is shown.
  function tellVisibility() {
    if (frame && frame.contentWindow) {
      frame.contentWindow.postMessage({ type: 'hotline:visible', open: frame.classList.contains('open') }, hotlineOrigin);
    }
  }

  function currentToken() {
    if (!options) return Promise.resolve(null);
    if (typeof options.getToken === 'function') {
      return Promise.resolve(options.getToken()).catch(function () { return null; });
    }
    return Promise.resolve(options.token || null);
  }

  // A social chat's one-time link (channels.link_url points here with
  // ?hotline_link=CODE): the chat links to whoever is logged in.
  function linkCode() {
    var code = new URLSearchParams(location.search).get('hotline_link');
    return code && /^[0-9a-f]{32}$/.test(code) ? code : null;
  }

  function sendToken() {
    currentToken().then(function (token) {
      if (frame && frame.contentWindow) {
        frame.contentWindow.postMessage({ type: 'hotline:token', token: token || null, link: linkCode() }, hotlineOrigin);
      }
    });
  }

  window.addEventListener('message', function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== hotlineOrigin) return;
    var data = event.data || {};
    if (data.type === 'hotline:ready') tellVisibility();
    if (data.type === 'hotline:ready' || data.type === 'hotline:token-request') sendToken();
    else if (data.type === 'hotline:close') toggle(false);
  });

  function init(opts) {
    options = opts || {};
    var start = function () {
      build();
      if (frame) sendToken();
    };
    if (document.body) start();
    else document.addEventListener('DOMContentLoaded', start);
  }

  window.Hotline = { init: init, open: function () { toggle(true); }, close: function () { toggle(false); } };
  pending.forEach(init);
})();
