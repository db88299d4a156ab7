// Small behaviours that need no framework.
document.addEventListener("htmx:beforeRequest", (e) => {
  const form = e.target.closest("form");
  if (form) form.querySelectorAll("button[type=submit]").forEach((b) => (b.disabled = true));
});
document.addEventListener("htmx:afterRequest", (e) => {
  const form = e.target.closest("form");
  if (form) form.querySelectorAll("button[type=submit]").forEach((b) => (b.disabled = false));
});
// Close the user menu and the navigation menus when clicking elsewhere (one open menu at a time).
document.addEventListener("click", (e) => {
  document.querySelectorAll("details.usermenu[open], details.navmenu[open]").forEach((d) => {
    if (!d.contains(e.target)) d.removeAttribute("open");
  });
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") document.querySelectorAll("details.navmenu[open], details.usermenu[open]").forEach((d) => d.removeAttribute("open"));
});
// Behaviours declared in the markup, so pages need no inline scripts (the Content-Security-Policy forbids them):
// <select data-autosubmit> submits its form on change; <form data-confirm="…"> asks before submitting;
// <button data-print> prints the page.
document.addEventListener("change", (e) => {
  const field = e.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.submit();
});
document.addEventListener("submit", (e) => {
  const form = e.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) e.preventDefault();
});
document.addEventListener("click", (e) => {
  if (e.target.closest("[data-print]")) window.print();
});
