// Swagger UI for /api/v1/docs from django-ninja's bundled files (no CDN). Settings come from the page's
// JSON block; with a session, requests carry the CSRF token like the rest of Tillit.
(function () {
  const mount = document.getElementById("swagger-ui");
  if (!mount || typeof SwaggerUIBundle === "undefined") return;
  const config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  const csrf = mount.dataset.csrfToken;
  if (csrf) {
    config.requestInterceptor = (req) => { req.headers["X-CSRFToken"] = csrf; return req; };
  }
  SwaggerUIBundle(config);
})();
