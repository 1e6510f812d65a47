// kg site search: plain JavaScript over search.json, no framework, no network beyond this site.
// Results are built with textContent only, so nothing from the data is ever parsed as HTML.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var list = document.getElementById("results");
  var status = document.getElementById("search-status");
  if (!input || !list) { return; }
  var items = null;
  var LIMIT = 50;

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function show() {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!items) { status.textContent = "Loading the index…"; return; }
    if (!words.length) { status.textContent = ""; return; }
    var hits = items.filter(function (item) {
      return words.every(function (w) { return item.text.indexOf(w) !== -1; });
    });
    status.textContent = hits.length === 0 ? "Nothing found." :
      hits.length + (hits.length === 1 ? " match" : " matches") + (hits.length > LIMIT ? ", first " + LIMIT + " shown" : "") + ".";
    hits.slice(0, LIMIT).forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.path;
      a.textContent = item.title;
      li.appendChild(a);
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = item.kind + (item.date ? " · " + item.date : "");
      li.appendChild(kind);
      list.appendChild(li);
    });
  }

  var params = new URLSearchParams(window.location.search);
  if (params.get("q")) { input.value = params.get("q"); }
  input.addEventListener("input", show);
  fetch("search.json").then(function (r) { return r.json(); }).then(function (data) {
    items = data.items.map(function (row) {
      // row: [path, title, kind, date, other names]
      return { path: row[0], title: row[1], kind: row[2], date: row[3],
               text: fold([row[1], row[2], row[3], row[4]].join(" ")) };
    });
    show();
  }, function () { status.textContent = "The search index could not be loaded."; });
})();
