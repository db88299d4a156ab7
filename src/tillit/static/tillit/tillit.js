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
