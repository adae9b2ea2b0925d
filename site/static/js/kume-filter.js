/* Instant filtering of the cluster directory by name, province or sector. The facet links
 * above the table do the same without JavaScript. */
(function () {
  'use strict';
  var box = document.querySelector('[data-filter-for]');
  if (!box) return;
  var table = document.getElementById(box.getAttribute('data-filter-for'));
  var input = box.querySelector('input');
  var count = box.querySelector('.filter-count');
  var text = box.getAttribute('data-count-text') || '{n}';
  if (!table || !input) return;
  var rows = Array.prototype.slice.call(table.querySelectorAll('tbody tr'));
  // Turkish-aware folding, so that "istanbul" finds "İstanbul" and "kume" finds "Küme".
  function fold(s) {
    return s.toLocaleLowerCase('tr').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ı/g, 'i');
  }
  var names = rows.map(function (r) { return fold(r.getAttribute('data-name') || r.textContent); });
  function apply() {
    var q = fold(input.value.trim());
    var shown = 0;
    rows.forEach(function (r, i) {
      var hit = !q || names[i].indexOf(q) >= 0;
      r.hidden = !hit;
      if (hit) shown += 1;
    });
    count.textContent = text.replace('{n}', shown);
  }
  input.addEventListener('input', apply);
  box.hidden = false;
  apply();
})();
