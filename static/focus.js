// After htmx swaps in a new page, move focus to where a screen-reader or keyboard user expects
// it: the error summary if there is one, else the page's <h1>. Also, when htmx cannot show a
// response (network down, unexpected server error), fall back to a normal page load so the
// person is never stuck on a dead button.
(function () {
  "use strict";

  function focusPage(initial) {
    var summary = document.querySelector(".error-summary");
    var target = summary || (initial ? null : document.querySelector("main h1"));
    if (!target) return;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: false });
  }

  function fallBack(event) {
    var detail = event.detail || {};
    var elt = detail.elt;
    var form = elt && elt.closest ? elt.closest("form") : null;
    if (form && elt.tagName === "FORM") {
      form.submit(); // native submit: the browser shows whatever the server or network gives
    } else if (detail.pathInfo && detail.pathInfo.requestPath) {
      window.location.assign(detail.pathInfo.requestPath);
    }
  }

  document.addEventListener("DOMContentLoaded", function () { focusPage(true); });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail && event.detail.boosted !== false) focusPage(false);
  });
  document.addEventListener("htmx:sendError", fallBack);
  document.addEventListener("htmx:responseError", fallBack);
})();
