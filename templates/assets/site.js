// madoguchi public site: the "was this helpful?" control. The page works without it,
// and without the API: a failed vote shows no error, the control just stays.
(function () {
  "use strict";
  document.querySelectorAll("form.vote[data-vote-url]").forEach(function (form) {
    var url = form.getAttribute("data-vote-url");
    var key = "madoguchi-voted:" + url;
    try { if (localStorage.getItem(key)) return; } catch (e) { /* private mode */ }
    form.hidden = false;
    form.querySelectorAll("button").forEach(function (button) {
      button.addEventListener("click", function () {
        var body = JSON.stringify({ helpful: button.value === "yes" });
        fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: body, credentials: "same-origin" })
          .then(function (res) {
            if (!res.ok) return;
            form.querySelector("fieldset").hidden = true;
            form.querySelector(".vote-thanks").hidden = false;
            try { localStorage.setItem(key, "1"); } catch (e) { /* ignore */ }
          })
          .catch(function () { /* no API here: nothing to say */ });
      });
    });
  });
})();
