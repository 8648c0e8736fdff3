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
  // A step's materials (templates/_step_materials.html): each material has its own multiple file input;
  // files dropped on a material's line are added to that input. Types and the total size are checked as
  // the server will (the server checks again and names each file it refuses).
  function kb(n) { return Math.ceil(n / 1024) + " KB"; }
  function checkLines(form) {
    var max = Number(form.getAttribute("data-max-bytes")) || 0;
    var inputs = form.querySelectorAll(".material-line input[type=file]");
    var total = 0;
    Array.prototype.forEach.call(inputs, function (input) {
      var files = Array.prototype.slice.call(input.files || []);
      var status = input.closest(".material-line").querySelector(".drop-status");
      var bad = files.filter(function (f) { return TYPES.indexOf(f.type) < 0; });
      files.forEach(function (f) { total += f.size; });
      var problem = bad.length ? ("只能上传 PDF、JPEG 或 PNG 文件：" + bad.map(function (f) { return f.name; }).join("、")) : "";
      input.setCustomValidity(problem);
      if (status) {
        status.classList.toggle("bad", !!problem);
        status.textContent = problem || (files.length ? "已选择 " + files.length + " 个文件：" +
          files.map(function (f) { return f.name + "（" + kb(f.size) + "）"; }).join("、") : "");
      }
    });
    if (max && total > max && inputs.length) {
      inputs[0].setCustomValidity("所选文件合计 " + kb(total) + "，超过一次上传的上限 " + kb(max));
      var first = inputs[0].closest(".material-line").querySelector(".drop-status");
      if (first) { first.classList.add("bad"); first.textContent = "所选文件合计 " + kb(total) + "，超过一次上传的上限 " + kb(max) + "，请分几次上传"; }
    }
  }
  function setupLines(form) {
    var list = form.querySelector("[data-material-drop]");
    if (!list) { return; }
    Array.prototype.forEach.call(list.querySelectorAll("[data-material]"), function (line) {
      var input = line.querySelector("input[type=file]");
      if (!input) { return; }
      input.addEventListener("change", function () { checkLines(form); });
      ["dragenter", "dragover"].forEach(function (name) {
        line.addEventListener(name, function (e) { e.preventDefault(); line.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        line.addEventListener(name, function (e) { e.preventDefault(); line.classList.remove("over"); });
      });
      line.addEventListener("drop", function (e) {
        var dropped = e.dataTransfer && e.dataTransfer.files;
        if (!dropped || !dropped.length) { return; }
        try {  // keep what was chosen before and add the dropped files
          var both = new DataTransfer();
          Array.prototype.forEach.call(input.files || [], function (f) { both.items.add(f); });
          Array.prototype.forEach.call(dropped, function (f) { both.items.add(f); });
          input.files = both.files;
        } catch (err) { input.files = dropped; }
        checkLines(form);
      });
    });
  }
  // Changing a step's date asks the server for that day's list of materials (htmx swaps the fieldset):
  // files and signers already chosen are carried over to the materials the new list still has.
  var carried = null;
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (!e.detail.target || e.detail.target.id !== "step-materials") { return; }
    carried = {};
    Array.prototype.forEach.call(e.detail.target.querySelectorAll("input[name]"), function (input) {
      carried[input.name] = input.type === "file" ? input.files : input.value;
    });
  });
  document.addEventListener("htmx:load", function () {  // fired on the new content, which is attached
    var list = document.getElementById("step-materials");
    if (!list || !carried) { return; }
    Array.prototype.forEach.call(list.querySelectorAll("input[name]"), function (input) {
      if (!(input.name in carried)) { return; }
      if (input.type === "file") { try { input.files = carried[input.name]; } catch (err) { /* left empty */ } }
      else { input.value = carried[input.name]; }
    });
    carried = null;
    var form = list.closest("form.upload-form");
    if (form) { setupLines(form); checkLines(form); }
  });
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form.upload-form"), setup);
    Array.prototype.forEach.call(document.querySelectorAll("form.upload-form"), setupLines);
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
