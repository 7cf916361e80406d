// assistflow pages: small progressive enhancements. Every form works
// without this file; it adds live ID-number checks, member rows, confirm
// dialogs and select-all for batch approval.
(function () {
  "use strict";

  // GB 11643-1999: 17 digits weighted 2^(17-i) mod 11, check digit from
  // "10X98765432". Birth date must be a real day.
  var weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  function idProblem(v) {
    if (v === "") return "";
    if (!/^\d{17}[\dX]$/.test(v)) return "format";
    var y = +v.substr(6, 4), m = +v.substr(10, 2), d = +v.substr(12, 2);
    var dt = new Date(Date.UTC(y, m - 1, d));
    if (y < 1900 || dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return "birth";
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += (+v.charAt(i)) * weights[i];
    return "10X98765432".charAt(sum % 11) === v.charAt(17) ? "" : "check";
  }

  function checkID(input) {
    var v = input.value.trim().toUpperCase();
    var problem = idProblem(v);
    var out = document.getElementById(input.getAttribute("aria-describedby"));
    input.setAttribute("aria-invalid", problem ? "true" : "false");
    if (out) out.textContent = problem ? (input.dataset["msg" + problem[0].toUpperCase() + problem.slice(1)] || problem) : "";
  }

  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("input[data-idcheck]")) checkID(e.target);
  });

  // Rows added from a <template>: "__i__" becomes the next index, so the
  // server reads members[3].name like any other row.
  document.addEventListener("click", function (e) {
    var add = e.target.closest && e.target.closest("[data-add-row]");
    if (add) {
      var tpl = document.getElementById(add.dataset.addRow);
      var list = document.getElementById(add.dataset.into);
      var n = list.querySelectorAll(".row-item").length;
      var html = tpl.innerHTML.replace(/__i__/g, String(n)).replace(/__n__/g, String(n + 1));
      list.insertAdjacentHTML("beforeend", html);
      var first = list.lastElementChild.querySelector("input, select");
      if (first) first.focus();
      return;
    }
    var del = e.target.closest && e.target.closest("[data-remove-row]");
    if (del) {
      del.closest(".row-item").remove();
    }
  });

  // Confirm before irreversible actions (withdraw, batch approval).
  document.addEventListener("submit", function (e) {
    var msg = e.target.dataset && e.target.dataset.confirm;
    if (msg && !window.confirm(msg)) e.preventDefault();
  });

  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("input[data-select-all]")) {
      var boxes = document.querySelectorAll("input[name='" + e.target.dataset.selectAll + "']");
      for (var i = 0; i < boxes.length; i++) boxes[i].checked = e.target.checked;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var ids = document.querySelectorAll("input[data-idcheck]");
    for (var i = 0; i < ids.length; i++) if (ids[i].value) checkID(ids[i]);
  });
})();
