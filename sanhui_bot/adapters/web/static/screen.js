// The 签到大屏 follows the code without a reload: it asks screen.json every second or so and shows the
// six digits, the QR code and who has signed in. Names are set as text, never as HTML.
"use strict";
(function () {
  var box = document.getElementById("screen");
  if (!box) return;
  var url = box.dataset.stateUrl;
  function show(id, visible) { document.getElementById(id).hidden = !visible; }
  function apply(state) {
    box.dataset.state = state.state;
    document.getElementById("code").textContent = state.code || "";
    var qr = document.getElementById("qr");
    if (state.qr) { if (qr.getAttribute("src") !== state.qr) qr.src = state.qr; qr.hidden = false; } else { qr.hidden = true; }
    show("waiting", state.state === "waiting");
    show("over", state.state === "over");
    var list = document.getElementById("signed");
    while (list.firstChild) list.removeChild(list.firstChild);
    state.signed.forEach(function (person) {
      var item = document.createElement("li");
      item.className = "name";
      item.dataset.key = person.key;
      item.textContent = person.name + " ";
      var at = document.createElement("span");
      at.className = "meta";
      at.textContent = person.at;
      item.appendChild(at);
      list.appendChild(item);
    });
    document.getElementById("count").textContent = String(state.signed.length);
    return state.refresh_ms || 1000;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) { return answer.ok ? answer.json() : Promise.reject(answer.status); })
      .then(function (state) { setTimeout(poll, apply(state)); })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
