// Shows the chosen number beside each 0-10 rating slider and gives screen readers the same
// words ("4 out of 10"). The slider works without this file; it only adds the live number.
(function () {
  "use strict";

  function describe(value) {
    var words = value + " out of 10";
    if (value === "0") { words += ", calm"; }
    if (value === "10") { words += ", the worst imaginable"; }
    return words;
  }

  function wire(slider) {
    var output = document.getElementById(slider.id + "-output");
    var reading = output ? output.closest(".reading") : null;
    function show() {
      if (output) { output.value = slider.value; output.textContent = slider.value; }
      slider.setAttribute("aria-valuetext", describe(slider.value));
    }
    if (reading) { reading.hidden = false; }
    slider.addEventListener("input", show);
    slider.addEventListener("change", show);
    show();
  }

  function start() {
    var sliders = document.querySelectorAll("input[type=range][data-rating]");
    for (var i = 0; i < sliders.length; i += 1) { wire(sliders[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
