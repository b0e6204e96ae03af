// smpgen serve: the little htmx does not do by itself. No inline script anywhere (the
// pages' Content-Security-Policy allows scripts from this server only).
(function () {
  "use strict";

  var previewScroll = 0;

  function isPreview(event) {
    var target = event.detail && event.detail.target;
    return target && target.id === "preview";
  }

  // Before the checks' answer is swapped in: clear every field's messages (the answer
  // brings, out of band, those of the fields that have some) and note where the
  // preview was scrolled to.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!isPreview(event)) {
      return;
    }
    document.querySelectorAll("#profile-form .messages").forEach(function (box) {
      box.replaceChildren();
    });
    var frame = document.getElementById("preview-frame");
    try {
      previewScroll = frame ? frame.contentWindow.scrollY : 0;
    } catch (err) {
      previewScroll = 0;
    }
  });

  // The new preview opens where the last one was scrolled to.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (isPreview(event)) {
      var frame = document.getElementById("preview-frame");
      if (frame) {
        frame.addEventListener("load", function () {
          try {
            frame.contentWindow.scrollTo(0, previewScroll);
          } catch (err) { /* a sandboxed frame may refuse; it then opens at the top */ }
        }, { once: true });
      }
    }
    // A list grown or shrunk: check and preview the form as it is now, after the swap
    // (the form's hx-sync is "this:replace").
    var path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    if (path && /\/list$/.test(path)) {
      var form = document.getElementById("profile-form");
      if (form) {
        htmx.trigger(form, "smpgen-changed");
      }
    }
    if (event.detail.target && event.detail.target.id === "download-status") {
      var link = document.getElementById("download-link");
      if (link && link.dataset.auto) {
        delete link.dataset.auto;
        link.click();
      }
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.closest && elt.closest("#downloads")) {
      document.getElementById("downloads").setAttribute("aria-busy", "true");
      document.getElementById("download-status").textContent = "Making " + elt.textContent.trim() + "\u2026";
    }
    if (isPreview(event)) {
      document.getElementById("preview").setAttribute("aria-busy", "true");
    }
  });

  // After any answer: each field's aria-invalid follows the problems beside it.
  document.addEventListener("htmx:afterRequest", function (event) {
    ["downloads", "preview"].forEach(function (id) {
      var box = document.getElementById(id);
      if (box) {
        box.removeAttribute("aria-busy");
      }
    });
    if (!isPreview(event)) {
      return;
    }
    document.querySelectorAll("#profile-form .messages").forEach(function (box) {
      var input = document.getElementById("f-" + box.id.slice(2));
      if (!input) {
        return;
      }
      if (box.querySelector(".error")) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    });
  });
})();
