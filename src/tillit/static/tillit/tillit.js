// Small behaviours that need no framework.
document.addEventListener("htmx:beforeRequest", (e) => {
  const form = e.target.closest("form");
  if (form) form.querySelectorAll("button[type=submit]").forEach((b) => (b.disabled = true));
});
document.addEventListener("htmx:afterRequest", (e) => {
  const form = e.target.closest("form");
  if (form) form.querySelectorAll("button[type=submit]").forEach((b) => (b.disabled = false));
});
// Close the user menu when clicking elsewhere.
document.addEventListener("click", (e) => {
  document.querySelectorAll("details.usermenu[open]").forEach((d) => { if (!d.contains(e.target)) d.removeAttribute("open"); });
});
