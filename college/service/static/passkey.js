// Passkeys: making one, signing in, signing a committee decision. The one place the service needs
// script, because WebAuthn is a browser API. A form with data-passkey="create" or "get" asks the
// service for options (data-options), asks the authenticator, and posts its answer to the form's action.
"use strict";
async function post(url, csrf, body, type) {
  const answer = await fetch(url, {method: "POST", headers: {"X-CSRF-Token": csrf, "Content-Type": type}, body: body, credentials: "same-origin"});
  const data = await answer.json();
  if (!answer.ok) throw new Error(data.error || "the service refused the request");
  return data;
}
function say(text) { document.getElementById("passkey-message").textContent = text; }
// A page that refreshes itself (data-refresh, in seconds) does so here rather than by a meta refresh, which
// would reload it under a member still answering their authenticator (a phone can take half a minute).
let signing = false;
function refresh(seconds) {
  setTimeout(() => { if (signing) refresh(seconds); else window.location.reload(); }, seconds * 1000);
}
const ask = {
  create: (o) => navigator.credentials.create({publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(o)}),
  get: (o) => navigator.credentials.get({publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(o)}),
};
function wire(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const csrf = form.dataset.csrf;
    signing = true;
    try {
      say("Waiting for your authenticator...");
      const body = new URLSearchParams(new FormData(form));
      const options = await post(form.dataset.options, csrf, body, "application/x-www-form-urlencoded");
      const credential = await ask[form.dataset.passkey](options);
      const done = await post(form.action, csrf, JSON.stringify(credential.toJSON()), "application/json");
      say("Done.");
      window.location.assign(done.next);
    } catch (error) {
      signing = false;
      say("Not done: " + error.message);
    }
  });
}
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-passkey]").forEach(wire);
  const every = document.querySelector("[data-refresh]");
  if (every) refresh(Number(every.dataset.refresh));
});
