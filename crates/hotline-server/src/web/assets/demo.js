// The demo company's page: signs in the chosen customer by asking its
// "back end" (/demo/token) for an identity token, then starts the widget.
const customer = document.body.dataset.customer;

async function getToken() {
  if (customer === 'guest') return null;
  const response = await fetch('/demo/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customer }),
  });
  return response.ok ? (await response.json()).token : null;
}

// widget.js loads asynchronously: queue the call until it has.
window.Hotline = window.Hotline || { q: [], init(options) { this.q.push(options); } };
window.Hotline.init({ getToken });
