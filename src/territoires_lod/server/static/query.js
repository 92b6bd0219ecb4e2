// The query UI: YASGUI on this server's endpoint, one tab per example query.
// Nothing is fetched from other hosts: no endpoint catalogue, no LOV autocompletion.
(function () {
  "use strict";
  var examples = JSON.parse(document.getElementById("examples").textContent);
  // The endpoint beside this page (/query, or under the canonical base path), on this page's origin.
  var endpoint = window.location.origin + window.location.pathname.replace(/query$/, "sparql");
  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "GET" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    autoAddOnInit: false,
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    yasr: { prefixes: {} }
  });
  examples.forEach(function (example, index) {
    yasgui.addTab(index === 0, {
      name: example.title,
      yasqe: { value: example.query },
      requestConfig: { endpoint: endpoint, method: "GET" }
    });
  });
  if (!examples.length) { yasgui.addTab(true, { requestConfig: { endpoint: endpoint } }); }
  window.territoiresYasgui = yasgui;
})();
