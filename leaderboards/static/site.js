/* ArchBench leaderboard tables: every table with a header row gets a filter box and sortable columns.
   Written for this project (no dependencies); works from file:// and any static host. */
(function () {
  "use strict";
  var MISSING = /^(|–|-|n\/a|nan)$/i;

  function cellText(row, i) {
    var cell = row.cells[i];
    if (!cell) return "";
    var key = cell.getAttribute("data-sort");
    return (key !== null ? key : cell.textContent).trim();
  }

  function number(text) {
    // "0.632 ± 0.128", "61.49 [54.8, 66.1]", "<0.001", "100 %", "n=20": the leading number
    var m = text.replace(/\u2212/g, "-").match(/^[<>≤≥~]?\s*(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)/i);
    return m ? parseFloat(m[1]) : NaN;
  }

  function sortBy(table, index, header) {
    var body = table.tBodies[0];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(header.parentNode.cells, function (th) { th.setAttribute("aria-sort", "none"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    var texts = rows.map(function (r) { return cellText(r, index); });
    var numeric = texts.every(function (t) { return MISSING.test(t) || !isNaN(number(t)); });
    var keyed = rows.map(function (row, i) {
      var t = texts[i];
      return { row: row, i: i, missing: MISSING.test(t), key: numeric ? number(t) : t.toLowerCase() };
    });
    keyed.sort(function (a, b) {
      if (a.missing !== b.missing) return a.missing ? 1 : -1;  // empty cells last either way
      var c = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      return (ascending ? c : -c) || a.i - b.i;
    });
    keyed.forEach(function (k) { body.appendChild(k.row); });
  }

  function filter(table, query, count) {
    var q = query.trim().toLowerCase(), shown = 0, rows = table.tBodies[0].rows;
    Array.prototype.forEach.call(rows, function (row) {
      var hit = !q || row.textContent.toLowerCase().indexOf(q) >= 0;
      row.hidden = !hit;
      if (hit) shown += 1;
    });
    count.textContent = shown + " of " + rows.length + " rows";
  }

  function enhance(table, n) {
    if (!table.tHead || !table.tBodies.length || !table.tHead.rows.length) return;
    var bar = document.createElement("div"), input = document.createElement("input");
    var count = document.createElement("span");
    bar.className = "table-tools";
    input.type = "search";
    input.placeholder = "Filter rows";
    input.setAttribute("aria-label", "Filter the rows of table " + (n + 1));
    count.className = "row-count";
    bar.appendChild(input);
    bar.appendChild(count);
    var anchor = table.parentNode.classList.contains("scroll") ? table.parentNode : table;
    anchor.parentNode.insertBefore(bar, anchor);
    input.addEventListener("input", function () { filter(table, input.value, count); });
    filter(table, "", count);
    var head = table.tHead.rows[table.tHead.rows.length - 1];
    Array.prototype.forEach.call(head.cells, function (th, i) {
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      th.title = "Sort by this column";
      th.addEventListener("click", function () { sortBy(table, i, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, i, th); }
      });
    });
    table.classList.add("sortable");
    // text columns read left-aligned, number columns right-aligned
    Array.prototype.forEach.call(head.cells, function (th, i) {
      var texts = Array.prototype.map.call(table.tBodies[0].rows, function (r) { return cellText(r, i); });
      if (!texts.every(function (t) { return MISSING.test(t) || !isNaN(number(t)); })) {
        th.classList.add("text");
        Array.prototype.forEach.call(table.tBodies[0].rows, function (r) { if (r.cells[i]) r.cells[i].classList.add("text"); });
      }
    });
  }

  function init() { Array.prototype.forEach.call(document.querySelectorAll("main table"), enhance); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
