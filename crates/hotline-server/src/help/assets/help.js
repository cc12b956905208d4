// Results as you type for the help center's search box. The form still
// works without this script (it submits to /help?q=…).
const input = document.getElementById("help-search");
const list = document.getElementById("help-results");
let timer = 0;
let latest = 0;

function show(hits, query) {
  list.replaceChildren();
  if (query.trim() === "") {
    list.hidden = true;
    return;
  }
  if (hits.length === 0) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = "Ничего не нашлось. Нажмите «Найти» или напишите в чат поддержки.";
    list.append(li);
  }
  for (const hit of hits) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "/help/articles/" + encodeURIComponent(hit.id);
    a.textContent = hit.title;
    const p = document.createElement("p");
    p.textContent = hit.section + " · " + hit.snippet;
    li.append(a, p);
    list.append(li);
  }
  list.hidden = false;
}

async function search(query) {
  const ticket = ++latest;
  if (query.trim() === "") {
    show([], query);
    return;
  }
  try {
    const response = await fetch(
      "/api/v1/kb/search?limit=8&q=" + encodeURIComponent(query),
      { headers: { Accept: "application/json" } },
    );
    if (!response.ok) return;
    const body = await response.json();
    // An older, slower answer must not replace a newer one.
    if (ticket === latest) show(body.hits || [], query);
  } catch {
    // Offline or the server is restarting: the form still works.
  }
}

if (input && list) {
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(input.value), 150);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      input.value = "";
      show([], "");
    }
  });
}

// The social networks configured for guests, as links (none: the line stays hidden).
fetch("/api/v1/channels")
  .then((r) => r.json())
  .then(({ channels }) => {
    const line = document.getElementById("help-channels");
    if (!line || !channels || channels.length === 0) return;
    channels.filter((c) => /^https:\/\//.test(c.url)).forEach((c, i) => {
      const a = document.createElement("a");
      a.href = c.url;
      a.rel = "noopener";
      a.dataset.channel = c.channel;
      a.textContent = c.name;
      line.append(i ? ", " : " ", a);
    });
    line.append(".");
    line.hidden = false;
  })
  .catch(() => {});
