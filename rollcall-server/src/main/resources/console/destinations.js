"use strict";
// Destinations: per destination what was delivered, what waits and what died; the dead letters
// with a replay button; and a preview of the requests a call would become.
(() => {
  const { el, api, jsonView, number, status } = Rollcall;
  const statusLine = document.getElementById("status");
  const deadSection = document.getElementById("dead-section");
  const deadStatus = document.getElementById("dead-status");
  let openDead = null;

  const EXAMPLE = {
    type: "identify",
    userId: "97980cfea0067",
    traits: { name: "Peter Gibbons", email: "peter@initech.com", plan: "premium", logins: 5 },
  };

  async function refresh() {
    try {
      const response = await api("/v1/destinations", { accept: [404] });
      if (response.status === 404) {
        document.getElementById("table").replaceChildren(el("p", { class: "notice" },
          "This server has no delivery engine yet: nothing is delivered, so there is nothing to count. The preview below works."));
        status(statusLine, "");
        return false;
      }
      const rows = response.body.destinations.map((d) => el("tr", { "data-destination": d.name },
        el("th", { scope: "row" }, d.name,
          d.type && d.type.toLowerCase() !== d.name.toLowerCase() ? el("div", { class: "muted" }, d.type) : null,
          d.configured === false ? el("div", { class: "muted" }, "no longer configured") : null),
        el("td", { class: "num", "data-count": "delivered" }, number(d.delivered)),
        el("td", { class: "num", "data-count": "pending" }, number(d.pending)),
        el("td", { class: "num", "data-count": "retrying" }, number(d.retrying)),
        el("td", { class: "num", "data-count": "skipped" }, number(d.skipped)),
        el("td", { class: "num", "data-count": "dead" }, d.dead
          ? el("button", { type: "button", class: "secondary", "data-dead": d.name, onclick: () => showDead(d.name) },
            number(d.dead) + " — show")
          : "0"),
        el("td", { class: "mono" }, d.lastError || "")));
      document.getElementById("table").replaceChildren(el("table", { id: "destinations-table" },
        el("thead", {}, el("tr", {}, el("th", {}, "Destination"),
          ["Delivered", "Pending", "Retrying", "Skipped", "Dead"].map((h) => el("th", { class: "num" }, h)),
          el("th", {}, "Last error"))),
        el("tbody", {}, rows)));
      status(statusLine, "Updated " + new Date().toLocaleTimeString());
      return true;
    } catch (e) {
      status(statusLine, "Cannot read the destinations: " + e.message, "bad");
      return false;
    }
  }

  async function showDead(destination) {
    openDead = destination;
    deadSection.hidden = false;
    document.getElementById("dead-title").textContent = "Dead letters of " + destination;
    const response = await api("/v1/deliveries?destination=" + encodeURIComponent(destination) + "&status=dead&limit=100");
    const deliveries = response.body.deliveries;
    const rows = deliveries.map((d) => el("tr", { "data-delivery": d.id },
      el("td", { class: "num" }, d.id),
      el("td", { class: "mono" }, d.personKey),
      el("td", { class: "num" }, d.attempts),
      el("td", { class: "mono" }, d.lastError || ""),
      el("td", {}, el("details", {}, el("summary", {}, "call"), jsonView(d.message))),
      el("td", {}, el("button", { type: "button", "data-replay": d.id, onclick: () => replay(destination, [d.id]) }, "Replay"))));
    document.getElementById("dead").replaceChildren(
      deliveries.length
        ? el("div", {},
          el("table", { id: "dead-table" },
            el("thead", {}, el("tr", {}, el("th", { class: "num" }, "Id"), el("th", {}, "Person"),
              el("th", { class: "num" }, "Attempts"), ["Last error", "Call", ""].map((h) => el("th", {}, h)))),
            el("tbody", {}, rows)),
          el("p", {}, el("button", { type: "button", id: "replay-all", onclick: () => replay(destination, null) },
            "Replay all dead letters of " + destination)))
        : el("p", { class: "muted" }, "No dead letters."));
    status(deadStatus, deliveries.length + " dead letter" + (deliveries.length === 1 ? "" : "s"));
  }

  async function replay(destination, ids) {
    try {
      const body = { destination };
      if (ids) body.ids = ids;
      const response = await api("/v1/deliveries/replay", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      status(deadStatus, "Replayed " + response.body.replayed + "; they are pending again.", "ok");
      await refresh();
      if (openDead) await showDeadKeepingStatus(openDead);
    } catch (e) {
      status(deadStatus, "Replay failed: " + e.message, "bad");
    }
  }

  async function showDeadKeepingStatus(destination) {
    const text = deadStatus.textContent, kind = deadStatus.className;
    await showDead(destination);
    deadStatus.textContent = text;
    deadStatus.className = kind;
  }

  async function previewSetup() {
    const select = document.getElementById("preview-destination");
    const body = document.getElementById("preview-body");
    body.value = JSON.stringify(EXAMPLE, null, 2);
    try {
      const names = await api("/v1/preview");
      select.replaceChildren(...names.body.destinations.map((name) => el("option", { value: name }, name)));
    } catch (e) {
      status(document.getElementById("preview-status"), "Cannot list destinations: " + e.message, "bad");
    }
    document.getElementById("preview-form").addEventListener("submit", preview);
  }

  async function preview(event) {
    event.preventDefault();
    const previewStatus = document.getElementById("preview-status");
    const result = document.getElementById("preview-result");
    const destination = document.getElementById("preview-destination").value;
    try {
      const response = await api("/v1/preview?destination=" + encodeURIComponent(destination), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: document.getElementById("preview-body").value,
        accept: [400],
      });
      if (response.status === 400) {
        status(previewStatus, "Not a valid call: " + response.body.error + (response.body.path ? " (at " + response.body.path + ")" : ""), "bad");
        result.replaceChildren();
        return;
      }
      const skipped = response.headers.get("Rollcall-Skipped");
      status(previewStatus, skipped ? destination + " would not get this call: " + skipped
        : destination + " would get " + response.body.length + " request" + (response.body.length === 1 ? "" : "s") + ":");
      result.replaceChildren(jsonView(response.body));
    } catch (e) {
      status(previewStatus, "Preview failed: " + e.message, "bad");
    }
  }

  previewSetup();
  refresh().then((live) => {
    if (live) setInterval(refresh, 5000);
  });
})();
