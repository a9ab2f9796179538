// Tixallo agent app: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  // Selects that act at once (workspace switcher).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Destructive buttons ask first.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Copy buttons (a key or a link shown once).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) { return; }
      var text = source.textContent.trim();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { select(source); });
      } else {
        select(source);
        try { document.execCommand("copy"); done(); } catch (e) { /* selected for manual copy */ }
      }
    });
  });
  function select(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  // Queue: click a row, j/k to move, Enter to open, / to search.
  var selected = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-queue] tbody tr")); }
  function mark(index) {
    var all = rows();
    if (!all.length) { return; }
    selected = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) { row.classList.toggle("selected", i === selected); });
    all[selected].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("click", function (event) {
    var row = event.target.closest("[data-queue] tbody tr[data-href]");
    if (row && !event.target.closest("a")) { window.location = row.getAttribute("data-href"); }
  });
  document.addEventListener("keydown", function (event) {
    var composer = document.getElementById("body");
    if (event.target === composer && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      var kind = event.shiftKey ? "note" : "reply";
      var button = composer.form.querySelector('button[value="' + kind + '"]');
      if (button) { button.click(); }
      return;
    }
    var chatBox = document.getElementById("content");
    if (event.target === chatBox && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      chatBox.form.requestSubmit();
      return;
    }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "/") {
      var search = document.querySelector("[data-search]");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (event.key === "j") {
      mark(selected + 1);
    } else if (event.key === "k") {
      mark(selected - 1);
    } else if (event.key === "Enter" && selected >= 0) {
      var row = rows()[selected];
      if (row) { window.location = row.getAttribute("data-href"); }
    } else if (event.key === "r" && composer) {
      event.preventDefault();
      composer.focus();
    }
  });

  // Live updates: the server streams this workspace's events (Server-Sent Events).
  var live = document.body.getAttribute("data-live");
  if (!live || !window.EventSource) { return; }
  // The page's render time: events after it are sent even if they beat the stream's start.
  var since = document.body.getAttribute("data-live-since");
  var source = new EventSource("/live" + (since ? "?since=" + encodeURIComponent(since) : ""));
  var pending = {};
  function refresh(url, selector) {
    if (pending[selector]) { return; }
    pending[selector] = window.setTimeout(function () {
      pending[selector] = null;
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "live" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.querySelector(selector);
          var current = document.querySelector(selector);
          if (fresh && current) { current.replaceWith(fresh); }
          document.dispatchEvent(new CustomEvent("tixallo:refreshed"));
        });
    }, 250);
  }
  source.addEventListener("ticket", function (event) {
    var data = JSON.parse(event.data);
    if (live === "queue") {
      if (typing(document.activeElement)) {
        document.getElementById("live-note").hidden = false;
      } else {
        refresh(window.location.href, "[data-queue], .empty");
      }
    } else if (live === "ticket:" + data.ticket_id) {
      var wrap = document.getElementById("conversation-wrap");
      refresh(wrap.getAttribute("data-fragment"), "#conversation");
    }
  });
  source.addEventListener("chat", function (event) {
    var data = JSON.parse(event.data);
    if (live.indexOf("chat") !== 0) { return; }
    refresh(window.location.href, "#chat-list");
    if (live === "chat:" + data.conversation_id) {
      var wrap = document.getElementById("transcript-wrap");
      refresh(wrap.getAttribute("data-fragment"), "#transcript");
    }
  });
})();
