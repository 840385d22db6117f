"use strict";
// Overview: calls and rejects per minute (an inline SVG bar chart), processor lag, log and store
// health. Refreshed every 5 seconds.
(() => {
  const { el, svg, api, number, duration, status, time } = Rollcall;
  const statusLine = document.getElementById("status");

  function chart(minutes) {
    const width = 600, height = 160, left = 34, bottom = 18, top = 8;
    const max = Math.max(1, ...minutes.map((m) => m.calls + m.rejected));
    const step = (width - left) / minutes.length;
    const scale = (height - top - bottom) / max;
    const bars = [];
    minutes.forEach((m, i) => {
      const x = left + i * step;
      const callsHeight = m.calls * scale;
      const rejectsHeight = m.rejected * scale;
      const base = height - bottom;
      const label = time(m.minute) + ": " + m.calls + " accepted, " + m.rejected + " rejected";
      bars.push(
        svg("rect", { class: "calls", x: x + 1, y: base - callsHeight, width: Math.max(1, step - 2), height: callsHeight },
          svg("title", {}, label)),
        svg("rect", { class: "rejects", x: x + 1, y: base - callsHeight - rejectsHeight, width: Math.max(1, step - 2), height: rejectsHeight },
          svg("title", {}, label)));
    });
    const first = minutes[0], last = minutes[minutes.length - 1];
    return svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "chart-title" },
      svg("line", { x1: left, x2: width, y1: height - bottom, y2: height - bottom, stroke: "#d9dde3" }),
      svg("text", { x: left - 4, y: top + 8, "text-anchor": "end" }, String(max)),
      svg("text", { x: left - 4, y: height - bottom, "text-anchor": "end" }, "0"),
      svg("text", { x: left, y: height - 4 }, first ? time(first.minute) : ""),
      svg("text", { x: width, y: height - 4, "text-anchor": "end" }, last ? "now" : ""),
      bars);
  }

  function card(label, value, kind) {
    return el("div", { class: "card" }, el("div", { class: "label" }, label),
      el("div", { class: "value " + (kind || "") }, value));
  }

  function row(name, value, kind) {
    return el("tr", {}, el("th", { scope: "row" }, name), el("td", { class: kind || "" }, value));
  }

  async function refresh() {
    try {
      const [overview, health] = await Promise.all([
        api("/v1/overview"),
        api("/health", { accept: [503] }),
      ]);
      const minutes = overview.body.minutes;
      const now = minutes[minutes.length - 1] || { calls: 0, rejected: 0 };
      const hour = minutes.reduce((sum, m) => ({ calls: sum.calls + m.calls, rejected: sum.rejected + m.rejected }), { calls: 0, rejected: 0 });
      const h = health.body || {};
      const lag = h.processor ? h.processor.lagMillis : null;
      document.getElementById("cards").replaceChildren(
        card("Calls this minute", number(now.calls)),
        card("Rejects this minute", number(now.rejected), now.rejected ? "bad" : ""),
        card("Calls, last hour", number(hour.calls)),
        card("Processor lag", duration(lag), lag > 60000 ? "bad" : lag > 5000 ? "warn" : "ok"),
        card("Server", h.status === "up" ? "up" : "down", h.status === "up" ? "ok" : "bad"));
      document.getElementById("chart").replaceChildren(chart(minutes));
      document.getElementById("chart-table").replaceChildren(
        el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Minute"), el("th", {}, "Accepted"), el("th", {}, "Rejected"))),
          el("tbody", {}, minutes.filter((m) => m.calls || m.rejected).reverse().map((m) =>
            el("tr", {}, el("td", {}, time(m.minute)), el("td", { class: "num" }, number(m.calls)), el("td", { class: "num" }, number(m.rejected)))))));
      const log = h.log || {}, processor = h.processor || {}, profiles = h.profiles || {};
      document.getElementById("health").replaceChildren(
        el("table", { id: "health-table" }, el("tbody", {},
          row("Event log", log.writable ? "takes writes" : "cannot take writes", log.writable ? "ok" : "bad"),
          row("Calls waiting for the log's commit", number(log.pending)),
          row("Profile store", profiles.readable ? "readable" : "unreadable" + (profiles.error ? ": " + profiles.error : ""), profiles.readable ? "ok" : "bad"),
          row("Processor checkpoint (log offset applied)", number(processor.checkpoint)),
          row("Processor lag (oldest call not yet applied)", duration(processor.lagMillis)))));
      status(statusLine, "Updated " + new Date().toLocaleTimeString());
    } catch (e) {
      status(statusLine, "Cannot read the overview: " + e.message, "bad");
    }
  }

  refresh();
  setInterval(refresh, 5000);
})();
