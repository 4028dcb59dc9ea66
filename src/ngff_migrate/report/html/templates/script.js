(function () {
  "use strict";
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  // plate maps: a click on a well shows its fields
  each(document.querySelectorAll("button.well"), function (button) {
    button.addEventListener("click", function () {
      var plate = button.closest(".plate");
      each(plate.querySelectorAll(".well-panel"), function (p) { p.hidden = true; });
      each(plate.querySelectorAll("button.well"), function (b) { b.setAttribute("aria-pressed", "false"); });
      var panel = document.getElementById(button.getAttribute("data-panel"));
      if (panel) { panel.hidden = false; }
      button.setAttribute("aria-pressed", "true");
    });
  });

  // sortable tables: a click on a header sorts by that column (again: the other way)
  each(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    each(heads, function (th, column) {
      th.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        each(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.getAttribute("data-type") === "num";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column].getAttribute("data-sort") || "";
          var y = b.cells[column].getAttribute("data-sort") || "";
          if (numeric) {
            x = parseFloat(x); y = parseFloat(y);
            if (isNaN(x)) { x = -Infinity; }
            if (isNaN(y)) { y = -Infinity; }
          }
          return (x < y ? -1 : (x > y ? 1 : 0)) * (ascending ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  // filters: a text box (any cell) and a choice (the row's outcome or disposition)
  each(document.querySelectorAll(".filters"), function (bar) {
    var table = document.getElementById(bar.getAttribute("data-table"));
    if (!table) { return; }
    var text = bar.querySelector("input");
    var choice = bar.querySelector("select");
    var shown = bar.querySelector(".shown");
    function apply() {
      var needle = text ? text.value.trim().toLowerCase() : "";
      var wanted = choice ? choice.value : "";
      var n = 0;
      each(table.tBodies[0].rows, function (row) {
        var ok = (!needle || row.textContent.toLowerCase().indexOf(needle) >= 0) &&
                 (!wanted || row.getAttribute("data-outcome") === wanted);
        row.hidden = !ok;
        if (ok) { n += 1; }
      });
      if (shown) { shown.textContent = n + " of " + table.tBodies[0].rows.length + " shown"; }
    }
    if (text) { text.addEventListener("input", apply); }
    if (choice) { choice.addEventListener("change", apply); }
    apply();
  });
}());
