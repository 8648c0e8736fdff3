// Sorts a table by the clicked header: numbers as numbers, text in Chinese collation; click again to reverse.
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, index) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var numeric = th.dataset.type === "number";
      var descending = th.getAttribute("aria-sort") === "ascending";
      table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      rows.sort(function (a, b) {
        var x = a.cells[index].dataset.sort || a.cells[index].textContent.trim();
        var y = b.cells[index].dataset.sort || b.cells[index].textContent.trim();
        var order = numeric ? Number(x) - Number(y) : x.localeCompare(y, "zh-CN");
        return descending ? -order : order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
