"use strict";
// Live debugger: calls as the collector sees them, over server-sent events, newest first. The
// filters apply to what is already shown and to what arrives; the page keeps the newest 500.
(() => {
  const { el, api, jsonView, time, status } = Rollcall;
  const KEEP = 500;
  const list = document.getElementById("calls");
  const statusLine = document.getElementById("status");
  const pauseButton = document.getElementById("pause");
  const filters = {
    type: document.getElementById("f-type"),
    source: document.getElementById("f-source"),
    id: document.getElementById("f-id"),
    status: document.getElementById("f-status"),
  };
  const calls = []; // oldest first
  let paused = false;
  let waiting = 0;
  let dropped = 0;

  // Filters can come in the address: /console/debugger?id=97980cfea0067
  const params = new URLSearchParams(location.search);
  for (const [name, input] of Object.entries(filters)) {
    if (params.has(name)) input.value = params.get(name);
  }

  function matches(call) {
    const type = filters.type.value, source = filters.source.value.trim();
    const id = filters.id.value.trim(), state = filters.status.value;
    if (type && call.type !== type) return false;
    if (source && call.source !== source) return false;
    if (state && call.status !== state) return false;
    if (id && ![call.userId, call.anonymousId, call.messageId].includes(id)) return false;
    return true;
  }

  function item(call) {
    const warned = call.warnings && call.warnings.length > 0;
    const who = call.userId ? "userId " + call.userId : call.anonymousId ? "anonymousId " + call.anonymousId : "";
    const summary = el("summary", {},
      el("span", { class: "badge " + (call.type || "") }, call.type || call.endpoint || "?"),
      call.status === "rejected" ? el("span", { class: "badge rejected" }, "rejected " + (call.httpStatus || "")) : null,
      call.status === "deleted" ? el("span", { class: "badge rejected" }, "person deleted") : null,
      warned ? el("span", { class: "badge warn" }, call.warnings.length + " warning" + (call.warnings.length > 1 ? "s" : "")) : null,
      el("span", { class: "mono" }, who),
      el("span", { class: "muted" }, time(call.receivedAt)),
      call.source ? el("span", { class: "muted mono" }, call.source) : null);
    const detail = el("div", { class: "detail" },
      call.error ? el("div", { class: "error" }, call.error + (call.path ? " (at " + call.path + ")" : "")) : null,
      warned ? el("ul", { class: "warnings" }, call.warnings.map((w) => el("li", {}, w.path + ": " + w.warning))) : null,
      el("p", { class: "mono" }, "messageId ", call.messageId || "—", " · endpoint ", call.endpoint || "—"),
      call.routedTo ? el("p", {}, "Routed to (by its integrations object): ",
        call.routedTo.length ? el("span", { class: "mono" }, call.routedTo.join(", ")) : "no destination") : null,
      el("div", { class: "panes" },
        el("div", {}, el("h3", {}, "Raw, as sent"), call.raw !== null && call.raw !== undefined ? jsonView(call.raw) : el("pre", { class: "json" }, call.rawText || "(not kept)")),
        call.normalized ? el("div", {}, el("h3", {}, "Normalized, as stored"), jsonView(call.normalized)) : null));
    const details = el("details", {}, summary, detail);
    return el("li", {
      class: (call.status === "rejected" ? "rejected" : warned ? "warned" : ""),
      "data-seq": call.seq, "data-message-id": call.messageId, "data-user-id": call.userId,
      "data-status": call.status,
    }, details);
  }

  function render() {
    const open = new Set([...list.querySelectorAll("details[open]")].map((d) => d.parentElement.dataset.seq));
    const shown = calls.filter(matches).reverse();
    list.replaceChildren(...shown.map((call) => {
      const node = item(call);
      if (open.has(String(call.seq))) node.firstChild.open = true;
      return node;
    }));
    describe(shown.length);
  }

  function describe(shown) {
    let text = (paused ? "Paused" : "Live") + " · showing " + shown + " of " + calls.length + " calls";
    if (waiting) text += " · " + waiting + " waiting (resume to see them)";
    if (dropped) text += " · " + dropped + " calls were not sent to this page because it fell behind";
    status(statusLine, text);
  }

  function add(call) {
    calls.push(call);
    if (calls.length > KEEP) calls.splice(0, calls.length - KEEP);
    if (paused) {
      waiting++;
      describe(list.children.length);
      return;
    }
    if (matches(call)) {
      list.prepend(item(call));
      while (list.children.length > KEEP) list.lastChild.remove();
    }
    describe(list.children.length);
  }

  function connect() {
    const source = new EventSource("/v1/calls/stream?backlog=100");
    source.addEventListener("hello", () => status(statusLine, "Live · waiting for calls"));
    source.addEventListener("call", (event) => add(JSON.parse(event.data)));
    source.addEventListener("dropped", (event) => {
      dropped += JSON.parse(event.data).dropped;
      describe(list.children.length);
    });
    source.onerror = async () => {
      if (source.readyState === EventSource.CLOSED) {
        // the server refused the stream: most likely the session is over (api() sends us to sign in)
        status(statusLine, "Disconnected; retrying…", "bad");
        try {
          await api("/v1/calls/recent?limit=0");
          setTimeout(connect, 3000);
        } catch (e) {
          /* api() went to the sign-in form */
        }
      } else {
        status(statusLine, "Reconnecting…", "warn");
      }
    };
  }

  for (const input of Object.values(filters)) {
    input.addEventListener("input", render);
    input.addEventListener("change", render);
  }
  document.getElementById("filters").addEventListener("submit", (e) => e.preventDefault());
  pauseButton.addEventListener("click", () => {
    paused = !paused;
    pauseButton.textContent = paused ? "Resume" : "Pause";
    pauseButton.setAttribute("aria-pressed", String(paused));
    if (!paused) {
      waiting = 0;
      render();
    } else {
      describe(list.children.length);
    }
  });
  document.getElementById("clear").addEventListener("click", () => {
    calls.length = 0;
    waiting = 0;
    render();
  });
  connect();
})();
