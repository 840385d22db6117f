// Shared by the console's pages: DOM building without innerHTML (every value from a call or a
// profile is text, never markup), the admin API with the session cookie, and small formatters.
"use strict";

const Rollcall = (() => {
  /** el("li", {class: "x", onclick: fn}, "text", child...) */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  class ApiError extends Error {
    constructor(status, body) {
      const message =
        (body && body.error && (body.error.message || body.error)) || "HTTP " + status;
      super(typeof message === "string" ? message : JSON.stringify(message));
      this.status = status;
      this.body = body;
    }
  }

  /**
   * Calls an admin API with the session cookie. Requests that change something carry the header
   * the server asks of them. A 401 means the session is over: back to the sign-in form.
   */
  async function api(path, options = {}) {
    const method = options.method || "GET";
    const headers = Object.assign({ Accept: "application/json" }, options.headers || {});
    if (method !== "GET" && method !== "HEAD") headers["X-Rollcall-Console"] = "1";
    const response = await fetch(path, {
      method,
      headers,
      body: options.body,
      credentials: "same-origin",
      cache: "no-store",
    });
    if (response.status === 401 && !options.allow401) {
      location.assign("/console/sign-in");
      throw new ApiError(401, null);
    }
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (e) {
      body = text;
    }
    if (!response.ok && !(options.accept || []).includes(response.status)) {
      throw new ApiError(response.status, body);
    }
    return { status: response.status, headers: response.headers, body };
  }

  function jsonView(value) {
    return el("pre", { class: "json", tabindex: "0" }, JSON.stringify(value, null, 2));
  }

  function time(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    return isNaN(date) ? iso : date.toLocaleTimeString();
  }

  function dateTime(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    return isNaN(date) ? iso : date.toLocaleString();
  }

  function number(n) {
    return typeof n === "number" ? n.toLocaleString() : String(n ?? "");
  }

  function duration(ms) {
    if (ms === null || ms === undefined) return "";
    if (ms < 1000) return ms + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
    return Math.round(ms / 60000) + " min";
  }

  /** Shows a message in a page's status line (an aria-live region). */
  function status(node, text, kind) {
    node.textContent = text || "";
    node.className = "status-line" + (kind ? " " + kind : "");
  }

  return { el, svg, api, ApiError, jsonView, time, dateTime, number, duration, status };
})();
