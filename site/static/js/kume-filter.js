/* Instant filtering of the cluster directory by name and by province, region, sector,
 * maturity and priority. The facet links above the table do the same without JavaScript.
 * The choices are kept in the address (?q=…&province=…) so a filtered list can be shared. */
(function () {
  'use strict';
  var box = document.querySelector('[data-filter-for]');
  if (!box) return;
  var table = document.getElementById(box.getAttribute('data-filter-for'));
  var input = box.querySelector('input');
  var selects = Array.prototype.slice.call(box.querySelectorAll('select[data-facet]'));
  var count = box.querySelector('.filter-count');
  var text = box.getAttribute('data-count-text') || '{n}';
  if (!table || !input) return;
  var rows = Array.prototype.slice.call(table.querySelectorAll('tbody tr'));
  // Turkish-aware folding, so that "istanbul" finds "İstanbul" and "kume" finds "Küme".
  function fold(s) {
    return s.toLocaleLowerCase('tr').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ı/g, 'i');
  }
  var names = rows.map(function (r) { return fold(r.getAttribute('data-name') || r.textContent); });
  var facets = rows.map(function (r) { return (r.getAttribute('data-facets') || '').split(' '); });
  function facetKey(select) { return select.id.replace(/^filter-/, ''); }
  function apply() {
    var q = fold(input.value.trim());
    var wanted = selects.map(function (s) { return s.value; }).filter(Boolean);
    var shown = 0;
    rows.forEach(function (r, i) {
      var hit = (!q || names[i].indexOf(q) >= 0) &&
        wanted.every(function (w) { return facets[i].indexOf(w) >= 0; });
      r.hidden = !hit;
      if (hit) shown += 1;
    });
    count.textContent = text.replace('{n}', shown);
  }
  function remember() {
    var params = new URLSearchParams();
    if (input.value.trim()) params.set('q', input.value.trim());
    selects.forEach(function (s) {
      if (s.value) params.set(facetKey(s), s.value.slice(s.value.indexOf(':') + 1));
    });
    var query = params.toString();
    history.replaceState(null, '', query ? '?' + query : location.pathname);
  }
  function restore() {
    var params = new URLSearchParams(location.search);
    input.value = params.get('q') || '';
    selects.forEach(function (s) {
      var code = params.get(facetKey(s));
      var value = code ? facetKey(s) + ':' + code : '';
      if (Array.prototype.some.call(s.options, function (o) { return o.value === value; })) s.value = value;
    });
  }
  input.addEventListener('input', function () { apply(); remember(); });
  selects.forEach(function (s) { s.addEventListener('change', function () { apply(); remember(); }); });
  restore();
  box.hidden = false;
  apply();
})();
