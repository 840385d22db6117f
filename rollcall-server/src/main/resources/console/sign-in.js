"use strict";
// Says why the form is back: a wrong token, or a sign-out.
(() => {
  const params = new URLSearchParams(location.search);
  const message = document.getElementById("message");
  if (params.has("failed")) {
    message.textContent = "That is not the admin token.";
    message.className = "error";
  } else if (params.has("signedOut")) {
    message.textContent = "Signed out.";
    message.className = "notice";
  }
  document.getElementById("token").focus();
})();
