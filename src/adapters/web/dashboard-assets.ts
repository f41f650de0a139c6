/**
 * The dashboard's stylesheet and script, served by certflow itself from `/dashboard/assets/` (no CDN): kept as
 * strings here because the build compiles TypeScript only. The script does one thing, refreshing a campaign's
 * burndown without a reload; every page works without it.
 */

/** The stylesheet: readable type, a visible focus ring on everything focusable, the charts' colours. */
export const DASHBOARD_CSS = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d1c1d;background:#fff}
main{max-width:64rem;margin:0 auto;padding:1rem}
.top{display:flex;gap:1.5rem;align-items:center;padding:.75rem 1rem;background:#1d3557;color:#fff;flex-wrap:wrap}
.top a,.top .link{color:#fff}.brand{font-weight:700;text-decoration:none}.who{margin-left:auto}
.skip{position:absolute;left:-999px;top:0;background:#fff;color:#000;padding:.5rem 1rem;z-index:10}
.skip:focus{left:1rem;top:.5rem}
:focus-visible{outline:3px solid #f4a261;outline-offset:2px}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%}caption{text-align:left;font-weight:600}
th,td{border-bottom:1px solid #e5e5e5;padding:.3rem .5rem;text-align:left;vertical-align:top}
dl{display:grid;grid-template-columns:12rem 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
.muted{color:#5c5c5c}.bad{color:#b3261e}.ok{color:#1a7f37}
.notice{padding:.5rem .75rem;border-radius:4px}.notice.ok{background:#e6f4ea}.notice.error{background:#fce8e6;color:#8c1d18}
form.action,form.campaign-start,form.sign-in{margin:.75rem 0;display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
fieldset{display:grid;gap:.35rem;border:1px solid #ccc;padding:1rem;max-width:40rem}
label{font-weight:600}label.check{font-weight:400}
input,select,button{font:inherit;padding:.35rem .5rem}
button{background:#1d3557;color:#fff;border:0;border-radius:4px;cursor:pointer}
button.link{background:none;text-decoration:underline;padding:0}
form.sign-out,form.search{margin:0;display:flex;gap:.35rem;align-items:center}.top label{font-weight:400}
svg.chart{max-width:100%;height:auto;background:#fafafa}
.chart .bar{fill:#457b9d}.chart .done-bar{fill:#2a9d8f}
.chart .grid{stroke:#ddd}.chart .tick,.chart .axis-label{font-size:11px;fill:#444}
.chart .ideal{stroke:#999;stroke-dasharray:6 4}.chart .remaining{fill:none;stroke:#e63946;stroke-width:2}
.chart .deadline{stroke:#1d3557;stroke-dasharray:2 3}
tr.done td{color:#5c5c5c}
`;

/** Replaces each `[data-refresh]` element's content with what its URL answers, every `data-refresh-seconds`. */
export const DASHBOARD_JS = `'use strict';
document.querySelectorAll('[data-refresh]').forEach(function (element) {
  var seconds = Math.max(2, Number(element.getAttribute('data-refresh-seconds')) || 10);
  function refresh() {
    fetch(element.getAttribute('data-refresh'), { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) element.innerHTML = html; })
      .catch(function () { /* the next refresh tries again */ })
      .then(function () { setTimeout(refresh, seconds * 1000); });
  }
  setTimeout(refresh, seconds * 1000);
});
`;
