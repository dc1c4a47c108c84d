/* Draws the report's charts: each <div data-chart="id"> gets the Vega-Lite spec of that id from
   the JSON block #vigil-charts, compiled with the inlined vega-lite and drawn as SVG by vega.
   Charts inside a closed <details> are drawn when it opens. Nothing is loaded from anywhere. */
(function () {
  "use strict";
  var root = document.documentElement;
  var block = document.getElementById("vigil-charts");
  if (!block || typeof vega === "undefined" || typeof vegaLite === "undefined") {
    return;
  }
  root.classList.add("js");
  var specs = JSON.parse(block.textContent);

  function fail(el, error) {
    el.classList.add("chart-error");
    el.textContent = "chart not drawn: " + error;
  }

  function draw(el) {
    if (el.getAttribute("data-drawn")) {
      return;
    }
    el.setAttribute("data-drawn", "1");
    try {
      var compiled = vegaLite.compile(specs[el.getAttribute("data-chart")]).spec;
      var view = new vega.View(vega.parse(compiled), {
        renderer: "svg",
        container: el,
        hover: true
      });
      view.runAsync().then(function () {
        el.setAttribute("data-rendered", "1");
      }, function (error) {
        fail(el, error);
      });
    } catch (error) {
      fail(el, error);
    }
  }

  function shown(el) {
    for (var p = el.parentElement; p; p = p.parentElement) {
      if (p.tagName === "DETAILS" && !p.open) {
        return false;
      }
    }
    return true;
  }

  function drawShown(scope) {
    var charts = scope.querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i++) {
      if (shown(charts[i])) {
        draw(charts[i]);
      }
    }
  }

  var details = document.querySelectorAll("details");
  for (var i = 0; i < details.length; i++) {
    details[i].addEventListener("toggle", function (event) {
      if (event.target.open) {
        drawShown(event.target);
      }
    });
  }
  drawShown(document);
})();
