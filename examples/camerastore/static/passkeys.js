// Passkeys for Camera Store: the buttons marked data-passkey ask the server for WebAuthn options
// (JSON), hand them to the browser's authenticator, and post its answer back. The CSRF token
// goes in the x-csrf-token header; the server answers {"redirect": url} or {"error": text}.
"use strict";

(function () {
  function fromB64url(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(b64 + "===".slice((b64.length + 3) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0)).buffer;
  }

  function toB64url(buffer) {
    let raw = "";
    for (const byte of new Uint8Array(buffer)) raw += String.fromCharCode(byte);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    const field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
      body: JSON.stringify(body || {}),
    });
    let answer = {};
    try { answer = await response.json(); } catch (_) { answer = {}; }
    if (!response.ok) throw new Error(answer.error || "The server refused the passkey (" + response.status + ").");
    return answer;
  }

  function creationOptions(options) {
    const key = options.publicKey;
    key.challenge = fromB64url(key.challenge);
    key.user.id = fromB64url(key.user.id);
    (key.excludeCredentials || []).forEach((c) => { c.id = fromB64url(c.id); });
    return { publicKey: key };
  }

  function requestOptions(options) {
    const key = options.publicKey;
    key.challenge = fromB64url(key.challenge);
    (key.allowCredentials || []).forEach((c) => { c.id = fromB64url(c.id); });
    return { publicKey: key };
  }

  function registered(credential) {
    return {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      extensions: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: {
        attestationObject: toB64url(credential.response.attestationObject),
        clientDataJSON: toB64url(credential.response.clientDataJSON),
        transports: credential.response.getTransports ? credential.response.getTransports() : undefined,
      },
    };
  }

  function asserted(credential) {
    const response = credential.response;
    return {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      extensions: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: {
        authenticatorData: toB64url(response.authenticatorData),
        clientDataJSON: toB64url(response.clientDataJSON),
        signature: toB64url(response.signature),
        userHandle: response.userHandle ? toB64url(response.userHandle) : null,
      },
    };
  }

  function say(text) {
    const status = document.getElementById("passkey-status");
    if (status) status.textContent = text;
  }

  async function add() {
    const nameField = document.getElementById("passkey-name");
    const options = await post("/account/security/passkeys/options");
    const credential = await navigator.credentials.create(creationOptions(options));
    const name = nameField ? nameField.value : "";
    return post("/account/security/passkeys", { name: name, credential: registered(credential) });
  }

  async function signIn(start, finish, mediation, signal) {
    const options = await post(start);
    const request = requestOptions(options);
    delete request.mediation;
    if (mediation) request.mediation = mediation;
    if (signal) request.signal = signal;
    const credential = await navigator.credentials.get(request);
    return post(finish, { credential: asserted(credential) });
  }

  const actions = {
    add: () => add(),
    login: () => signIn("/login/passkey/options", "/login/passkey"),
    "second-factor": () => signIn("/login/second-factor/passkey/options", "/login/second-factor/passkey"),
  };

  let autofill = null;

  // The name field's form has no submit button, but Enter would still submit it.
  const nameForm = document.getElementById("passkey-form");
  if (nameForm) nameForm.addEventListener("submit", (event) => event.preventDefault());

  document.querySelectorAll("[data-passkey]").forEach((button) => {
    button.addEventListener("click", async (event) => {
      event.preventDefault();
      if (autofill) autofill.abort();
      say("Waiting for your passkey…");
      try {
        const answer = await actions[button.dataset.passkey]();
        say("Done.");
        window.location.assign(answer.redirect || "/");
      } catch (err) {
        say(err.message || String(err));
      }
    });
  });

  // Autofill: where the browser can offer passkeys in the username field, it does.
  const username = document.querySelector('input[autocomplete~="webauthn"]');
  if (username && window.PublicKeyCredential && PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then((available) => {
      if (!available) return;
      autofill = new AbortController();
      signIn("/login/passkey/options", "/login/passkey", "conditional", autofill.signal)
        .then((answer) => window.location.assign(answer.redirect || "/"))
        .catch(() => {});
    });
  }
})();
