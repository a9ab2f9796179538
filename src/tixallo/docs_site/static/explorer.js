// The interactive API reference: reads an OpenAPI document and lets the reader send real
// requests with their key. Hand-written, no dependencies; every value from the document or
// a response is inserted as text, never as HTML.
"use strict";

(function () {
  const root = document.getElementById("explorer");
  if (!root) return;
  const specUrl = root.dataset.spec;
  const base = root.dataset.base;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // Descriptions are written in Markdown: `code` spans are shown as code, not as backticks.
  function prose(tag, attrs, text) {
    const node = el(tag, attrs);
    String(text || "").replace(/``/g, "`").split("`").forEach((part, i) => {
      if (part) node.append(i % 2 ? el("code", { text: part }) : document.createTextNode(part));
    });
    return node;
  }

  function resolve(spec, schema) {
    let s = schema || {};
    while (s.$ref) s = spec.components.schemas[s.$ref.split("/").pop()];
    return s;
  }

  function typeOf(spec, schema) {
    const s = resolve(spec, schema);
    if (s.anyOf) return s.anyOf.map((x) => typeOf(spec, x)).join(" | ");
    if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
    if (s.type === "array") return "array of " + typeOf(spec, s.items);
    return s.type || (s.properties ? "object" : "any");
  }

  // A plausible example body from the schema: required fields, and the optional ones with a
  // default; the reader edits it before sending.
  function example(spec, schema, depth, name) {
    const s = resolve(spec, schema);
    if (depth > 4) return null;
    if (s.default !== undefined) return s.default;
    if (s.anyOf) return example(spec, s.anyOf.find((x) => x.type !== "null") || {}, depth + 1, name);
    if (s.enum) return s.enum[0];
    if (s.type === "array") return [];
    if (s.type === "integer" || s.type === "number") return 1;
    if (s.type === "boolean") return true;
    if (s.type === "string") return /email/.test(name || "") ? "ada@example.com" : "string";
    if (s.properties) {
      const out = {};
      const required = new Set(s.required || []);
      for (const [name, prop] of Object.entries(s.properties)) {
        if (required.has(name)) out[name] = example(spec, prop, depth + 1, name);
      }
      return out;
    }
    return null;
  }

  // The body a reader starts from: the request's example in the document (each Tixallo
  // request body has one), else one made from the schema.
  function bodyExample(spec, content) {
    if (content.example !== undefined) return content.example;
    const schema = content.schema.anyOf
      ? content.schema.anyOf.find((x) => x.type !== "null") : content.schema;
    const s = resolve(spec, schema);
    if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
    return example(spec, content.schema, 0);
  }

  function fieldsTable(spec, schema) {
    const s = resolve(spec, schema.anyOf ? schema.anyOf.find((x) => x.type !== "null") : schema);
    if (!s.properties) return null;
    const required = new Set(s.required || []);
    const rows = Object.entries(s.properties).map(([name, prop]) =>
      el("tr", {},
        el("td", {}, el("code", { text: name })),
        el("td", { text: typeOf(spec, prop) }),
        el("td", { text: required.has(name) ? "required" : "" }),
        prose("td", {}, [prop.description, prop.maxLength ? "max " + prop.maxLength + " chars" : ""].filter(Boolean).join("; "))));
    return el("table", {}, el("thead", {}, el("tr", {},
      el("th", { text: "Field" }), el("th", { text: "Type" }), el("th", { text: "" }), el("th", { text: "Notes" }))),
      el("tbody", {}, ...rows));
  }

  function operation(spec, path, method, op, keyInput) {
    const params = (op.parameters || []).filter((p) => p.in === "path" || p.in === "query");
    const inputs = {};
    const form = el("form", { class: "try" });
    for (const p of params) {
      const input = el("input", { name: p.name, placeholder: typeOf(spec, p.schema) });
      inputs[p.name] = { input, where: p.in };
      form.append(el("label", {}, el("code", { text: p.name }),
        p.in === "path" ? " (path, required) " : " (query) ", input,
        p.description ? prose("small", {}, " " + p.description) : null));
    }
    let bodyArea = null;
    const bodyContent = op.requestBody && op.requestBody.content["application/json"];
    const bodySchema = bodyContent && bodyContent.schema;
    if (bodySchema) {
      bodyArea = el("textarea", { rows: "8", spellcheck: "false" });
      bodyArea.value = JSON.stringify(bodyExample(spec, bodyContent), null, 2);
      const table = fieldsTable(spec, bodySchema);
      if (table) form.append(table);
      form.append(el("label", {}, "Body (JSON)", bodyArea));
    }
    const output = el("div", { class: "answer" });
    form.append(el("button", { type: "submit", text: "Send " + method.toUpperCase() }), output);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      let url = base + path;
      const query = new URLSearchParams();
      for (const [name, { input, where }] of Object.entries(inputs)) {
        if (where === "path") url = url.replace("{" + name + "}", encodeURIComponent(input.value));
        else if (input.value !== "") query.set(name, input.value);
      }
      if ([...query].length) url += "?" + query;
      const headers = { Authorization: "Bearer " + keyInput.value.trim() };
      const init = { method: method.toUpperCase(), headers };
      if (bodyArea) {
        headers["Content-Type"] = "application/json";
        init.body = bodyArea.value;
      }
      if (method === "post") headers["Idempotency-Key"] = crypto.randomUUID();
      output.replaceChildren(el("p", { text: "Sending…" }));
      try {
        const res = await fetch(url, init);
        const text = await res.text();
        let shown = text;
        try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON */ }
        const kept = ["x-request-id", "x-ratelimit-limit", "x-ratelimit-remaining",
          "x-ratelimit-reset", "retry-after", "etag", "idempotent-replayed"];
        const lines = kept.filter((h) => res.headers.has(h)).map((h) => h + ": " + res.headers.get(h));
        output.replaceChildren(
          el("p", {}, el("strong", { text: res.status + " " + res.statusText }), " ", el("code", { text: init.method + " " + url })),
          el("pre", { class: "headers", text: lines.join("\n") }),
          el("pre", { text: shown || "(no body)" }));
      } catch (error) {
        output.replaceChildren(el("p", { class: "error", text: String(error) }));
      }
    });
    const statuses = Object.keys(op.responses || {}).filter((s) => s !== "422").join(", ");
    return el("details", { class: "op", id: (method + path).replace(/[^a-zA-Z0-9]+/g, "-") },
      el("summary", {}, el("span", { class: "method " + method, text: method.toUpperCase() }), " ",
        el("code", { text: path }), " ", el("span", { class: "summary", text: op.summary || "" })),
      op.description ? prose("p", { class: "desc" }, op.description) : null,
      el("p", { class: "desc" }, "Answers " + statuses + "; errors use the one error body (see ",
        el("a", { href: "/docs/errors", text: "Error handling" }), ")."),
      form);
  }

  async function main() {
    const spec = await (await fetch(specUrl)).json();
    const keyInput = el("input", { id: "api-key", type: "password", autocomplete: "off", placeholder: "th_…" });
    keyInput.value = sessionStorage.getItem("tixallo-docs-key") || "";
    keyInput.addEventListener("change", () => sessionStorage.setItem("tixallo-docs-key", keyInput.value));
    const intro = el("div", { class: "keybox" },
      prose("p", {}, spec.info.description),
      el("label", { for: "api-key" }, "API key (kept in this tab only) "), keyInput,
      el("p", {}, el("small", {}, "Requests go to this Tixallo server, ", el("code", { text: base }),
        ", and act on your workspace for real. Schema: ", el("a", { href: specUrl, text: specUrl }))));
    const groups = new Map();
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const tag = (op.tags && op.tags[0]) || "other";
        if (!groups.has(tag)) groups.set(tag, []);
        groups.get(tag).push(operation(spec, path, method, op, keyInput));
      }
    }
    const sections = [...groups].map(([tag, ops]) => el("section", {}, el("h2", { text: tag }), ...ops));
    root.replaceChildren(intro, ...sections);
  }

  main().catch((error) => root.replaceChildren(el("p", { class: "error", text: "Could not load " + specUrl + ": " + error })));
})();
