// Passkey enrolment and sign-in: the one place the service needs script (WebAuthn is a browser API).
"use strict";
async function post(url, csrf, body, type) {
  const answer = await fetch(url, {method: "POST", headers: {"X-CSRF-Token": csrf, "Content-Type": type}, body: body, credentials: "same-origin"});
  const data = await answer.json();
  if (!answer.ok) throw new Error(data.error || "the service refused the request");
  return data;
}
function say(text) { document.getElementById("passkey-message").textContent = text; }
function wire(id, make) {
  const form = document.getElementById(id);
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const csrf = form.dataset.csrf;
    try {
      say("Waiting for your authenticator...");
      const body = id === "enrol" ? new URLSearchParams(new FormData(form)) : "";
      const options = await post(form.dataset.options, csrf, body, "application/x-www-form-urlencoded");
      const credential = await make(options);
      const done = await post(form.action, csrf, JSON.stringify(credential.toJSON()), "application/json");
      say("Done.");
      window.location.assign(done.next);
    } catch (error) {
      say("Not done: " + error.message);
    }
  });
}
document.addEventListener("DOMContentLoaded", () => {
  wire("enrol", (o) => navigator.credentials.create({publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(o)}));
  wire("sign-in", (o) => navigator.credentials.get({publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(o)}));
});
