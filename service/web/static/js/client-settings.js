// Keeps the "listen to a sample" audio and link in step with the voice and pace chosen on the
// settings page, before they are saved. Without this file the sample uses the saved settings.
(function () {
  "use strict";

  function start() {
    var voice = document.getElementById("voice");
    var rate = document.getElementById("speech_rate");
    var audio = document.getElementById("sample-audio");
    var link = document.getElementById("sample-link");
    if (!voice || !rate || !audio || !link) { return; }
    var base = link.getAttribute("href").split("?")[0];

    function update() {
      var query = "level=1&format=mp3&voice=" + encodeURIComponent(voice.value);
      var pace = parseInt(rate.value, 10);
      if (pace >= parseInt(rate.min, 10) && pace <= parseInt(rate.max, 10)) {
        query += "&rate=" + pace;
      }
      var url = base + "?" + query;
      if (link.getAttribute("href") !== url) {
        link.setAttribute("href", url);
        audio.setAttribute("src", url);
      }
    }
    voice.addEventListener("change", update);
    rate.addEventListener("change", update);
    rate.addEventListener("input", update);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
