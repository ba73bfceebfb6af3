// The interactive docs on the app's own OpenAPI document. A file, not an inline script: the page's CSP allows
// only scripts from this origin.
window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
