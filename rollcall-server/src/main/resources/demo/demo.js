"use strict";
// Loads Segment's AnalyticsBrowser pointed at this server, records an anonymous page view, then
// makes the spec's identify call. The write key comes from the form, or from ?writeKey=, which
// runs at once.
(() => {
  const statusLine = document.getElementById("status");
  const input = document.getElementById("write-key");
  const say = (text, kind) => {
    statusLine.textContent = text;
    statusLine.className = "status-line" + (kind ? " " + kind : "");
  };
  const cell = (id, text) => (document.getElementById(id).textContent = text);

  async function run(writeKey) {
    if (!window.AnalyticsNext) {
      say("Segment's library is not on this server: start it with --analytics-js DIR (see the README's demo section).", "bad");
      return;
    }
    say("Loading analytics.js…");
    const [analytics] = await window.AnalyticsNext.AnalyticsBrowser.load(
      {
        writeKey,
        // settings: GET {cdnURL}/v1/projects/{writeKey}/settings, served by Rollcall
        cdnURL: location.origin,
      },
      {
        // the API: POST {protocol}://{apiHost}/p, /i, ... (Rollcall's one-letter endpoints)
        integrations: {
          "Segment.io": { apiHost: location.host + "/v1", protocol: location.protocol.replace(":", "") },
        },
      });
    window.rollcallDemo = { analytics };
    document.getElementById("result").hidden = false;
    cell("anonymous-id", analytics.user().anonymousId());

    say("Sending page()…");
    const page = await analytics.page();
    cell("page-state", page.failedDelivery() ? "failed: " + page.failedDelivery().reason : "sent");

    say("Sending identify()…");
    const identify = await analytics.identify("97980cfea0067", {
      name: "Peter Gibbons",
      email: "peter@initech.com",
      plan: "premium",
      logins: 5,
    });
    const failed = identify.failedDelivery();
    cell("identify-state", failed ? "failed: " + failed.reason : "sent");
    document.body.dataset.done = failed ? "failed" : "sent";
    say(failed ? "identify() failed." : "Done: page() and identify() were sent to Rollcall.", failed ? "bad" : "ok");
  }

  document.getElementById("run").addEventListener("submit", (event) => {
    event.preventDefault();
    run(input.value.trim()).catch((e) => say("Failed: " + e.message, "bad"));
  });
  const fromAddress = new URLSearchParams(location.search).get("writeKey");
  if (fromAddress) {
    input.value = fromAddress;
    run(fromAddress).catch((e) => say("Failed: " + e.message, "bad"));
  } else {
    input.focus();
  }
})();
