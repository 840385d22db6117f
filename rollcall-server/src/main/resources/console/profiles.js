"use strict";
// Profile explorer: find a person by userId, anonymousId or email; their traits (and, on demand,
// the call that set each one), their ids, what each destination got, and their calls.
(() => {
  const { el, api, jsonView, dateTime, status } = Rollcall;
  const form = document.getElementById("find");
  const kind = document.getElementById("kind");
  const value = document.getElementById("value");
  const verbose = document.getElementById("verbose");
  const statusLine = document.getElementById("status");
  const section = document.getElementById("profile");
  const more = document.getElementById("more");
  let current = null; // {externalId, ids: [], messageIds: Set, cursor}

  function path(externalId, rest) {
    return "/v1/profiles/" + encodeURIComponent(externalId) + rest;
  }

  function show(valueOrObject) {
    return typeof valueOrObject === "string" ? valueOrObject : JSON.stringify(valueOrObject);
  }

  async function find(event) {
    if (event) event.preventDefault();
    const wanted = value.value.trim();
    if (!wanted) return;
    const externalId = kind.value + ":" + wanted;
    history.replaceState(null, "", "?kind=" + encodeURIComponent(kind.value) + "&value=" + encodeURIComponent(wanted));
    status(statusLine, "Looking up " + externalId + "…");
    try {
      const ids = await api(path(externalId, "/external_ids"), { accept: [404] });
      if (ids.status === 404) {
        section.hidden = true;
        status(statusLine, "No profile has " + externalId + ".", "bad");
        return;
      }
      current = { externalId, ids: ids.body.data, messageIds: new Set(), cursor: null };
      renderIds(ids.body.data);
      document.getElementById("timeline").replaceChildren();
      await Promise.all([traits(), timeline()]);
      section.hidden = false;
      status(statusLine, "Profile of " + externalId);
      deliveries();
    } catch (e) {
      status(statusLine, "Cannot read the profile: " + e.message, "bad");
    }
  }

  async function traits() {
    const response = await api(path(current.externalId, "/traits" + (verbose.checked ? "?verbose=true" : "")));
    const entries = Object.entries(response.body.traits);
    const head = el("tr", {}, el("th", {}, "Trait"), el("th", {}, "Value"),
      verbose.checked ? [el("th", {}, "Set at"), el("th", {}, "By the call")] : null);
    const rows = entries.map(([name, trait]) => el("tr", { "data-trait": name },
      el("th", { scope: "row", class: "mono" }, name),
      el("td", { class: "mono" }, show(verbose.checked ? trait.value : trait)),
      verbose.checked ? [
        el("td", {}, dateTime(trait.timestamp)),
        el("td", { class: "mono" }, el("a", { href: "#call-" + trait.messageId }, trait.messageId)),
      ] : null));
    document.getElementById("traits").replaceChildren(
      entries.length ? el("table", { id: "traits-table" }, el("thead", {}, head), el("tbody", {}, rows))
        : el("p", { class: "muted" }, "No traits."));
  }

  function renderIds(data) {
    document.getElementById("ids").replaceChildren(el("table", { id: "ids-table" },
      el("thead", {}, el("tr", {}, el("th", {}, "Type"), el("th", {}, "Id"), el("th", {}, "First seen"), el("th", {}, "In the call"))),
      el("tbody", {}, data.map((id) => el("tr", { "data-id-type": id.type },
        el("td", {}, id.type), el("td", { class: "mono" }, id.id), el("td", {}, dateTime(id.created_at)),
        el("td", { class: "mono" }, id.first_message_id || ""))))));
  }

  async function timeline() {
    const query = "?limit=20" + (current.cursor ? "&cursor=" + encodeURIComponent(current.cursor) : "");
    const response = await api(path(current.externalId, "/events" + query));
    const list = document.getElementById("timeline");
    for (const call of response.body.data) {
      current.messageIds.add(call.messageId);
      const who = call.userId ? "userId " + call.userId : "anonymousId " + call.anonymousId;
      list.append(el("li", { id: "call-" + call.messageId, "data-message-id": call.messageId },
        el("details", {},
          el("summary", {}, el("span", { class: "badge " + call.type }, call.type),
            el("span", {}, dateTime(call.timestamp)), el("span", { class: "mono" }, who),
            call.type === "track" ? el("span", {}, call.event) : null),
          el("div", { class: "detail" }, el("p", { class: "mono" }, "messageId " + call.messageId), jsonView(call)))));
    }
    current.cursor = response.body.cursor && response.body.cursor.has_more ? response.body.cursor.next : null;
    more.hidden = !current.cursor;
  }

  /** What each destination got for this person, from the delivery API (when the server has it). */
  async function deliveries() {
    const box = document.getElementById("deliveries");
    box.replaceChildren(el("p", { class: "muted" }, "Reading deliveries…"));
    const keys = new Set(current.ids.filter((id) => id.type !== "email").map((id) => id.id));
    try {
      const destinations = await api("/v1/destinations", { accept: [404] });
      if (destinations.status === 404) {
        box.replaceChildren(el("p", { class: "muted" }, "This server has no delivery engine, so nothing is delivered yet."));
        return;
      }
      const rows = [];
      for (const destination of destinations.body.destinations) {
        const found = await api("/v1/deliveries?destination=" + encodeURIComponent(destination.name) + "&limit=100");
        for (const delivery of found.body.deliveries) {
          if (keys.has(delivery.personKey) || current.messageIds.has(delivery.messageId)) rows.push(delivery);
        }
      }
      box.replaceChildren(rows.length
        ? el("div", { class: "table-wrap" }, el("table", { id: "deliveries-table" },
          el("thead", {}, el("tr", {}, el("th", {}, "Destination"), el("th", {}, "Status"), el("th", {}, "Call"), el("th", { class: "num" }, "Attempts"), el("th", {}, "Last error"))),
          el("tbody", {}, rows.map((d) => el("tr", { "data-destination": d.destination, "data-status": d.status },
            el("td", {}, d.destination), el("td", {}, d.status), el("td", { class: "mono" }, d.messageId),
            el("td", { class: "num" }, d.attempts), el("td", { class: "mono" }, d.lastError || ""))))))
        : el("p", { class: "muted" }, "No delivery for this person among each destination's latest 100."));
    } catch (e) {
      box.replaceChildren(el("p", { class: "bad" }, "Cannot read deliveries: " + e.message));
    }
  }

  form.addEventListener("submit", find);
  verbose.addEventListener("change", () => current && traits().catch((e) => status(statusLine, e.message, "bad")));
  more.addEventListener("click", () => timeline().catch((e) => status(statusLine, e.message, "bad")));
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#call-']");
    if (!link) return;
    const target = document.getElementById(link.getAttribute("href").slice(1));
    if (target) {
      target.querySelector("details").open = true;
      target.querySelector("summary").focus();
    }
  });

  const params = new URLSearchParams(location.search);
  if (params.has("value")) {
    kind.value = params.get("kind") || "user_id";
    value.value = params.get("value");
    find();
  } else {
    value.focus();
  }
})();
