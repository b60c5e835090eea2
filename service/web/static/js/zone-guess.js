// The add-a-client form: when the server has no better guess (a therapist's first client),
// start the time zone at the zone of the therapist's own browser. Without this script the
// field keeps the server's default, and the therapist can type any zone either way.
(function () {
  var field = document.querySelector("input[data-zone-guess]");
  if (!field || field.value !== field.getAttribute("data-zone-guess")) return;
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var known = document.querySelector('#zone-list option[value="' + zone + '"]');
    if (zone && known) field.value = zone;
  } catch (e) {
    // An old browser without Intl time zones keeps the default.
  }
})();
