// Behaviour shared by every page. No inline scripts: the Content-Security-Policy forbids them.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select.auto-submit").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
});
document.addEventListener("htmx:configRequest", (event) => {
  event.detail.headers["X-CSRFToken"] = document.body.dataset.csrf;
});
