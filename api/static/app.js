// Drag-and-drop for material uploads, with the same type and size limits the server enforces.
(function () {
  "use strict";
  var TYPES = ["application/pdf", "image/jpeg", "image/png"];
  function check(form, input, status) {
    var file = input.files && input.files[0];
    var max = Number(form.getAttribute("data-max-bytes")) || 0;
    status.classList.remove("bad");
    if (!file) { status.textContent = ""; input.setCustomValidity(""); return; }
    var problem = "";
    if (TYPES.indexOf(file.type) < 0) { problem = "只能上传 PDF、JPEG 或 PNG 文件"; }
    else if (max && file.size > max) { problem = "文件过大（不超过 " + (max / 1048576).toFixed(1) + " MB）"; }
    input.setCustomValidity(problem);
    status.textContent = problem || ("已选择：" + file.name + "（" + Math.ceil(file.size / 1024) + " KB）");
    if (problem) { status.classList.add("bad"); }
  }
  function setup(form) {
    var zone = form.querySelector("[data-dropzone]");
    var input = form.querySelector("input[type=file]");
    var status = form.querySelector(".drop-status");
    if (!zone || !input) { return; }
    input.addEventListener("change", function () { check(form, input, status); });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        check(form, input, status);
      }
    });
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form.upload-form"), setup);
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
