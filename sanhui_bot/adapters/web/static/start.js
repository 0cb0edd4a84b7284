// Proves who opens the page, then goes on to it: Telegram's signed initData (#tgWebAppData), or a
// Matrix OpenID token asked of the client through the widget API (postMessage, action get_openid).
"use strict";
(function () {
  var box = document.getElementById("start");
  if (!box) return;
  function show(id) {
    document.getElementById("status").hidden = true;
    document.getElementById(id).hidden = false;
  }
  function prove(path, body, type) {
    fetch(path, { method: "POST", headers: { "Content-Type": type }, body: body, credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : Promise.reject(answer.status); })
      .then(function (answer) { window.location.replace(answer.next); })
      .catch(function () { show("refused"); });
  }
  if (box.dataset.kind === "telegram") {
    var data = new URLSearchParams(window.location.hash.slice(1)).get("tgWebAppData");
    if (!data && window.Telegram && window.Telegram.WebApp) data = window.Telegram.WebApp.initData;
    if (!data) { show("missing"); return; }
    prove("/auth/telegram", new URLSearchParams({ init_data: data }).toString(), "application/x-www-form-urlencoded");
    return;
  }
  // Matrix widget API (MSC1960): answer the client's requests, ask for OpenID credentials.
  var widgetId = new URLSearchParams(window.location.search).get("widgetId") || "";
  var asked = "openid-" + Math.random().toString(36).slice(2);
  var done = false;
  function use(credentials) {
    if (done) return;
    if (!credentials || credentials.state !== "allowed" || !credentials.access_token) {
      if (credentials && credentials.state === "request") return; // the client asks its user first
      show("missing");
      return;
    }
    done = true;
    prove("/auth/matrix", JSON.stringify({
      access_token: credentials.access_token,
      matrix_server_name: credentials.matrix_server_name
    }), "application/json");
  }
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || !event.data || typeof event.data !== "object") return;
    var message = event.data;
    if (message.api === "toWidget" && !message.response) {
      var response = {};
      if (message.action === "capabilities") response = { capabilities: [] };
      window.parent.postMessage(Object.assign({}, message, { response: response }), event.origin || "*");
      if (message.action === "openid_credentials") use(message.data);
      // Element asks for our capabilities once the frame has loaded; the token request follows them.
      if (message.action === "capabilities") setTimeout(askForToken, 0);
      return;
    }
    if (message.api === "fromWidget" && message.requestId === asked && message.response) {
      use(message.response);
    }
  });
  var sent = false;
  function askForToken() {
    if (sent) return;
    sent = true;
    window.parent.postMessage(
      { api: "fromWidget", widgetId: widgetId, requestId: asked, action: "get_openid", data: {} }, "*"
    );
  }
  if (window.parent === window) { show("missing"); return; }
  setTimeout(askForToken, 2000); // a client that never asks for capabilities
  setTimeout(function () { if (!done) show("missing"); }, 30000);
})();
