// Says the chosen number beside each 0-10 rating ("Your rating: 4 out of 10") once the client has
// chosen one. The radio buttons work without this file; nothing is ever chosen for the client.
(function () {
  "use strict";

  function wire(group) {
    var output = group.querySelector("output");
    var reading = output ? output.closest(".reading") : null;
    function show() {
      var chosen = group.querySelector("input[data-rating]:checked");
      if (!output || !reading) { return; }
      reading.hidden = !chosen;
      if (chosen) { output.value = chosen.value; output.textContent = chosen.value; }
    }
    group.addEventListener("change", show);
    show();
  }

  function start() {
    var groups = document.querySelectorAll("fieldset.rating");
    for (var i = 0; i < groups.length; i += 1) { wire(groups[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
